#!/usr/bin/env bash
# Runs meshport for the GitHub Action (action.yml) and exits with meshport's exit code, so the step
# fails as meshport does (docs/exit-codes.md).
# For `check`, the checks run once, as `-o json`; that report is then rendered three times
# (`check --from-json`): the table into the log, JUnit into MESHPORT_JUNIT, and a Markdown table
# of failed and warning checks with their hints into the job summary. Other commands run as they
# are, their output in the log and, fenced, in the summary.
# Inputs (environment): MESHPORT_BIN, MESHPORT_COMMAND, MESHPORT_ARGS (split on whitespace, no
# quoting), MESHPORT_KUBECONFIG (a path or the file's contents; empty: the job's own), MESHPORT_JUNIT.
set -uo pipefail

bin=${MESHPORT_BIN:?MESHPORT_BIN must name the meshport executable}
work=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
summary=${GITHUB_STEP_SUMMARY:-/dev/null}
outputs=${GITHUB_OUTPUT:-/dev/null}
junit=${MESHPORT_JUNIT:-}

# A workflow command annotation; % and line breaks are escaped as the runner expects.
annotate() {
  local text=${2//'%'/'%25'}
  text=${text//$'\r'/'%0D'}
  printf '::error title=%s::%s\n' "$1" "${text//$'\n'/'%0A'}"
}

fail() {
  annotate meshport "$*"
  exit 2
}

# Words, not a shell line: nothing in the inputs is evaluated or globbed.
read -r -d '' -a words <<< "${MESHPORT_COMMAND:-check --proxy} ${MESHPORT_ARGS:-}" || true
[[ ${#words[@]} -gt 0 ]] || fail 'the command input is empty'

# A kubeconfig given as contents (a secret) lives in a private file for this step only.
if [[ -n ${MESHPORT_KUBECONFIG:-} ]]; then
  if [[ -f $MESHPORT_KUBECONFIG ]]; then
    export KUBECONFIG=$MESHPORT_KUBECONFIG
  elif [[ $MESHPORT_KUBECONFIG == *$'\n'* || $MESHPORT_KUBECONFIG == '{'* ]]; then
    KUBECONFIG=$(umask 077 && mktemp "$work/meshport-kubeconfig-XXXXXX") || fail "cannot create a file in $work"
    export KUBECONFIG
    trap 'rm -f "$KUBECONFIG"' EXIT
    printf '%s\n' "$MESHPORT_KUBECONFIG" > "$KUBECONFIG"
  else
    fail 'the kubeconfig input is neither an existing file nor kubeconfig contents'
  fi
fi

stderr_log=$(mktemp "$work/meshport-stderr-XXXXXX") || fail "cannot create a file in $work"

# The first line meshport printed as `Error: ...`, for the summary of a run that had no report.
first_error() {
  sed -n 's/^Error: //p' "$stderr_log" | head -n 1
}

if [[ ${words[0]} == check ]]; then
  for word in "${words[@]}"; do
    case $word in
      -o | --output | -o?* | --output=*) fail 'the Action chooses check'"'"'s output formats itself: drop -o/--output from args (the JSON report is the report output)' ;;
    esac
  done
  report="$work/meshport-check.json"
  "$bin" "${words[@]}" -o json > "$report" 2> "$stderr_log"
  code=$?
  cat "$stderr_log" >&2
  printf 'exit-code=%s\n' "$code" >> "$outputs"
  # A run that could not start (usage 2, no usable cluster 3) is a report too, with the failure
  # as a failed check; it is also an annotation, where people look first.
  [[ $code -ne 2 && $code -ne 3 ]] || annotate "meshport check (exit $code)" "$(first_error)"
  if [[ -s $report ]]; then
    # Each rendering exits as the run did; $code already says that.
    "$bin" check --from-json "$report"
    printf 'report=%s\n' "$report" >> "$outputs"
    "$bin" check --from-json "$report" -o markdown >> "$summary"
    if [[ -n $junit ]]; then
      mkdir -p "$(dirname "$junit")"
      "$bin" check --from-json "$report" -o junit > "$junit"
      printf 'junit-path=%s\n' "$junit" >> "$outputs"
    fi
  else
    # No report at all (meshport did not get as far as writing one): its error line.
    printf '### meshport %s: could not run (exit %s)\n\n~~~~~~~~\n%s\n~~~~~~~~\n' "${words[*]}" "$code" "$(first_error)" >> "$summary"
  fi
else
  stdout_log="$work/meshport-output.txt"
  "$bin" "${words[@]}" 2> "$stderr_log" | tee "$stdout_log"
  code=${PIPESTATUS[0]}
  cat "$stderr_log" >&2
  printf 'exit-code=%s\n' "$code" >> "$outputs"
  {
    printf '### meshport %s: exit %s\n' "${words[*]}" "$code"
    if [[ -s $stdout_log ]]; then
      # A fence no line of the output can close; long outputs are cut (summaries hold 1 MiB).
      printf '\n~~~~~~~~\n'
      # awk ends the last line, so the closing fence is a line of its own.
      head -c 65536 "$stdout_log" | awk '{ sub(/^~~~~~~~~/, " ~~~~~~~~"); print }'
      [[ $(wc -c < "$stdout_log") -le 65536 ]] || printf '\n[cut at 64 KiB: the step log has all of it]\n'
      printf '~~~~~~~~\n'
    fi
    [[ $code -eq 0 || -z $(first_error) ]] || printf '\n~~~~~~~~\n%s\n~~~~~~~~\n' "$(first_error)"
  } >> "$summary"
fi

rm -f "$stderr_log"
exit "$code"

// The scripts `meshport completion bash|zsh|fish` prints. All ask `<program> __complete -- WORDS...`
// for the candidates (cobra's protocol, the same kubectl uses for plugins), so what completes is
// decided once, in complete.ts, and stays in step with the installed version.

export const SHELLS = ['bash', 'zsh', 'fish'] as const
export type Shell = (typeof SHELLS)[number]

export function completionScript(shell: Shell, bins: readonly string[]): string {
  if (shell === 'fish') return fishScript(bins)
  return shell === 'bash' ? bashScript(bins) : zshScript(bins)
}

function bashScript(bins: readonly string[]): string {
  return `# meshport completion for bash. Load it in ~/.bashrc with:  source <(meshport completion bash)
_meshport_completion() {
  local cur=\${COMP_WORDS[COMP_CWORD]}
  # Words from the line itself: bash splits COMP_WORDS at = and :, meshport wants whole words.
  local line=\${COMP_LINE:0:COMP_POINT}
  local -a words
  read -r -a words <<< "$line"
  [[ $line =~ [[:space:]]$ ]] && words+=("")
  local out
  out=$("\${words[0]}" __complete -- "\${words[@]:1}" 2>/dev/null) || return 0
  local directive=\${out##*:}
  out=\${out%:*}
  # Candidates are whole words; bash replaces only its own last word, so cut what precedes it.
  local typed=\${words[\${#words[@]}-1]}
  local strip=$(( \${#typed} - \${#cur} ))
  (( strip < 0 )) && strip=0
  COMPREPLY=()
  local candidate
  while IFS= read -r candidate; do
    [[ -n $candidate ]] && COMPREPLY+=("\${candidate:strip}")
  done <<< "$out"
  (( directive & 2 )) && compopt -o nospace 2>/dev/null
  if (( \${#COMPREPLY[@]} == 0 )) && (( (directive & 4) == 0 )); then
    compopt -o default 2>/dev/null
  fi
  return 0
}
complete -F _meshport_completion ${bins.join(' ')}
`
}

function zshScript(bins: readonly string[]): string {
  return `#compdef ${bins.join(' ')}
# meshport completion for zsh. Load it in ~/.zshrc (after compinit) with:  source <(meshport completion zsh)
# or save it as _meshport in a directory of $fpath.
_meshport() {
  local out directive
  local -a lines candidates
  out=$(\${words[1]} __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("\${(@f)out}")
  directive=\${lines[-1]#:}
  candidates=("\${(@)lines[1,-2]}")
  candidates=(\${candidates:#})
  if (( \${#candidates} > 0 )); then
    if (( directive & 2 )); then compadd -Q -S '' -- "\${candidates[@]}"; else compadd -Q -- "\${candidates[@]}"; fi
    return 0
  fi
  (( directive & 4 )) || _files
}
if [[ \${zsh_eval_context[-1]} == loadautoload ]]; then
  _meshport "$@"
else
  compdef _meshport ${bins.join(' ')}
fi
`
}

function fishScript(bins: readonly string[]): string {
  return `# meshport completion for fish. Load it in ~/.config/fish/config.fish with:  meshport completion fish | source
# or save it as ~/.config/fish/completions/meshport.fish
function __meshport_complete
    set -l words (commandline -opc)
    set -l current (commandline -ct)
    set -l out (command $words[1] __complete -- $words[2..-1] $current 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -gt 0
        printf '%s\\n' $out
    else if test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path $current
    end
end
${bins.map((bin) => `complete -c ${bin} -f -a '(__meshport_complete)'`).join('\n')}
`
}

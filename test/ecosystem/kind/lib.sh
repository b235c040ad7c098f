# Shell helpers for the steps of .github/workflows/e2e-kind.yml (sourced, not run). The steps run
# under `bash -eo pipefail`; these helpers fail the same way.

# fetch URL FILE: an HTTPS download that fails on HTTP errors and retries transient ones.
fetch() {
  curl --proto '=https' --tlsv1.2 -fsSL --retry 3 --retry-connrefused -o "$2" "$1"
}

# sha256_of FILE: the hex SHA-256 of FILE (sha256sum on Linux, shasum on macOS).
sha256_of() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

# verify_sha256 FILE HEX: fails unless FILE has that SHA-256.
verify_sha256() {
  local actual
  actual=$(sha256_of "$1")
  if [ "$actual" != "$2" ]; then
    echo "$1: SHA-256 $actual, expected $2" >&2
    return 1
  fi
}

# compare ARGS...: one comparison of test/ecosystem/kind/compare.ts (exit 1 on a disagreement).
compare() {
  node --import tsx "${GITHUB_WORKSPACE:-.}/test/ecosystem/kind/compare.ts" "$@"
}

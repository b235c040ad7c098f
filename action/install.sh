#!/usr/bin/env bash
# Installs meshport for the GitHub Action (action.yml). MESHPORT_INSTALL says how:
#   auto    the release's single executable for this OS and CPU, else the npm package
#   binary  only the release's executable
#   npm     only the npm package (needs npm on PATH)
#   path    the meshport already on PATH (a build of this repository, say)
# Release archives are checked against the release's SHA256SUMS before anything is unpacked: a
# mismatch fails the step and is never papered over by the npm fallback.
# Writes the executable's path (`bin`) and the version (`version`) to $GITHUB_OUTPUT, and puts the
# executable's directory on $GITHUB_PATH so later steps of the job can run `meshport` too.
set -euo pipefail

mode=${MESHPORT_INSTALL:-auto}
action_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${RUNNER_TEMP:-${TMPDIR:-/tmp}}
releases=${MESHPORT_RELEASES:-${GITHUB_SERVER_URL:-https://github.com}/${MESHPORT_REPOSITORY:-meshport/meshport}/releases}

say() { printf 'meshport install: %s\n' "$*" >&2; }
fail() {
  printf '::error title=meshport install::%s\n' "$*"
  exit 1
}

# The version this action was released with, unless the workflow names one.
version=${MESHPORT_VERSION:-}
if [[ -z $version ]]; then
  version=$(sed -n 's/^  "version": "\([^"]*\)",\{0,1\}$/\1/p' "$action_dir/package.json" | head -n 1)
  [[ -n $version ]] || fail "no version input and no version in $action_dir/package.json"
fi
version=${version#v}
[[ $version =~ ^(latest|[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?)$ ]] || fail "version \"$version\" is neither latest nor a semantic version such as 0.2.0"

# Names as the release job writes them: meshport-<os>-<arch>.tar.gz, with Node's os and arch names.
platform() {
  local os arch
  case $(uname -s) in
    Linux) os=linux ;;
    Darwin) os=darwin ;;
    *) return 1 ;;
  esac
  case $(uname -m) in
    x86_64 | amd64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) return 1 ;;
  esac
  printf '%s-%s\n' "$os" "$arch"
}

sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d ' ' -f 1
  else
    shasum -a 256 "$1" | cut -d ' ' -f 1
  fi
}

download() {
  curl --fail --silent --show-error --location --retry 3 --connect-timeout 10 --max-time 300 --output "$2" "$1"
}

# 0: installed; 1: this release has no executable for us (try npm); exits on a checksum mismatch.
install_binary() {
  local target asset base dir expected actual
  target=$(platform) || {
    say "no release executable for $(uname -s) $(uname -m)"
    return 1
  }
  command -v curl > /dev/null || {
    say 'curl is not installed'
    return 1
  }
  asset="meshport-$target.tar.gz"
  if [[ $version == latest ]]; then base="$releases/latest/download"; else base="$releases/download/v$version"; fi
  dir=$(mktemp -d "$work/meshport-XXXXXX") || fail "cannot create a directory in $work"
  say "downloading $base/$asset"
  if ! download "$base/SHA256SUMS" "$dir/SHA256SUMS" || ! download "$base/$asset" "$dir/$asset"; then
    say "no $asset in release ${version/#latest/the latest release}"
    rm -rf "$dir"
    return 1
  fi
  expected=$(awk -v name="$asset" '$2 == name || $2 == "*" name { print $1 }' "$dir/SHA256SUMS")
  actual=$(sha256 "$dir/$asset")
  [[ -n $expected ]] || fail "SHA256SUMS of the release does not list $asset"
  [[ $expected == "$actual" ]] || fail "$asset has sha256 $actual, but the release's SHA256SUMS says $expected"
  tar -xzf "$dir/$asset" -C "$dir" || fail "cannot unpack $asset"
  [[ -x $dir/meshport ]] || fail "$asset holds no executable meshport"
  bin="$dir/meshport"
}

install_npm() {
  command -v npm > /dev/null || fail 'npm is not installed: install Node.js (actions/setup-node) or use a platform with a release executable'
  local prefix
  prefix=$(mktemp -d "$work/meshport-npm-XXXXXX") || fail "cannot create a directory in $work"
  say "installing the npm package meshport@$version"
  npm install --global --prefix "$prefix" --no-audit --no-fund --loglevel error "meshport@$version" >&2 || fail "npm could not install meshport@$version"
  bin="$prefix/bin/meshport"
  [[ -x $bin ]] || fail "npm installed meshport@$version without a meshport executable"
}

bin=
case $mode in
  auto) install_binary || install_npm ;;
  binary) install_binary || fail "no release executable for this runner (install: auto falls back to npm)" ;;
  npm) install_npm ;;
  path)
    bin=$(command -v meshport) || fail 'install: path, but meshport is not on PATH'
    ;;
  *) fail "install \"$mode\" is not one of auto, binary, npm, path" ;;
esac

installed=$("$bin" --version) || fail "$bin --version failed"
say "$installed ($bin)"
if [[ -n ${GITHUB_OUTPUT:-} ]]; then
  printf 'bin=%s\n' "$bin" >> "$GITHUB_OUTPUT"
  printf 'version=%s\n' "$(printf '%s' "$installed" | sed -n 's|^meshport/\([^ ]*\).*|\1|p')" >> "$GITHUB_OUTPUT"
fi
[[ -z ${GITHUB_PATH:-} ]] || dirname "$bin" >> "$GITHUB_PATH"

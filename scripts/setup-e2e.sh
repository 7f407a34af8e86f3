#!/usr/bin/env bash
# Installs what the end-to-end extension test (extension/test/e2e) needs, outside our lockfile:
#   - Debian packages: chromium (driven by playwright-core), ripgrep, and the headers code-server's
#     native modules build against (apt, only the missing ones; needs root when any is missing)
#   - code-server (a real VS Code that installs offline from npm) in a cache folder,
#     by default ~/.cache/wanco-e2e/code-server-4.100.3 (override: WANCO_E2E_CACHE)
# Idempotent: a second run only checks (well under a second). Prints the code-server path last.
# Exit status 3: this machine cannot install it (not root, apt or the npm registry unreachable);
# the message on stderr says why. Any other failure is a real error.
set -euo pipefail
cd "$(dirname "$0")/.."

CS_VERSION=4.100.3          # the newest code-server that runs on Node 20 (4.104 needs Node 22)
RG_PKG_VERSION=1.15.11      # @vscode/ripgrep version code-server 4.100.3 pins
RG_ASSET=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
CACHE=${WANCO_E2E_CACHE:-$HOME/.cache/wanco-e2e}
DEST=$CACHE/code-server-$CS_VERSION
BIN=$DEST/node_modules/.bin/code-server

cannot() { echo "setup-e2e: $*" >&2; exit 3; }

[ "$(uname -m)" = x86_64 ] || cannot "needs an x86_64 host (found $(uname -m))"

PKGS=(
  chromium                                   # the browser playwright-core drives
  ripgrep                                    # seeds @vscode/ripgrep (its postinstall downloads from GitHub)
  libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config   # code-server's native modules
  g++ make python3                           # node-gyp
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${db:Status-Status}\n' "$p" 2>/dev/null | grep -qx installed || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || cannot "no apt-get to install ${missing[*]}"
  [ "$(id -u)" -eq 0 ] || cannot "missing Debian packages ${missing[*]}; run as root or: sudo apt-get install -y --no-install-recommends ${missing[*]}"
  echo "setup-e2e: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  log=$(mktemp)
  apt-get update -qq >"$log" 2>&1 || { cat "$log" >&2; cannot "apt-get update failed (no network to the Debian mirror?)"; }
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >"$log" 2>&1 \
    || { tail -n 30 "$log" >&2; cannot "apt-get install ${missing[*]} failed (log above)"; }
  rm -f "$log"
fi

if [ ! -x "$BIN" ]; then
  npm ping --fetch-retries=0 --fetch-timeout=20000 >/dev/null 2>&1 || cannot "the npm registry is unreachable (needed once to install code-server $CS_VERSION)"
  echo "setup-e2e: installing code-server $CS_VERSION into $DEST (about a minute, once)" >&2
  mkdir -p "$CACHE"
  work=$(mktemp -d "$CACHE/install.XXXXXX")
  trap 'rm -rf "$work"' EXIT
  # @vscode/ripgrep's postinstall looks in $TMPDIR/vscode-ripgrep-cache-<version>/ before GitHub
  mkdir -p "$work/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION" "$work/rg"
  cp /usr/bin/rg "$work/rg/rg"
  tar czf "$work/tmp/vscode-ripgrep-cache-$RG_PKG_VERSION/$RG_ASSET" -C "$work/rg" rg
  mkdir "$work/cs"
  echo '{ "name": "wanco-e2e-code-server", "private": true }' > "$work/cs/package.json"
  # unsafe_perm: its postinstall refuses root otherwise; yes: node-pty runs `npx node-gyp`;
  # nodedir: build against the installed Node headers instead of downloading them
  nodedir=()
  [ -f /usr/include/node/node.h ] && nodedir=(--nodedir=/usr)
  if ! (cd "$work/cs" && TMPDIR="$work/tmp" npm_config_yes=true npm_config_unsafe_perm=true \
        npm install --no-audit --no-fund --no-save --loglevel=error "${nodedir[@]}" "code-server@$CS_VERSION" >"$work/npm.log" 2>&1); then
    tail -n 30 "$work/npm.log" >&2
    echo "setup-e2e: npm install code-server@$CS_VERSION failed (log above)" >&2
    exit 1
  fi
  rm -rf "$DEST"
  mv "$work/cs" "$DEST"
  # npm's .bin links are relative: they survive the move
fi
# (code-server writes a config and logs under the XDG directories: keep them in the cache)
XDG_CONFIG_HOME="$CACHE/xdg-config" XDG_DATA_HOME="$CACHE/xdg-data" "$BIN" --config /dev/null --version >/dev/null 2>&1 \
  || { echo "setup-e2e: $BIN does not run" >&2; exit 1; }
echo "$BIN"

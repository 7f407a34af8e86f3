#!/usr/bin/env bash
# Installs what wanco needs on Debian 12 + Node 20 and builds it. Idempotent:
# every step checks first, so a second run takes a few seconds.
#   - Debian packages (apt, only the missing ones; needs root when any is missing)
#   - npm ci (when node_modules is missing or package-lock.json changed)
#   - runtime archives and TypeScript build (scripts/build.sh)
#   - the bundled toolchain, toolchain/ (scripts/build-toolchain.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
  llvm-14 llvm-14-tools clang-14 lld-14               # opt/llc/llvm-extract, clang, ld.lld (the system toolchain)
  llvm-14-dev liblld-14-dev libncurses-dev            # the bundled toolchain: LLVM's and lld's static libraries (scripts/build-toolchain.sh)
  patch xz-utils                                      # the bundled toolchain: CodeGenPrepare from LLVM's source package, patched
  qemu-user-static                                    # runs the aarch64 ELFs here
  libc6-dev-arm64-cross libgcc-12-dev-arm64-cross     # aarch64 static libc + libgcc for linking
  wasi-libc libclang-rt-14-dev-wasm32                 # C test fixtures: clang-14 --target=wasm32-wasi
  libc++-14-dev-wasm32 libc++abi-14-dev-wasm32        # C++ source fixtures: clang++-14 --target=wasm32-wasi
  rustc libstd-rust-dev-wasm32                        # Rust source fixtures: /usr/bin/rustc (1.63) --target wasm32-wasi
  libclang-rt-14-dev                                  # libFuzzer + sanitizer runtimes (runtime/fuzz, make -C runtime fuzz-snapshot)
  wabt                                                # wat2wasm (test oracle), wasm2c/wast2json
  openssh-server                                      # extension tests: remote restore against a local sshd
  make g++ zlib1g-dev libzstd-dev                     # runtime build and link
  zlib1g-dev:arm64 libzstd-dev:arm64                  # -lz -lzstd for aarch64 programs (snapshots); needs arch arm64
  dpkg-dev gcc tcl                                    # test corpus: apt-get source unpacking, sqlite's configure and amalgamation
)

# The test corpus (test/corpus/) builds Debian source packages: it needs deb-src entries, the same
# archives as the binary ones. Added as a file of its own, once; apt-get update runs only then.
SRC_LIST=/etc/apt/sources.list.d/wanco-deb-src.sources
BIN_LIST=/etc/apt/sources.list.d/debian.sources
need_update=
if [ -f "$BIN_LIST" ] && ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ \
   && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: the test corpus needs deb-src entries: run as root to add $SRC_LIST" >&2
    exit 1
  fi
  echo "setup: adding deb-src entries ($SRC_LIST)"
  sed 's/^Types:.*/Types: deb-src/' "$BIN_LIST" > "$SRC_LIST.tmp"
  mv "$SRC_LIST.tmp" "$SRC_LIST"
  need_update=1
fi

missing=()
for p in "${PKGS[@]}"; do
  case "$p" in \#*) continue ;; esac
  # With arm64 added as a foreign architecture an unqualified name can list both
  # architectures: an unqualified package counts when its native (non-:arm64) entry is installed.
  case "$p" in
    *:*) filter=cat ;;
    *) filter='grep -v :arm64' ;;
  esac
  if ! dpkg-query -W -f='${binary:Package} ${db:Status-Status}\n' "$p" 2>/dev/null | $filter | grep -q ' installed$'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing Debian packages: ${missing[*]}" >&2
    echo "setup: run as root, or: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
  apt-get update -qq
  need_update=
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [ -n "$need_update" ]; then apt-get update -qq; fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "setup: Node >= 20 needed, found $(node --version)" >&2
  exit 1
fi

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
   || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # Only esbuild's and vsce-sign's install scripts run (package.json allowScripts says the same
  # to npm 11): keytar, an optional native addon of vsce that only `vsce publish` uses, is not built.
  echo "setup: npm ci"
  npm ci --ignore-scripts --no-audit --no-fund
  npm rebuild esbuild @vscode/vsce-sign
  touch node_modules/.package-lock.json
fi

bash scripts/build.sh
bash scripts/build-toolchain.sh

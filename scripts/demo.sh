#!/usr/bin/env bash
# The demo: a C program -> wasm32-wasi -> wanco -> static ELFs for x86_64 and
# aarch64; both run (aarch64 under qemu-aarch64-static here) and must print
# the same thing. Run through `npm run demo` (which runs scripts/setup.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."

FIXTURE=${1:-test-fixtures/c/compute.c}
name=$(basename "$FIXTURE" .c)
work=out/demo
mkdir -p "$work"
host=$(uname -m); [ "$host" = arm64 ] && host=aarch64

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
elfinfo() { node -e 'const b=require("fs").readFileSync(process.argv[1]); const m={62:"x86-64",183:"AArch64"}[b.readUInt16LE(18)]||"?"; console.log(`ELF ${m}, ${b.length} bytes`)' "$1"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
runner() { # target exe args...
  local t=$1; shift
  if [ "$t" = "$host" ]; then "$@"; else "qemu-$t-static" "$@"; fi
}

step "1. $FIXTURE -> $work/$name.wasm (clang-14 --target=wasm32-wasi -O2)"
clang-14 --target=wasm32-wasi -O2 "$FIXTURE" -lm -o "$work/$name.wasm"
ls -l "$work/$name.wasm"

for t in x86_64 aarch64; do
  step "2. wanco compile --target $t"
  start=$(now)
  bin/wanco compile "$work/$name.wasm" --target "$t" -o "$work/$name.$t"
  echo "compiled in $(since "$start") s: $work/$name.$t: $(elfinfo "$work/$name.$t")"
done

for t in x86_64 aarch64; do
  step "3. run the $t ELF$([ "$t" = "$host" ] || echo " (under qemu-$t-static)")"
  start=$(now)
  runner "$t" "$work/$name.$t" | tee "$work/$name.$t.out"
  echo "($(since "$start") s)"
done

step "4. compare"
if cmp -s "$work/$name.x86_64.out" "$work/$name.aarch64.out"; then
  echo "x86_64 and aarch64 outputs agree ($(wc -l < "$work/$name.x86_64.out") lines)"
else
  echo "x86_64 and aarch64 outputs DIFFER:"
  diff "$work/$name.x86_64.out" "$work/$name.aarch64.out" || true
  exit 1
fi

# ---------------------------------------------------------------------------
# CHECKPOINT / RESTORE — to be added here: start the x86_64 ELF, checkpoint it
# mid-run (SIGUSR1 or the control socket), restore the snapshot with the
# aarch64 ELF under qemu, and show the restored run finishes with the same
# output as the uninterrupted one.
# ---------------------------------------------------------------------------

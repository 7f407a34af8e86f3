#!/usr/bin/env bash
# The demo: a C program -> wasm32-wasi -> wanco -> static ELFs for x86_64 and
# aarch64; both run (aarch64 under qemu-aarch64-static here) and must print
# the same thing; then a run is checkpointed mid-way and restored on the other
# architecture, and the two halves must print what the uninterrupted run prints. Run through `npm run demo` (which runs scripts/setup.sh first).
set -euo pipefail
cd "$(dirname "$0")/.."

FIXTURE=${1:-test-fixtures/cr/recursion.c}
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

step "5. checkpoint on $host mid-run (SIGUSR1), restore on the other architecture"
other=aarch64; [ "$host" = aarch64 ] && other=x86_64
snap="$work/$name.wsnap"
rm -f "$snap"
full_ms=$(start=$(date +%s%N); runner "$host" "$work/$name.$host" > /dev/null; echo $(( ($(date +%s%N) - start) / 1000000 )))
delay_ms=$(( full_ms / 2 > 20 ? full_ms / 2 : 20 ))
echo "uninterrupted run: ${full_ms} ms; sending SIGUSR1 after ${delay_ms} ms"
"$work/$name.$host" --snapshot "$snap" > "$work/$name.part1.out" &  # native: $! is the program itself
pid=$!
sleep "$(awk -v d="$delay_ms" 'BEGIN { printf "%.3f", d / 1000 }')"
kill -USR1 "$pid" 2>/dev/null || true
wait "$pid"
if [ ! -f "$snap" ]; then echo "the program finished before the checkpoint; rerun the demo"; exit 1; fi
bin/wanco snapshot inspect "$snap" --module "$work/$name.wasm" | head -20
step "6. restore on $other$([ "$other" = "$host" ] || echo " (under qemu-$other-static)")"
start=$(now)
runner "$other" "$work/$name.$other" --restore "$snap" > "$work/$name.part2.out"
echo "restored run finished in $(since "$start") s"
step "7. compare: output before the checkpoint + output after the restore = uninterrupted output"
if cat "$work/$name.part1.out" "$work/$name.part2.out" | cmp -s - "$work/$name.x86_64.out"; then
  echo "identical ($(cat "$work/$name.part1.out" | wc -l) lines before the checkpoint on $host, $(cat "$work/$name.part2.out" | wc -l) after the restore on $other)"
else
  echo "DIFFERENT:"; cat "$work/$name.part1.out" "$work/$name.part2.out" | diff - "$work/$name.x86_64.out" || true
  exit 1
fi

#!/usr/bin/env bash
# Builds the runtime archives (runtime/build/{x86_64,aarch64}/libwrt.a) and the
# TypeScript sources (out/). Quiet and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

make -s -C runtime

# tsc runs when a .ts is newer than the last build, or one has no .js yet.
dirs=(); for d in compiler-core debug-adapter cli extension bench test; do [ -d "$d" ] && dirs+=("$d"); done
stamp=out/.tsc-stamp
need=
if [ ! -f "$stamp" ] || [ tsconfig.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  need=1
elif [ -n "$(find "${dirs[@]}" -name '*.ts' ! -name '*.d.ts' -newer "$stamp" -print -quit)" ]; then
  need=1
else
  while read -r f; do
    [ -f "out/${f%.ts}.js" ] || { need=1; break; }
  done < <(find "${dirs[@]}" -name '*.ts' ! -name '*.d.ts')
fi
if [ -n "$need" ]; then
  echo "build: tsc"
  mkdir -p out
  touch "$stamp.new"          # taken before tsc reads the sources
  npx tsc -p .
  mv "$stamp.new" "$stamp"
fi

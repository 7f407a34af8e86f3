#!/bin/bash
# Runtime tests: builds test/fake_module.c against build/<arch>/libwrt.a for
# x86_64 and aarch64 (the latter run under qemu-aarch64-static) and checks
# outputs, exit codes and stderr. One line per check; exits 1 on any failure.
#
# SANITIZE=1 (make test-sanitize): x86_64 only, against build/x86_64-asan/libwrt.a,
# with the test programs and cr_unit built with AddressSanitizer and
# UndefinedBehaviorSanitizer (every error fatal) and linked dynamically. The
# sanitizers write their reports to files (log_path), so that a report does not
# disturb the stderr a check compares; any report is printed at the end and fails.
set -u
cd "$(dirname "$0")/.."
RT=$PWD
make -s >/dev/null || { echo "FAIL build runtime"; exit 1; }
SANITIZE=${SANITIZE:-}
if [ -n "$SANITIZE" ]; then
  make -s build/x86_64-asan/libwrt.a >/dev/null || { echo "FAIL build sanitized runtime"; exit 1; }
  OUT=$RT/build/test-asan
  LIBDIR=build/x86_64-asan
  SAN=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g)
  STATIC=()
  ARCHS=x86_64
  rm -rf "$OUT/san"
  mkdir -p "$OUT/san"
  export ASAN_OPTIONS="log_path=$OUT/san/asan:detect_leaks=1:allow_user_segv_handler=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:detect_stack_use_after_return=0"
  export UBSAN_OPTIONS="log_path=$OUT/san/ubsan:print_stacktrace=1:halt_on_error=1"
else
  OUT=$RT/build/test
  LIBDIR=
  SAN=()
  STATIC=(-static)
fi
mkdir -p "$OUT"
fails=0
pass=0
ARCHS=${ARCHS:-"x86_64 aarch64"}
lib() { echo "${LIBDIR:-build/$1}/libwrt.a"; }

ok()   { pass=$((pass + 1)); echo "ok   $*"; }
fail() { fails=$((fails + 1)); echo "FAIL $*"; }

build() { # arch variant cflags...
  local arch=$1 var=$2; shift 2
  clang-14 --target=$arch-linux-gnu -O2 -std=c11 -D_GNU_SOURCE -Wall -Werror "${SAN[@]}" "$@" \
    -I"$RT/include" -I"$RT/src" -c test/fake_module.c -o "$OUT/$var-$arch.o" &&
  clang-14 "${STATIC[@]}" "${SAN[@]}" -fuse-ld=lld --target=$arch-linux-gnu "$OUT/$var-$arch.o" \
    "$(lib "$arch")" -lzstd -lz -lm -lpthread -o "$OUT/$var-$arch"
}

# run ARCH VARIANT ARGS... -> sets rc, out, err
run() {
  local arch=$1 var=$2; shift 2
  local bin=$OUT/$var-$arch
  if [ "$arch" = aarch64 ]; then
    qemu-aarch64-static "$bin" "$@" >"$OUT/stdout" 2>"$OUT/stderr"
  else
    "$bin" "$@" >"$OUT/stdout" 2>"$OUT/stderr"
  fi
  rc=$?
  out=$(cat "$OUT/stdout")
  err=$(cat "$OUT/stderr")
}

# expect NAME RC STDOUT STDERR -- ARGS...   (for current $arch/$var)
expect() {
  local name=$1 erc=$2 eout=$3 eerr=$4; shift 5
  run "$arch" "$var" "$@"
  if [ "$rc" = "$erc" ] && [ "$out" = "$eout" ] && [ "$err" = "$eerr" ]; then
    ok "$arch $var $name"
  else
    fail "$arch $var $name: rc=$rc (want $erc)"
    [ "$out" = "$eout" ] || printf '     stdout: %q\n     wanted: %q\n' "$out" "$eout"
    [ "$err" = "$eerr" ] || printf '     stderr: %q\n     wanted: %q\n' "$err" "$eerr"
  fi
}

# expect_lines NAME -- ARGS... <<< "line per check"  (each line must appear in stdout)
expect_lines() {
  local name=$1; shift 2
  local want
  want=$(cat)
  run "$arch" "$var" "$@"
  [ "$rc" = 0 ] || fail "$arch $var $name: exit $rc: $err"
  while IFS= read -r line; do
    if grep -qxF -- "$line" "$OUT/stdout"; then ok "$arch $var $name: $line"
    else
      local key=${line%%=*}
      fail "$arch $var $name: want '$line', got '$(grep -m1 "^$key=" "$OUT/stdout")'"
    fi
  done <<<"$want"
}

T='wasm trap: '
OOBM="${T}out of bounds memory access"
OOBT="${T}out of bounds table access"

for arch in $ARCHS; do
  var=guard
  if build "$arch" guard && build "$arch" checked -DBOUNDS_CHECKED; then ok "$arch build"
  else fail "$arch build"; continue; fi

  expect hello 0 "hello" "" -- hello
  expect args 0 "guard-$arch args a b --dir x" "" -- args a b --dir x
  expect args-dashdash 0 "guard-$arch args --env" "" -- -- args --env
  expect exit 7 "bye" "" -- exit
  run "$arch" "$var" --bogus; [ "$rc" = 2 ] && [ "$err" = "guard-$arch: error: unknown option '--bogus' (see --help)" ] \
    && ok "$arch bad option" || fail "$arch bad option: rc=$rc err=$err"
  run "$arch" "$var" --dir; [ "$rc" = 2 ] && [[ "$err" == "guard-$arch: error: option --dir needs a value"* ]] \
    && ok "$arch missing value" || fail "$arch missing value: rc=$rc err=$err"
  run "$arch" "$var" --dir /nonexistent/dir hello; [ "$rc" = 2 ] && [[ "$err" == "guard-$arch: error: cannot open directory '/nonexistent/dir'"* ]] \
    && ok "$arch bad --dir" || fail "$arch bad --dir: rc=$rc err=$err"
  run "$arch" "$var" --help; [ "$rc" = 0 ] && [[ "$out" == usage:* ]] && ok "$arch --help" || fail "$arch --help: rc=$rc"
  expect "--snapshot accepted" 0 "hello" "" -- --snapshot "$OUT/x.wsnap" hello
  expect "restore missing file" 2 "" "guard-$arch: error: $OUT/none.wsnap: cannot open: No such file or directory" -- --restore "$OUT/none.wsnap"
  printf 'WANCOSNPxxxx' >"$OUT/short.wsnap"
  expect "restore short file" 2 "" "guard-$arch: error: $OUT/short.wsnap: file too short for a snapshot header (12 of 64 bytes)" -- --restore "$OUT/short.wsnap"
  expect "restore with args" 2 "" "guard-$arch: error: program arguments cannot be given with --restore (the program keeps its original ones)" -- --restore "$OUT/short.wsnap" hello
  # C/R unit tests: stackmap parser, snapshot writer/reader (round trip, truncation, bit flips)
  if clang-14 --target=$arch-linux-gnu "${STATIC[@]}" "${SAN[@]}" -fuse-ld=lld -O1 -std=c11 -D_GNU_SOURCE -Wall -Werror -Iinclude -Isrc \
      test/cr_unit.c src/stackmap.c src/snapshot_read.c src/snapshot_write.c src/parallel.c -lzstd -lz -lpthread -o "$OUT/cr_unit-$arch"; then
    if [ "$arch" = aarch64 ]; then u=$(qemu-aarch64-static "$OUT/cr_unit-$arch"); else u=$("$OUT/cr_unit-$arch"); fi
    urc=$?
    [ $urc = 0 ] && ok "$arch cr_unit: ${u##*$'\n'}" || { fail "$arch cr_unit"; echo "$u" | grep FAIL; }
  else fail "$arch cr_unit build"; fi
  # the control channel's command table (with stand-in handlers)
  if clang-14 --target=$arch-linux-gnu "${STATIC[@]}" "${SAN[@]}" -fuse-ld=lld -O1 -std=c11 -D_GNU_SOURCE -Wall -Werror -Iinclude -Isrc \
      test/ctl_unit.c src/ctl_commands.c -o "$OUT/ctl_unit-$arch"; then
    if [ "$arch" = aarch64 ]; then u=$(qemu-aarch64-static "$OUT/ctl_unit-$arch"); else u=$("$OUT/ctl_unit-$arch"); fi
    urc=$?
    [ $urc = 0 ] && ok "$arch ctl_unit: ${u##*$'\n'}" || { fail "$arch ctl_unit"; echo "$u" | grep FAIL; }
  else fail "$arch ctl_unit build"; fi

  for var in guard checked; do
    expect_lines mem -- mem <<'L'
init=1 data=HELLO
size=65536
grow1=1
grow2=-1
grow1b=2
grow0=3
size=196608
minit=HELLO
copy_fwd=ababcd
copy_back=cdefef
fill=xxxx
dropped_init0=ok
tgrow0=2
tgrow1=2
tgrow2=-1
tgrow1b=3
tsize=4
tget2=1
tinit=111
tcopy=111
tfill=1 tset=1
tdropped_init0=ok
L
  done
  var=guard

  for t in init_src init_dst init_end init_dropped copy copy_wrap fill fill_end; do
    expect "trap $t" 134 "before" "$OOBM
    in function 6 (mem)" -- trap $t
  done
  for t in tget tset tfill tcopy tinit tinit_dropped; do
    expect "trap $t" 134 "before" "$OOBT
    in function 6 (mem)" -- trap $t
  done
  expect "trap unreachable (unnamed)" 134 "before" "${T}unreachable
    in function 5" -- trap unreachable
  expect "trap divzero" 134 "before" "${T}integer divide by zero
    in function 1 (_start)" -- trap divzero
  expect "trap without function" 134 "before" "${T}integer overflow" -- trap nofunc
  expect "trap unnamed func" 134 "" "${T}unreachable
    in function 5" -- unnamed
  expect "SIGFPE (sent, no pc)" 134 "before" "${T}integer divide by zero" -- trap sigfpe
  run "$arch" "$var" trap segv_other
  [ "$rc" = 134 ] && [ "$err" = "wanco runtime: fatal signal 11 at 0x10" ] && ok "$arch other SIGSEGV" \
    || fail "$arch other SIGSEGV: rc=$rc err=$err"

  for off in 10000 1ffff 100000000 1fffffff0; do
    expect "guard page +0x$off" 134 "" "$OOBM
    in function 2 (guard_load)" -- guard $off
  done
  expect "in-bounds load" 0 "loaded 0" "" -- guard ffff
  expect "stack exhausted (prologue check)" 134 "" "${T}call stack exhausted
    in function 3 (recurse_checked)" -- stack
  expect "stack exhausted (native overflow)" 134 "" "${T}call stack exhausted
    in function 4 (recurse_native)" -- stack_native

  # stdout buffering must not reorder stdout against stderr
  if [ "$arch" = aarch64 ]; then o=$(qemu-aarch64-static "$OUT/guard-$arch" order 2>&1 | cat)
  else o=$("$OUT/guard-$arch" order 2>&1 | cat); fi
  [ "$o" = "$(printf 'out0\nerr\nout1\nerr\nout2\nerr')" ] && ok "$arch stdout/stderr order (pipe)" \
    || fail "$arch stdout/stderr order: $o"
  expect "--unbuffered" 0 "hello" "" -- --unbuffered hello

  expect_lines misc -- --env A=1 --env B=two=2 misc <<'L'
clock=0
clock_bad=28
res=0
poll=0 n=1 ud=1234 slept=1
poll_fd=0 n=1 type=2 err=0
random=0 nonzero=1
yield=0
envc=2 A=1 B=two=2
L

  # sandbox tree
  S=$OUT/sandbox-$arch
  rm -rf "$S" "$OUT/outside.txt"
  mkdir -p "$S/root/sub"
  echo outside >"$OUT/outside.txt"
  echo inner >"$S/root/sub/inner.txt"
  ln -s /etc/passwd "$S/root/abs_link"
  ln -s /etc "$S/root/abs_dir_link"
  ln -s .. "$S/root/up_link"
  ln -s ../../outside.txt "$S/root/sub/up_file"
  ln -s sub/inner.txt "$S/root/in_link"
  ln -s sub "$S/root/dir_link"
  ln -s loop_b "$S/root/loop_a"
  ln -s loop_a "$S/root/loop_b"
  cp "$OUT/outside.txt" "$S/outside.txt"
  expect_lines fs -- --dir "$S/root::sandbox" fs <<'L'
prestat3=0
prestat_name=sandbox
prestat4=8
prestat1=8
create=0 fd=4
write=0
seek=0 pos=0
read=0 n=10 data=file data
filestat=0 type=4 size=10
fdstat=0 type=4
pwrite=0 n=2
pread=0 n=4 data= XYt
tell=0 pos=10
set_size=0
set_times=0
stat2 size=20 mtim=2000000000
set_times_bad=28
advise=0 allocate=0
set_flags=0
fdflags=1
set_rights_up=76
set_rights_down=0
renumber=0
renumbered_read=0 data=inner old=8
close=0 close_again=8
open_dotdot_inside=0
trailing_slash_file=54
escape_dotdot=76
escape_deep=76
escape_abs=76
escape_symlink_abs=76
escape_symlink_abs_dir=76
escape_symlink_rel=76
escape_symlink_final=76
escape_create=76
escape_mkdir=76
escape_stat=76
symlink_follow=0
symlink_nofollow=32
symlink_dir_intermediate=0
symlink_loop=32
noent=44
notdir=54
excl=20
readlink=0 sub/inner.txt
symlink_abs_target=76
symlink_create=0
mkdir=0
mkdir_exists=20
link=0
rename=0
rmdir_notempty=55
unlink=0
unlink_dir=31
rmdir=0
unlink_link=0
path_filestat=0 type=3
opendir=0
readdir=.,..,inner.txt,up_file,
efault_iov=21
efault_path=21
ebadf=8
sock=58
raise=52
L
  [ -e "$OUT/created.txt" ] && fail "$arch file created outside the sandbox" || ok "$arch nothing created outside"
  [ "$(head -c 10 "$S/root/new.txt")" = "file XYta" ] && ok "$arch file written in sandbox" || fail "$arch file written in sandbox"
done

if [ -n "$SANITIZE" ]; then
  reports=$(find "$OUT/san" -type f | sort)
  if [ -n "$reports" ]; then
    for f in $reports; do fail "sanitizer report $(basename "$f")"; cat "$f"; done
  else ok "no sanitizer reports"; fi
fi

echo "runtime tests${SANITIZE:+ (ASan+UBSan)}: $pass ok, $fails failed"
[ "$fails" = 0 ]

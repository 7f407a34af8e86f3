/**
 * The end-to-end cases: which fixture, with what arguments/environment/files,
 * and what it is known to do (checked against Node's run first, then wanco's
 * output is compared with Node's byte for byte).
 */
import type { Case } from './oracle';

const POEM = 'The quick brown fox\njumps over\n\nthe lazy dog.\nno newline at the end';

export const CASES: Case[] = [
  // ---- WAT: instructions, each printing its results
  { name: 'hello', source: 'wat/hello.wat', stdoutIncludes: ['hello, world\n'] },
  { name: 'call_indirect', source: 'wat/call_indirect.wat', stdoutIncludes: ['13: 6765\n', '18: -1\n19: 5\n'] },
  { name: 'multi_value', source: 'wat/multi_value.wat', stdoutIncludes: ['8: 12586269025\n'] },
  { name: 'bulk_memory', source: 'wat/bulk_memory.wat', stdoutIncludes: ['3: BCDEFIEFIJ..\n', '17: 111232203011\n'] },
  { name: 'br_table', source: 'wat/br_table.wat', stdoutIncludes: ['35: 12\n'] },
  { name: 'globals', source: 'wat/globals.wat', stdoutIncludes: ['6: 689956897\n'] },
  { name: 'memory_grow', source: 'wat/memory_grow.wat', stdoutIncludes: ['12: 40\n', '13: -2\n'] },
  { name: 'ref_types', source: 'wat/ref_types.wat', stdoutIncludes: ['14: 1\n'] },
  { name: 'int_ops', source: 'wat/int_ops.wat', stdoutIncludes: ['1: 32\n', '36: 0\n'] },
  { name: 'float_ops', source: 'wat/float_ops.wat', stdoutIncludes: ['3: 0x80000000\n', '61: 0x3fd3333333333334\n'] },
  { name: 'exit_code_wat', source: 'wat/exit_code.wat', exit: 7, stdoutIncludes: ['1: 42\n'] },

  // ---- WAT: one fixture per trap kind; each prints before trapping
  { name: 'trap_unreachable', source: 'wat/trap_unreachable.wat', trap: 'unreachable', stdoutIncludes: ['about to trap\n1: 8\n'] },
  { name: 'trap_div_by_zero', source: 'wat/trap_div_by_zero.wat', trap: 'integer divide by zero', stdoutIncludes: ['2: -4\n'] },
  { name: 'trap_int_overflow', source: 'wat/trap_int_overflow.wat', trap: 'integer overflow', stdoutIncludes: ['1: 0\n'] },
  { name: 'trap_invalid_conversion', source: 'wat/trap_invalid_conversion.wat', trap: 'invalid conversion to integer', stdoutIncludes: ['2: -2147483648\n'] },
  { name: 'trap_oob_load', source: 'wat/trap_oob_load.wat', trap: 'out of bounds memory access', stdoutIncludes: ['1: 1234\n'] },
  { name: 'trap_oob_load_offset', source: 'wat/trap_oob_load_offset.wat', trap: 'out of bounds memory access', stdoutIncludes: ['1: 0\n'] },
  { name: 'trap_table_get_oob', source: 'wat/trap_table_get_oob.wat', trap: 'out of bounds table access', stdoutIncludes: ['1: 1\n'] },
  { name: 'trap_undefined_element', source: 'wat/trap_undefined_element.wat', trap: 'undefined element', stdoutIncludes: ['1: 11\n'] },
  { name: 'trap_null_call', source: 'wat/trap_null_call.wat', trap: 'uninitialized element', stdoutIncludes: ['1: 11\n'] },
  { name: 'trap_signature_mismatch', source: 'wat/trap_signature_mismatch.wat', trap: 'indirect call type mismatch', stdoutIncludes: ['2: 5\n'] },
  { name: 'trap_stack_exhaustion', source: 'wat/trap_stack_exhaustion.wat', trap: 'call stack exhausted', stdoutIncludes: ['1: 2432902008176640000\n'] },

  // ---- C through wasi-libc
  { name: 'printf_numbers', source: 'c/printf_numbers.c', stdoutIncludes: ['int: 0 -2147483648 2147483647 -42\n', 'special: inf -inf INF nan -nan\n'] },
  { name: 'malloc_qsort', source: 'c/malloc_qsort.c', stdoutIncludes: ['qsort: sorted=1', 'calloc 48 MiB: ok\n'] },
  {
    name: 'file_io', source: 'c/file_io.c',
    dir: { files: { 'input.txt': 'line one\nline two\nline three\n' } },
    stdoutIncludes: ['lines: 3\n', 'mkdir again: File exists\n', 'stat old name: No such file or directory\n'],
  },
  { name: 'clock', source: 'c/clock.c', stdoutIncludes: ['monotonic increases: yes\n', 'nanosleep rc=0 slept >= 15ms: yes\n'] },
  {
    name: 'args_env', source: 'c/args_env.c',
    args: ['one', 'two words', '', '--dir', '-x', 'ünïcødé', '=', 'last'],
    env: { GREETING: 'hello there', EMPTY: '', 'WITH_EQUALS': 'a=b=c', PATHLIKE: '/usr/bin:/bin' },
    stdoutIncludes: ['argc=9\n', 'argv[0]=[args_env]\n', 'argv[4]=[--dir]\n', 'env[2]=[WITH_EQUALS=a=b=c]\n', 'getenv(GREETING)=hello there\n'],
  },
  { name: 'args_env_empty', source: 'c/args_env.c', stdoutIncludes: ['argc=1\n', 'getenv(MISSING)=(unset)\n'] },
  { name: 'exit_code_c', source: 'c/exit_code.c', exit: 3, stdoutIncludes: ['about to exit with 3\natexit handler ran\n'], stderrIncludes: ['warning: exiting with status 3\n'] },
  {
    name: 'cat_file', source: 'c/cat_file.c', args: ['/sandbox/poem.txt'],
    dir: { files: { 'poem.txt': POEM } }, stdoutIncludes: ['   3  \n', '-- 5 lines, 67 bytes\n'],
  },
  {
    name: 'cat_file_missing', source: 'c/cat_file.c', args: ['/sandbox/absent.txt'],
    dir: { files: {} }, exit: 2, stderrIncludes: ['/sandbox/absent.txt: No such file or directory\n'],
  },
  {
    // Node is not a sandbox here: uvwasi follows the symlink `up -> ..` out of
    // the preopen (reads ../x, creates ../escaped.txt), as Node's docs warn
    // ("does not provide a secure sandbox"). So wanco is held to the expected
    // text below, not to Node's output; the reference test records Node's
    // escape so a change in Node is noticed.
    name: 'sandbox_escape', source: 'c/sandbox_escape.c',
    dir: {
      files: { 'inside.txt': 'inside\n' },
      dirs: ['sub'],
      symlinks: { to_passwd: '/etc/passwd', up: '..', link_ok: 'inside.txt' },
    },
    outside: { x: 'outside the sandbox\n' },
    stdoutIncludes: ['open /sandbox/inside.txt              ALLOWED\n', 'open /sandbox/link_ok                 ALLOWED\n'],
    nodeQuirk: {
      note: 'uvwasi follows a symlink to .. out of the preopen',
      stdoutIncludes: ['open /sandbox/up/x                    ALLOWED\n', 'open /sandbox/up/escaped.txt          ALLOWED\n'],
    },
    expected: {
      files: 'unchanged',
      stdout: [
        'open /sandbox/inside.txt              ALLOWED',
        'open /sandbox/link_ok                 ALLOWED',
        'open /sandbox/../x                    refused',
        'open ../x                             refused',
        'open /etc/passwd                      refused',
        'open /sandbox/../../../../etc/passwd  refused',
        'open /sandbox/to_passwd               refused',
        'open /sandbox/up/x                    refused',
        'open /sandbox/up/escaped.txt          refused',
        'open /sandbox/sub/../../x             refused',
        'mkdir /sandbox/../made refused',
        'stat /sandbox/to_passwd refused',
        'lstat /sandbox/to_passwd allowed (the link itself)',
        'open /sandbox/sub/evil/x              refused',
        '',
      ].join('\n'),
    },
  },
  // the oracle's standard streams are child_process pipes, which are socketpairs (test/e2e/stdio.test.ts: every other kind)
  { name: 'stdio_kinds', source: 'c/stdio_kinds.c', stdoutIncludes: ['fd1: isatty=0 fdstat=socket_stream filestat=socket_stream read=1 write=1 seek=0 tell=0 fcntl=rdwr\n'] },
  { name: 'compute', source: 'c/compute.c', stdoutIncludes: ['primes below 3000000: 216816\n'] },

  // ---- the same C programs after binaryen's optimiser (other control-flow shapes)
  { name: 'compute_wasm_opt', source: 'c/compute.c', wasmOpt: ['-O3'], stdoutIncludes: ['primes below 3000000: 216816\n'] },
  { name: 'printf_numbers_wasm_opt', source: 'c/printf_numbers.c', wasmOpt: ['-O3'], stdoutIncludes: ['int: 0 -2147483648 2147483647 -42\n'] },
  { name: 'malloc_qsort_wasm_opt', source: 'c/malloc_qsort.c', wasmOpt: ['-Os'], stdoutIncludes: ['qsort: sorted=1'] },
];

/**
 * Every fixture, run three ways: Node's WebAssembly + node:wasi (the
 * reference), and wanco's ELF for x86_64 and for aarch64 (under
 * qemu-aarch64-static). What a user sees must agree: stdout byte for byte, the
 * exit status, stderr (byte for byte; for a trap it must begin with
 * `wasm trap: <reason>` and the status must be 134), and the files in the
 * preopened directory and beside it.
 *
 * Differences that are Node's, not ours, and how the fixtures avoid them:
 *  - fd_readdir order: uvwasi returns entries in the host's readdir order and
 *    WASI leaves the order unspecified, so file_io.c sorts names (and skips
 *    "." and "..", which uvwasi reports and other runtimes may not).
 *  - clocks: values differ run to run; clock.c prints only facts (monotonic
 *    increases, realtime after 2020, nanosleep slept long enough).
 *  - stat: inode numbers, times and directory sizes are the host's; file_io.c
 *    prints only the type and the size of regular files.
 *  - NaN bits: Wasm arithmetic may return any NaN (sign and payload differ
 *    between V8, x86_64 and aarch64), so fixtures print "nan" for arithmetic
 *    NaNs and bit patterns only where Wasm defines them (neg/abs/copysign,
 *    reinterpret, constants).
 *  - traps: V8 uses one message for two spec trap kinds in two places (see
 *    oracle.ts V8_TRAPS); the case's `trap` field picks the exact one, and the
 *    "reference" test checks it is among those Node's message allows.
 *  - argv[0]: the compiled program passes its own basename; the Node run is
 *    given the same name (the case name) as args[0].
 *  - sandbox: uvwasi follows a symlink to ".." out of the preopen; the
 *    sandbox_escape case holds wanco to its expected output instead (see
 *    cases.ts) and checks that Node still shows the escape.
 *  - stack exhaustion: Node reports a RangeError (not a WebAssembly trap);
 *    the child maps it to a trap.
 */
import assert from 'node:assert/strict';
import {
  compileCached, expectedResult, fixtureWasm, Pool, runNative, runNode, reasonsForV8Message, TARGETS,
  type Case, type CompileResult, type RunResult, type Target,
} from '../helpers/oracle';
import { CASES } from '../helpers/cases';

interface NativeOutcome { compile: CompileResult; run?: RunResult }

function show(b: Buffer, max = 1500): string {
  const s = b.toString('utf8');
  return s.length > max ? `${s.slice(0, max)}... (${s.length} chars)` : s;
}

function firstDiff(a: string, b: string): string {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const line = a.slice(0, i).split('\n').length;
  const from = Math.max(0, a.lastIndexOf('\n', i - 1) + 1);
  const endA = a.indexOf('\n', i);
  const endB = b.indexOf('\n', i);
  return `first difference at byte ${i} (line ${line}):\n  expected: ${JSON.stringify(a.slice(from, endA < 0 ? undefined : endA))}\n  wanco   : ${JSON.stringify(b.slice(from, endB < 0 ? undefined : endB))}`;
}

/** All the ways wanco's run differs from Node's, as sentences (empty: agree). */
export function differences(c: Case, node: RunResult, nat: RunResult): string[] {
  const out: string[] = [];
  if (nat.timedOut) out.push('timed out');
  if (nat.signal) out.push(`killed by ${nat.signal}`);
  if (node.trap) {
    if (nat.status !== 134) out.push(`exit status ${nat.status}, expected 134 (trap: ${c.trap})`);
    const want = `wasm trap: ${c.trap}\n`;
    if (!nat.stderr.toString('utf8').startsWith(want)) out.push(`stderr should begin with ${JSON.stringify(want)}, got ${JSON.stringify(show(nat.stderr, 400))}`);
  } else {
    if (nat.status !== node.status) out.push(`exit status ${nat.status}, Node's ${node.status}; stderr: ${JSON.stringify(show(nat.stderr, 600))}`);
    if (!nat.stderr.equals(node.stderr)) out.push(`stderr differs: ${firstDiff(node.stderr.toString('latin1'), nat.stderr.toString('latin1'))}`);
  }
  if (!nat.stdout.equals(node.stdout)) out.push(`stdout differs: ${firstDiff(node.stdout.toString('latin1'), nat.stdout.toString('latin1'))}`);
  try {
    assert.deepStrictEqual(nat.files, node.files);
  } catch (e) {
    out.push(`files differ:\n${(e as Error).message}`);
  }
  return out;
}

describe('e2e: fixtures agree with Node\'s WebAssembly + WASI', function () {
  this.timeout(900_000);
  const pool = new Pool();
  const nodeRuns = new Map<string, Promise<RunResult>>();
  const nativeRuns = new Map<string, Promise<NativeOutcome>>();
  // Nothing here may reject before a test awaits it: wrap errors.
  const settle = <T>(p: Promise<T>) => p.then((v) => ({ v }), (e: Error) => ({ e }));
  const nodeSettled = new Map<string, Promise<{ v?: RunResult; e?: Error }>>();
  const nativeSettled = new Map<string, Promise<{ v?: NativeOutcome; e?: Error }>>();

  before(function () {
    // Queue everything at once, in test order, on a pool as wide as the machine.
    for (const c of CASES) {
      const wasm = fixtureWasm(c.source, c.wasmOpt);
      const nodeRun = wasm.then((w) => pool.run(() => runNode(w, c)));
      nodeRuns.set(c.name, nodeRun);
      nodeSettled.set(c.name, settle(nodeRun));
      for (const t of TARGETS) {
        const native = wasm.then((w) => pool.run(async (): Promise<NativeOutcome> => {
          const compile = await compileCached(w, t, c.name);
          if (!compile.exe) return { compile };
          return { compile, run: await runNative(compile.exe, t, c) };
        }));
        nativeRuns.set(`${c.name}/${t}`, native);
        nativeSettled.set(`${c.name}/${t}`, settle(native));
      }
    }
  });

  for (const c of CASES) {
    describe(c.name, () => {
      it('reference run (Node) does what the fixture says', async () => {
        const r = await nodeSettled.get(c.name)!;
        if (r.e) throw r.e;
        const node = r.v!;
        if (c.trap) {
          assert.ok(node.trap, `expected a trap (${c.trap}); Node exited ${node.status}, stderr: ${show(node.stderr)}`);
          assert.ok(reasonsForV8Message(node.trap).includes(c.trap),
            `Node trapped with "${node.trap}", which does not mean "${c.trap}"`);
          assert.equal(node.status, 134);
        } else {
          assert.equal(node.trap, undefined, `unexpected trap in Node: ${node.trap}`);
          assert.ok(!node.timedOut, 'Node run timed out');
          assert.equal(node.status, c.exit ?? 0, `Node's exit status (signal ${node.signal}); stderr: ${show(node.stderr)}`);
        }
        for (const s of c.stdoutIncludes ?? []) assert.ok(node.stdout.includes(s), `Node's stdout lacks ${JSON.stringify(s)}:\n${show(node.stdout)}`);
        for (const s of c.stderrIncludes ?? []) assert.ok(node.stderr.includes(s), `Node's stderr lacks ${JSON.stringify(s)}:\n${show(node.stderr)}`);
        if (!c.stderrIncludes && !c.trap) assert.equal(node.stderr.toString(), '', 'Node wrote to stderr');
        for (const s of c.nodeQuirk?.stdoutIncludes ?? []) {
          assert.ok(node.stdout.includes(s), `Node no longer shows the known quirk (${c.nodeQuirk!.note}): its stdout lacks ${JSON.stringify(s)}; compare wanco with Node again`);
        }
      });

      for (const t of TARGETS as Target[]) {
        it(`wanco ${t} agrees with Node`, async () => {
          const r = await nodeSettled.get(c.name)!;
          if (r.e) throw new Error(`no reference run: ${r.e.message}`);
          const n = await nativeSettled.get(`${c.name}/${t}`)!;
          if (n.e) throw n.e;
          const { compile, run } = n.v!;
          if (!run) assert.fail(compile.error ?? 'compile failed');
          // With a known Node quirk, wanco is held to the case's expected output.
          const diffs = differences(c, c.expected ? expectedResult(c) : r.v!, run);
          if (diffs.length) assert.fail(`${c.name} on ${t}:\n- ${diffs.join('\n- ')}`);
        });
      }
    });
  }
});

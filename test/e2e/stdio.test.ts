/**
 * What a program is told its standard streams are, with each stream redirected
 * to /dev/null, a file, a pipe, a socket, a terminal (through `script`, a pty)
 * or closed. The fixture (test-fixtures/c/stdio_kinds.c) writes isatty(),
 * fd_fdstat_get's filetype and rights, fd_filestat_get's filetype and the
 * access mode of fcntl(F_GETFL) for fds 0-2 into a file in a preopened
 * directory, so every standard stream is free to be anything.
 *
 * wanco's ELFs (both targets) must report the truth: the host fd's type (a
 * pipe is a socket stream: WASI preview1 has no FIFO, and Node says the same),
 * FD_SEEK/FD_TELL for what can seek (files, /dev/null), a terminal only on a
 * tty, reading/writing as the host fd was opened. Node's WASI is the reference
 * for isatty, both filetypes and seek/tell; it gives every standard stream
 * FD_READ and FD_WRITE whatever its access mode (uvwasi opens its stdio table
 * as O_RDWR), which wanco does not copy: for those fields the truth is checked
 * and Node's known answer is checked too, so that a change in Node is noticed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compileCached, fixtureWasm, HOST, spawnCapture, TARGETS, type Target } from '../helpers/oracle';

const NODE_CHILD = join(__dirname, '..', 'helpers', 'node-wasi-child.js');

type Kind = 'devnull' | 'file' | 'pipe' | 'socket' | 'tty';
type Access = 'rdonly' | 'wronly' | 'rdwr';
interface Stream { kind: Kind; access: Access }

interface Scenario {
  name: string;
  /** shell redirections after the command; `{}` stands for the command in `pipeline` */
  redirect?: string;
  pipeline?: string;
  /** run inside `script` (a pty on all three streams before the redirections) */
  tty?: boolean;
  /** what fds 0, 1, 2 are */
  streams: [Stream, Stream, Stream];
}

const s = (kind: Kind, access: Access): Stream => ({ kind, access });

const SCENARIOS: Scenario[] = [
  { name: 'all three /dev/null', redirect: '</dev/null >/dev/null 2>/dev/null', streams: [s('devnull', 'rdonly'), s('devnull', 'wronly'), s('devnull', 'wronly')] },
  { name: 'files (<, >, >>)', redirect: '<in.txt >out.txt 2>>err.txt', streams: [s('file', 'rdonly'), s('file', 'wronly'), s('file', 'wronly')] },
  { name: 'read-write file and /dev/null (<>)', redirect: '<>rw.txt >/dev/null 2<>/dev/null', streams: [s('file', 'rdwr'), s('devnull', 'wronly'), s('devnull', 'rdwr')] },
  { name: 'pipes', pipeline: 'true | {} 2>&1 | cat >/dev/null', streams: [s('pipe', 'rdonly'), s('pipe', 'wronly'), s('pipe', 'wronly')] },
  { name: 'sockets (child_process pipes are socketpairs)', streams: [s('socket', 'rdwr'), s('socket', 'rdwr'), s('socket', 'rdwr')] },
  { name: 'terminal', tty: true, streams: [s('tty', 'rdwr'), s('tty', 'rdwr'), s('tty', 'rdwr')] },
  { name: 'terminal, stdout to /dev/null (prog -c > /dev/null)', tty: true, redirect: '>/dev/null', streams: [s('tty', 'rdwr'), s('devnull', 'wronly'), s('tty', 'rdwr')] },
  { name: 'terminal, stdin from a pipe, stdout to a file', tty: true, pipeline: 'true | {} >out.txt', streams: [s('pipe', 'rdonly'), s('file', 'wronly'), s('tty', 'rdwr')] },
  {
    name: 'closed (<&- >&- 2>&-: opened on /dev/null, as Node does)', redirect: '<&- >&- 2>&-',
    streams: [s('devnull', 'rdwr'), s('devnull', 'rdwr'), s('devnull', 'rdwr')],
  },
];

const FILETYPE: Record<Kind, string> = {
  devnull: 'character_device', file: 'regular_file', pipe: 'socket_stream', socket: 'socket_stream', tty: 'character_device',
};

interface Report { isatty: string; fdstat: string; filestat: string; read: string; write: string; seek: string; tell: string; fcntl: string }

function parseReport(text: string): Report[] {
  const lines = text.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 3, `expected 3 lines, got:\n${text}`);
  return lines.map((l, fd) => {
    const m = /^fd(\d): (.*)$/.exec(l);
    assert.ok(m && Number(m[1]) === fd, `bad line ${JSON.stringify(l)}`);
    const o: Record<string, string> = {};
    for (const kv of m[2].split(' ')) {
      const [k, v] = kv.split('=');
      o[k] = v;
    }
    return o as unknown as Report;
  });
}

function truth(st: Stream): Report {
  const seekable = st.kind === 'devnull' || st.kind === 'file';
  return {
    isatty: st.kind === 'tty' ? '1' : '0',
    fdstat: FILETYPE[st.kind], filestat: FILETYPE[st.kind],
    read: st.access === 'wronly' ? '0' : '1', write: st.access === 'rdonly' ? '0' : '1',
    seek: seekable ? '1' : '0', tell: seekable ? '1' : '0', fcntl: st.access,
  };
}

const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/** Runs argv with the scenario's standard streams, in `dir`; returns the report. */
async function runScenario(sc: Scenario, argv: string[], dir: string): Promise<string> {
  writeFileSync(join(dir, 'in.txt'), 'input\n');
  writeFileSync(join(dir, 'rw.txt'), 'data\n');
  rmSync(join(dir, 'box', 'report.txt'), { force: true });
  const cmd = argv.map(q).join(' ');
  let line = sc.pipeline ? sc.pipeline.replace('{}', cmd) : `${cmd} ${sc.redirect ?? ''}`;
  if (sc.tty) line = `script -qec ${q(line)} /dev/null`;
  const r = sc.redirect === undefined && !sc.pipeline && !sc.tty
    ? await spawnCapture(argv[0], argv.slice(1), { cwd: dir, timeoutMs: 120_000 })
    : await spawnCapture('sh', ['-c', line], { cwd: dir, timeoutMs: 120_000 });
  assert.ok(!r.timedOut, `timed out: ${line}`);
  let report: string;
  try {
    report = readFileSync(join(dir, 'box', 'report.txt'), 'utf8');
  } catch {
    assert.fail(`no report from ${line}: exit ${r.status ?? r.signal}\n${r.stdout.toString()}${r.stderr.toString()}`);
  }
  assert.equal(r.status, 0, `exit ${r.status ?? r.signal} of ${line}\n${r.stdout.toString()}${r.stderr.toString()}`);
  return report;
}

describe('e2e: standard streams are reported as what they are', function () {
  this.timeout(900_000);
  let wasm: string;
  let dir: string;
  const exes = new Map<Target, string>();

  before(async () => {
    wasm = await fixtureWasm('c/stdio_kinds.c');
    for (const t of TARGETS) {
      const c = await compileCached(wasm, t, 'stdio_kinds');
      if (!c.exe) throw new Error(c.error);
      exes.set(t, c.exe);
    }
    dir = mkdtempSync(join(tmpdir(), 'wanco-stdio-'));
    mkdirSync(join(dir, 'box'));
  });
  after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

  for (const sc of SCENARIOS) {
    describe(sc.name, () => {
      const expected = sc.streams.map(truth);

      it('Node\'s WASI (the reference)', async () => {
        writeFileSync(join(dir, 'config.json'), JSON.stringify({
          wasm, args: ['stdio_kinds', '/box/report.txt'], env: {}, preopens: { '/box': join(dir, 'box') }, result: join(dir, 'result.json'),
        }));
        const got = parseReport(await runScenario(sc, [process.execPath, '--no-warnings', '--no-turbo-fast-api-calls', NODE_CHILD, join(dir, 'config.json')], dir));
        got.forEach((g, fd) => {
          const want = expected[fd];
          for (const k of ['isatty', 'fdstat', 'filestat', 'seek', 'tell'] as const) {
            assert.equal(g[k], want[k], `Node, fd${fd} ${k}`);
          }
          // uvwasi: every standard stream readable and writable, whatever its access mode
          assert.deepEqual([g.read, g.write, g.fcntl], ['1', '1', 'rdwr'], `Node's fd${fd} access no longer rdwr: compare the access fields with Node again`);
        });
      });

      for (const t of TARGETS) {
        it(`wanco ${t}`, async () => {
          const exe = exes.get(t)!;
          const argv = [exe, '--dir', `${join(dir, 'box')}::/box`, '--', '/box/report.txt'];
          const got = parseReport(await runScenario(sc, t === HOST ? argv : [`qemu-${t}-static`, ...argv], dir));
          got.forEach((g, fd) => assert.deepEqual(g, expected[fd], `fd${fd} (${sc.streams[fd].kind}, ${sc.streams[fd].access})`));
        });
      }
    });
  }
});

/**
 * The .wat language server over the protocol (stdio, JSON-RPC), no VS Code: diagnostics with
 * exact ranges (binaryen parser) and named functions (validator), symbols, hover, definition,
 * migration-point code lenses.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter, type MessageConnection } from 'vscode-jsonrpc/node';

const SERVER = process.env.WANCO_LS_SERVER ?? join(__dirname, '..', 'server', 'server.js');
const URI = 'file:///tmp/t.wat';
const GOOD = `(module
  (memory $mem 1)
  (global $count (mut i32) (i32.const 0))
  (table $tab 1 funcref)
  (func $add (param $a i32) (param $b i32) (result i32)
    (local $t i64)
    (i32.add (local.get $a) (local.get $b)))
  (func $main (export "_start")
    (loop $l
      (global.set $count (call $add (global.get $count) (i32.const 1)))
      (br_if $l (i32.lt_u (global.get $count) (i32.const 10)))))
  (func $down (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n)) (then (i32.const 0))
      (else (call $down (i32.sub (local.get $n) (i32.const 1))))))
  (export "mem" (memory $mem)))
`;

describe('wat language server (protocol, no VS Code)', function () {
  this.timeout(60000);
  let child: ChildProcess;
  let conn: MessageConnection;
  const diags: Map<number, any> = new Map();
  let waiters: ((p: any) => void)[] = [];
  let version = 1;

  before(async () => {
    child = spawn(process.execPath, [SERVER, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
    conn = createMessageConnection(new StreamMessageReader(child.stdout!), new StreamMessageWriter(child.stdin!));
    conn.onNotification('textDocument/publishDiagnostics', (p: any) => { diags.set(p.version, p); const w = waiters; waiters = []; w.forEach((f) => f(p)); });
    conn.listen();
    const init: any = await conn.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {} });
    assert.ok(init.capabilities.hoverProvider && init.capabilities.definitionProvider && init.capabilities.documentSymbolProvider && init.capabilities.codeLensProvider);
    await conn.sendNotification('initialized', {});
    await conn.sendNotification('textDocument/didOpen', { textDocument: { uri: URI, languageId: 'wat', version, text: GOOD } });
  });
  after(() => { conn?.dispose(); child?.kill(); });

  async function edit(text: string): Promise<any> {
    version++;
    const p = new Promise((resolve) => { waiters.push((d) => { if (d.version === version) resolve(d); }); });
    await conn.sendNotification('textDocument/didChange', { textDocument: { uri: URI, version }, contentChanges: [{ text }] });
    return p;
  }

  it('no diagnostics for a valid module', async () => {
    const d = await edit(GOOD);
    assert.deepEqual(d.diagnostics, []);
  });

  it('a parse error: exact line/column range', async () => {
    const d = await edit('(module\n  (func $f (result i32)\n    (i32.const 1)\n    (i32.frob 2)))\n');
    assert.equal(d.diagnostics.length, 1);
    assert.equal(d.diagnostics[0].range.start.line, 3);
    assert.ok(d.diagnostics[0].range.start.character >= 4, JSON.stringify(d.diagnostics[0]));
    assert.ok(d.diagnostics[0].range.end.character > d.diagnostics[0].range.start.character);
  });

  it('a validation error: on the function it names', async () => {
    const d = await edit('(module\n  (func $ok)\n  (func $bad (result i32)\n    (i64.const 1)))\n');
    assert.equal(d.diagnostics.length, 1);
    assert.equal(d.diagnostics[0].range.start.line, 2, JSON.stringify(d.diagnostics[0]));
    await edit(GOOD);
  });

  it('document symbols: functions, globals, memories, tables, exports', async () => {
    const s: any[] = await conn.sendRequest('textDocument/documentSymbol', { textDocument: { uri: URI } });
    assert.deepEqual(s.map((x) => x.name), ['$mem', '$count', '$tab', '$add', '$main', '$down', 'export "mem"']);
    assert.deepEqual(s[3].children.map((c: any) => c.name), ['$a', '$b', '$t']);
  });

  it('hover: function signature and local types', async () => {
    const h: any = await conn.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 9, character: 32 } });
    assert.match(h.contents.value, /\(func \$add \(param \$a i32\) \(param \$b i32\) \(result i32\)\) ;; func 0/);
    const l: any = await conn.sendRequest('textDocument/hover', { textDocument: { uri: URI }, position: { line: 6, character: 25 } });
    assert.match(l.contents.value, /\(param \$a i32\) ;; local 0 of \$add/);
  });

  it('go to definition of $names (func, global, local)', async () => {
    const f: any = await conn.sendRequest('textDocument/definition', { textDocument: { uri: URI }, position: { line: 9, character: 32 } });
    assert.deepEqual(f.range.start, { line: 4, character: 8 });
    const g: any = await conn.sendRequest('textDocument/definition', { textDocument: { uri: URI }, position: { line: 9, character: 20 } });
    assert.deepEqual(g.range.start, { line: 2, character: 10 });
    const l: any = await conn.sendRequest('textDocument/definition', { textDocument: { uri: URI }, position: { line: 6, character: 40 } });
    assert.deepEqual(l.range.start, { line: 4, character: 35 });
  });

  it('code lenses at the migration points the compiler places (entry only where a function can recurse)', async () => {
    const c: any[] = await conn.sendRequest('textDocument/codeLens', { textDocument: { uri: URI } });
    const titles = c.map((x) => `${x.range.start.line}:${x.command.title}`);
    assert.deepEqual(titles, [
      '4:no migration point (no loop, recursion or call here reaches one)',
      '7:migration points: 1 loop', '8:migration point (loop header)',
      '11:migration points: entry, 1 call',
    ]);
  });
});

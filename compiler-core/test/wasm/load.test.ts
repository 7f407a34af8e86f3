import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputFileError, WasmDecodeError, WasmValidationError, WatParseError, WancoError } from '../../src/wasm/errors';
import { loadModule, loadModuleFromBytes, parseWat, watToBinary } from '../../src/wasm/load';
import { Op, Simd } from '../../src/wasm/opcodes';

const WAT = `(module $demo
  (type $pair (func (param i32) (result i32 i32)))
  (import "env" "log" (func $log (param i32)))
  (import "env" "base" (global $base i32))
  (memory (export "memory") 1 2)
  (table $tab 4 funcref)
  (global $counter (mut i64) (i64.const 7))
  (elem (table $tab) (i32.const 0) func $dup $fac)
  (data (i32.const 16) "héllo")
  (func $dup (type $pair) (local.get 0) (local.get 0))
  (func $fac (export "fac") (param $n i32) (result i32) (local $acc i32)
    (local.set $acc (i32.const 1))
    (block $done
      (loop $top
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc (i32.mul (local.get $acc) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $top)))
    (call $log (local.get $acc))
    (local.get $acc))
  (func $simd (param v128) (result v128) (i32x4.add (local.get 0) (v128.const i32x4 1 2 3 4)))
  (func $bulk (result i32 i32) (memory.fill (i32.const 0) (i32.const 0) (i32.const 8))
    (call_indirect $tab (type $pair) (i32.const 3) (i32.const 1)))
)
`;

describe('wasm loader', function () {
  this.timeout(60000);
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wanco-load-'));
  });
  after(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const write = (name: string, data: string | Uint8Array): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  };

  it('parses and decodes a .wat with functions, table, memory, multi-value, SIMD and names', async () => {
    const file = write('demo.wat', WAT);
    const { bytes, module: m } = await loadModule(file);
    assert.ok(bytes instanceof Uint8Array && bytes.length > 8);
    assert.strictEqual(m.numImportedFuncs, 1);
    assert.strictEqual(m.numImportedGlobals, 1);
    assert.deepStrictEqual(m.memories, [{ min: 1, max: 2 }]);
    assert.deepStrictEqual(m.tables, [{ elemType: 'funcref', limits: { min: 4 } }]);
    assert.strictEqual(m.funcs.length, 4);
    const dup = m.funcs[0];
    assert.deepStrictEqual(m.types[dup.typeIndex], { params: ['i32'], results: ['i32', 'i32'] });
    assert.deepStrictEqual(m.exports.map((e) => e.name).sort(), ['fac', 'memory']);
    assert.strictEqual(Buffer.from(m.datas[0].bytes).toString('utf8'), 'héllo');
    // names survive (binaryen writes the name section with debug info on)
    assert.strictEqual(m.names.module, 'demo');
    assert.strictEqual(m.names.functions.get(0), 'log');
    assert.strictEqual(m.names.functions.get(2), 'fac');
    assert.strictEqual(m.names.locals.get(2)?.get(0), 'n');
    assert.strictEqual(m.names.locals.get(2)?.get(1), 'acc');
    assert.strictEqual(m.names.globals.get(1), 'counter');
    // code is decoded with offsets into `bytes`
    const fac = m.funcs[1];
    assert.ok(fac.body.some((i) => i.op === Op.loop));
    assert.ok(fac.body.some((i) => i.op === Op.br_if));
    for (const ins of fac.body) assert.strictEqual(bytes[ins.offset], ins.op);
    assert.ok(m.funcs[2].body.some((i) => i.op === Simd.i32x4_add));
    assert.ok(m.funcs[3].body.some((i) => i.op === Op.memory_fill));
    assert.ok(m.funcs[3].body.some((i) => i.op === Op.call_indirect));
  });

  it('loads the same module from a .wasm file', async () => {
    const bytes = await watToBinary(WAT, 'demo.wat');
    const { module: m } = await loadModule(write('demo.wasm', bytes));
    assert.strictEqual(m.funcs.length, 4);
    assert.strictEqual(m.names.functions.get(2), 'fac');
  });

  it('reports a syntax error as file:line:col', async () => {
    const file = write('bad.wat', '(module\n  (func $f (result i32)\n    (i32.bogus 1)))\n');
    await assert.rejects(parseWat('(module (data "é✓") (func $x) (func $x))', 'u.wat'), /^WatParseError: u\.wat:1:31: /);
    await assert.rejects(loadModule(file), (e: unknown) => {
      assert.ok(e instanceof WatParseError && e instanceof WancoError);
      assert.strictEqual(e.line, 3);
      assert.ok(e.column === 5 || e.column === 6, `column ${e.column}`);
      assert.match(e.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3:\\d+: \\S`));
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });

  it('reports a type error as one clear line', async () => {
    const wat = '(module (func $f (result i32) (i64.const 1)))';
    await assert.rejects(parseWat(wat, 'types.wat'), (e: unknown) => {
      assert.ok(e instanceof WasmValidationError);
      assert.match(e.message, /^types\.wat: invalid module: .*f.*: /);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
  });

  it('validates .wasm input too, naming the offset and the function', async () => {
    // function returning i32 whose body is empty
    const bad = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 0x60, 0, 1, 0x7f, 3, 2, 1, 0, 10, 4, 1, 2, 0, 0x0b]);
    await assert.rejects(loadModuleFromBytes(bad, 'bad.wasm'), (e: unknown) => {
      assert.ok(e instanceof WasmValidationError);
      assert.strictEqual(e.message, 'bad.wasm:0x18: invalid module: type mismatch: end of function expects i32 but the stack is empty (in function 0)');
      return true;
    });
    // a call to a function that does not exist
    const badCall = Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 0x60, 0, 0, 3, 2, 1, 0, 10, 6, 1, 4, 0, 0x10, 7, 0x0b]);
    await assert.rejects(loadModuleFromBytes(badCall, 'call.wasm'), /^WasmValidationError: call\.wasm:0x17: invalid module: unknown function 7 \(in function 0\)$/);
    // malformed: our decoder's error with the byte offset
    await assert.rejects(loadModuleFromBytes(bad.subarray(0, 20), 'cut.wasm'), (e: unknown) => {
      assert.ok(e instanceof WasmDecodeError);
      assert.strictEqual(e.message, 'cut.wasm:0x14: unexpected end');
      return true;
    });
  });

  it('rejects unknown extensions and missing files clearly', async () => {
    await assert.rejects(loadModule(write('x.txt', 'hi')), (e: unknown) => e instanceof InputFileError && /unsupported input file type '\.txt'/.test(e.message));
    await assert.rejects(loadModule(path.join(dir, 'missing.wat')), (e: unknown) => e instanceof InputFileError && /missing\.wat: no such file$/.test(e.message));
  });

  it('does not leak binaryen output', async () => {
    let leaked = '';
    const orig = process.stderr.write;
    process.stderr.write = ((s: string) => {
      leaked += s;
      return true;
    }) as typeof process.stderr.write;
    try {
      await parseWat('(module (func (result i32) (f32.const 1)))', 'x.wat').catch(() => undefined);
    } finally {
      process.stderr.write = orig;
    }
    assert.strictEqual(leaked, '');
  });
});

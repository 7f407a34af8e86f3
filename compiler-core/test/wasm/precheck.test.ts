import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { WatParseError } from '../../src/wasm/errors';
import { parseWat } from '../../src/wasm/load';
import { floatInRange, F32, F64 } from '../../src/wasm/text/literals';
import { precheckWat } from '../../src/wasm/text/precheck';
import { SUITE_DIR } from '../spec-harness/suite';
import { packageRoot } from '../../src/package-root';

function rejects(text: string, message: string): void {
  assert.throws(() => precheckWat(text, 't.wat'), (e: unknown) => {
    assert.ok(e instanceof WatParseError, String(e));
    assert.strictEqual(e.message, message);
    return true;
  });
}

describe('text pre-check', () => {
  it('tokens not separated by white space or parentheses are an unknown operator', () => {
    rejects('(module (data "a""b"))', 't.wat:1:15: unknown operator "a""b" (tokens must be separated by white space or parentheses)');
    rejects('(module (func $f"x"))', 't.wat:1:15: unknown operator $f"x" (tokens must be separated by white space or parentheses)');
    rejects('(module\n  (func (i32.const0) drop))', 't.wat:2:10: unknown operator i32.const0');
    rejects('(func (i64.const 1x) drop)', 't.wat:1:18: unknown operator 1x (not a well-formed number)');
    rejects('(func (f32x4.max_u))', 't.wat:1:8: unknown operator f32x4.max_u');
    // parentheses and comments separate tokens
    precheckWat('(module (func(nop)nop(nop)) (func $f;;c\n) (data (;c;)"a" "b"))', 't.wat');
  });

  it('literals out of range for their instruction', () => {
    rejects('(func (i32.const 4294967296) drop)', 't.wat:1:18: constant out of range: 4294967296 for i32.const');
    rejects('(func (i32.const -2147483649) drop)', 't.wat:1:18: constant out of range: -2147483649 for i32.const');
    rejects('(func (i32.const +2147483648) drop)', 't.wat:1:18: constant out of range: +2147483648 for i32.const');
    precheckWat('(func (i32.const 4294967295) (i32.const -2147483648) (i64.const 0xffff_ffff_ffff_ffff) (i64.const -9223372036854775808))', 't.wat');
    rejects('(func (i64.const 18446744073709551616) drop)', 't.wat:1:18: constant out of range: 18446744073709551616 for i64.const');
    rejects('(func (f32.const 0x1p128) drop)', 't.wat:1:18: constant out of range: 0x1p128 for f32.const');
    rejects('(func (f64.const 1e309) drop)', 't.wat:1:18: constant out of range: 1e309 for f64.const');
    rejects('(func (f32.const nan:0x80_0000) drop)', 't.wat:1:18: constant out of range: nan:0x80_0000 for f32.const');
    rejects('(func (v128.const i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 256) drop)', 't.wat:1:55: constant out of range: 256 for a lane of v128.const i8x16');
    rejects('(func (v128.const f32x4 0 0 0 1e39) drop)', 't.wat:1:31: constant out of range: 1e39 for a lane of v128.const f32x4');
  });

  it('float literals round to infinity exactly at the midpoint above the largest finite value', () => {
    assert.ok(floatInRange('0x1.fffffep127', F32));
    assert.ok(floatInRange('0x1.fffffefffffffp127', F32));
    assert.ok(!floatInRange('0x1.ffffffp127', F32));
    assert.ok(floatInRange('340282356779733661637539395458142568447', F32));
    assert.ok(!floatInRange('340282356779733661637539395458142568448', F32));
    assert.ok(!floatInRange('-340282356779733661637539395458142568448', F32));
    assert.ok(floatInRange('1.7976931348623157e308', F64));
    assert.ok(!floatInRange('0x1.fffffffffffff8p1023', F64));
    assert.ok(floatInRange('0x1.fffffffffffff7ffffffp1023', F64));
    assert.ok(floatInRange('1e-400', F64)); // underflow to zero is not an error
    assert.ok(floatInRange('0.000_001e3_00', F64));
    assert.ok(floatInRange('nan:0x7fffff', F32) && !floatInRange('nan:0x0', F32) && floatInRange('-inf', F32));
  });

  it('memargs, lane indices and lane counts', () => {
    rejects('(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))', 't.wat:1:34: i32 constant out of range: offset=4294967296');
    rejects('(memory 1) (func (drop (i32.load align=3 (i32.const 0))))', 't.wat:1:34: alignment must be a power of two: align=3');
    rejects('(memory 1) (func (drop (i32.load align=-1 (i32.const 0))))', 't.wat:1:34: unknown operator align=-1 (align= needs an unsigned integer)');
    rejects('(func (result i32) (i8x16.extract_lane_u 256 (v128.const i64x2 0 0)))', 't.wat:1:42: malformed lane index 256');
    rejects('(func (result i32) (i8x16.extract_lane_u -1 (v128.const i64x2 0 0)))', 't.wat:1:42: unexpected token: i8x16.extract_lane_u needs a lane index (an unsigned integer), found -1');
    rejects('(func (v128.const i32x4 1 2 3) drop)', 't.wat:1:30: wrong number of lane literals: v128.const i32x4 needs 4, found 3');
    rejects('(func (param v128) (result v128) (i8x16.shuffle 0 1 2 (local.get 0) (local.get 0)))', 't.wat:1:55: invalid lane length: i8x16.shuffle needs 16 lane indices, found 3');
    rejects('(memory 0x1_0000_0000)', 't.wat:1:9: i32 constant out of range: 0x1_0000_0000 (limits are 32-bit)');
  });

  it('import and export names must be UTF-8; imports come first', () => {
    rejects('(func (export "\\c2\\80\\80"))', 't.wat:1:15: malformed UTF-8 encoding in the name "\\c2\\80\\80"');
    rejects('(import "\\ff" "f" (func))', 't.wat:1:9: malformed UTF-8 encoding in the name "\\ff"');
    precheckWat('(module (import "m" "✓\\e2\\9c\\93" (func)) (data "\\ff"))', 't.wat'); // data strings are bytes
    rejects('(module (global i64 (i64.const 0)) (import "" "" (func)))', 't.wat:1:37: import after global');
    rejects('(func) (memory (import "" "m") 1)', 't.wat:1:9: import after function');
  });

  it('runs before binaryen: parseWat reports the pre-check error', async () => {
    await assert.rejects(parseWat('(module\n  (func (result f32) (f32.const 1e39)))', 'big.wat'),
      /^WatParseError: big\.wat:2:33: constant out of range: 1e39 for f32\.const$/);
  });
});

// Every text module of the suite that is not meant to be malformed passes the pre-check
// (valid text must never be rejected by it), and every assert_malformed text module is rejected.
(fs.existsSync(SUITE_DIR) ? describe : describe.skip)('text pre-check on the spec testsuite', () => {
  /** The (module ...) forms of a script, outside assert_malformed, without binary/quote modules. */
  function textModules(text: string): string[] {
    const out: string[] = [];
    const stack: { head: string; start: number }[] = [];
    for (let i = 0; i < text.length; i++) {
      const c = text[i];
      if (c === ';' && text[i + 1] === ';') {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (c === '(' && text[i + 1] === ';') {
        let depth = 1;
        for (i += 2; depth > 0; i++) {
          if (text[i] === '(' && text[i + 1] === ';') { depth++; i++; } else if (text[i] === ';' && text[i + 1] === ')') { depth--; i++; }
        }
        i--;
      } else if (c === '"') {
        for (i++; text[i] !== '"'; i++) if (text[i] === '\\') i++;
      } else if (c === '(') {
        stack.push({ head: /^\(\s*([^\s()]*)/.exec(text.slice(i, i + 40))![1], start: i });
      } else if (c === ')') {
        const f = stack.pop()!;
        if (f.head === 'module' && !stack.some((s) => s.head === 'assert_malformed')) {
          const m = text.slice(f.start, i + 1);
          if (!/^\(\s*module\s+(\$\S+\s+)?(binary|quote)\b/.test(m)) out.push(m);
        }
      }
    }
    return out;
  }

  it('accepts every well-formed text module of the suite', () => {
    let n = 0;
    for (const f of fs.readdirSync(SUITE_DIR).filter((x) => x.endsWith('.wast'))) {
      for (const m of textModules(fs.readFileSync(path.join(SUITE_DIR, f), 'utf8'))) {
        n++;
        assert.doesNotThrow(() => precheckWat(m, f), `${f}: ${m.slice(0, 200)}`);
      }
    }
    assert.ok(n > 3000, `found ${n} modules`);
  });

  it("accepts the project's .wat fixtures", () => {
    const root = packageRoot();
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name === 'out' || e.name.startsWith('.')) continue;
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p); else if (e.name.endsWith('.wat')) files.push(p);
      }
    };
    walk(root);
    assert.ok(files.length > 10, `found ${files.length} .wat files`);
    for (const f of files) assert.doesNotThrow(() => precheckWat(fs.readFileSync(f, 'utf8'), f), f);
  });
});

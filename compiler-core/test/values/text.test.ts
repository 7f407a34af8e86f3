/**
 * The one value formatter (values/text.ts) and the raw wire form (values/wire.ts): what a person
 * reads, and that what is shown or sent reads back to the same bits.
 */
import assert from 'node:assert/strict';
import type { SnapshotValue } from '../../src/snapshot/reader';
import { f32Bits, f64Bits, floatText, parseValueText, valueText, ValueTextError } from '../../src/values/text';
import { valueFromWire, valueToWire, WireError } from '../../src/values/wire';
import { locationText, registerName } from '../../src/values/native-place';

const f32 = (v: number): SnapshotValue => ({ type: 'f32', bits: f32Bits(v) });
const f64 = (v: number): SnapshotValue => ({ type: 'f64', bits: f64Bits(v) });

/** Random values of every type, with the edge cases a formatter gets wrong. */
function sample(): SnapshotValue[] {
  let seed = 99;
  const r32 = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const out: SnapshotValue[] = [
    { type: 'i32', value: 0 }, { type: 'i32', value: -1 }, { type: 'i32', value: -0x80000000 }, { type: 'i32', value: 0x7fffffff },
    { type: 'i64', value: -(1n << 63n) }, { type: 'i64', value: (1n << 63n) - 1n },
    f32(0.1), f32(-0), f32(Infinity), f32(-Infinity), f32(3.4028234663852886e38), f32(1e-45), { type: 'f32', bits: 0x7fc00001 },
    f64(0.1), f64(-0), f64(-Infinity), f64(5e-324), { type: 'f64', bits: 0xfff8000000000001n },
    { type: 'v128', bytes: Uint8Array.from({ length: 16 }, (_, i) => i * 17) },
    { type: 'funcref', index: null }, { type: 'funcref', index: 3 }, { type: 'externref', index: null }, { type: 'externref', index: 0 },
  ];
  for (let i = 0; i < 500; i++) {
    out.push({ type: 'i32', value: r32() | 0 }, { type: 'i64', value: BigInt.asIntN(64, (BigInt(r32()) << 32n) | BigInt(r32())) });
    out.push({ type: 'f32', bits: r32() }, { type: 'f64', bits: (BigInt(r32()) << 32n) | BigInt(r32()) });
  }
  return out;
}

const same = (a: SnapshotValue, b: SnapshotValue) => assert.deepEqual(valueToWire(a), valueToWire(b), `${valueText(a)} vs ${valueText(b)}`);

describe('value text (values/text.ts): the one formatter', () => {
  it('floats: the shortest decimal that reads back at their own width', () => {
    assert.equal(valueText(f32(0.1)), '0.1');
    assert.equal(valueText(f64(0.1)), '0.1');
    assert.equal(valueText(f32(1 / 3)), '0.33333334');
    assert.equal(valueText(f32(3.4028234663852886e38)), '3.4028235e+38');
    assert.equal(valueText(f32(1e-45)), '1e-45');
    assert.equal(valueText(f32(-0)), '-0');
    assert.equal(valueText(f64(Infinity)), 'inf');
    assert.equal(valueText(f32(-Infinity)), '-inf');
    assert.equal(valueText({ type: 'f32', bits: 0x7fc00001 }), 'nan (0x7fc00001)');
    assert.equal(floatText(NaN), 'nan');
  });

  it('integers signed, v128 most significant byte first, references by index', () => {
    assert.equal(valueText({ type: 'i32', value: -1 }), '-1');
    assert.equal(valueText({ type: 'i64', value: -(1n << 63n) }), '-9223372036854775808');
    assert.equal(valueText({ type: 'v128', bytes: Uint8Array.from({ length: 16 }, (_, i) => i) }), '0x0f0e0d0c0b0a09080706050403020100');
    assert.equal(valueText({ type: 'funcref', index: 2 }, (i) => (i === 2 ? 'main' : undefined)), 'func 2 <main>');
    assert.equal(valueText({ type: 'externref', index: null }), 'null');
  });

  it('what valueText shows, parseValueText reads back to the same bits (every type, 2,000+ values)', () => {
    for (const v of sample()) same(parseValueText(v.type, valueText(v, () => 'f')), v);
  });

  it('what a person types: hex, unsigned range, inf/infinity/nan, bits; clear errors otherwise', () => {
    same(parseValueText('i32', '0xffffffff'), { type: 'i32', value: -1 });
    same(parseValueText('i32', '4294967295'), { type: 'i32', value: -1 });
    same(parseValueText('f32', '0x3dcccccd'), f32(0.1));
    same(parseValueText('f64', '-Infinity'), f64(-Infinity));
    same(parseValueText('f64', '1e3'), f64(1000));
    assert.throws(() => parseValueText('i32', '4294967296'), (e: Error) => e instanceof ValueTextError && e.message === '4294967296 is not a valid i32 value');
    assert.throws(() => parseValueText('f32', '1.2.3'), /1\.2\.3 is not a valid f32 value/);
    assert.throws(() => parseValueText('v128', '0x12'), /0x and 32 hex digits/);
    assert.throws(() => parseValueText('funcref', 'f'), /an index or null/);
  });
});

describe('values on the control socket (values/wire.ts): raw type and bits', () => {
  it('every value round-trips through its wire form', () => {
    for (const v of sample()) same(valueFromWire(valueToWire(v)), v);
    assert.deepEqual(valueToWire(f32(0.1)), { type: 'f32', bits: '3dcccccd' });
    assert.deepEqual(valueToWire({ type: 'funcref', index: null }), { type: 'funcref', bits: 'ffffffff' });
  });

  it('a malformed wire value is an error that says what came', () => {
    assert.throws(() => valueFromWire({ type: 'i31', bits: '0' }), (e: Error) => e instanceof WireError && /unknown type "i31"/.test(e.message));
    assert.throws(() => valueFromWire({ type: 'i64', bits: '12' }), /want 16 hex digits/);
  });
});

describe('native places (values/native-place.ts)', () => {
  it('names DWARF registers of both targets and renders stackmap locations', () => {
    assert.equal(registerName('x86_64', 7), 'rsp');
    assert.equal(registerName('x86_64', 17), 'xmm0');
    assert.equal(registerName('aarch64', 19), 'x19');
    assert.equal(registerName('aarch64', 29), 'fp');
    assert.equal(registerName('aarch64', 72), 'd8');
    assert.equal(locationText('x86_64', { kind: 'indirect', size: 8, dwarfReg: 7, offset: 16 }), '[sp+16]');
    assert.equal(locationText('aarch64', { kind: 'register', size: 8, dwarfReg: 20, offset: 0 }), 'reg x20');
    assert.equal(locationText('aarch64', { kind: 'direct', size: 8, dwarfReg: 29, offset: -8 }), 'fp-8');
  });
});

/**
 * Small typed helpers for writing LLVM 14 textual IR (typed pointers).
 * wanco writes IR as text, which opt-14 reads: the Node bindings to LLVM's C++ API
 * (llvm-bindings 0.4.2, evaluated and dropped) cannot express vector types, alignment,
 * function attributes, operand bundles or `gc`, all of which wanco needs.
 */
import type { ValType } from '../wasm/types';

export function llvmType(t: ValType): string {
  switch (t) {
    case 'i32': return 'i32';
    case 'i64': return 'i64';
    case 'f32': return 'float';
    case 'f64': return 'double';
    case 'v128': return '<2 x i64>';
    case 'funcref': return 'i8*';
    case 'externref': return 'i8*';
  }
}

/** LLVM type of a function result list: void, the single type, or a literal struct. */
export function llvmResultType(results: readonly ValType[]): string {
  if (results.length === 0) return 'void';
  if (results.length === 1) return llvmType(results[0]);
  return `{ ${results.map(llvmType).join(', ')} }`;
}

const f64buf = new DataView(new ArrayBuffer(8));

/** An f64 constant from its IEEE bits; LLVM's hex form is bit-exact for double. */
export function f64Const(bits: bigint): string {
  return '0x' + BigInt.asUintN(64, bits).toString(16).toUpperCase().padStart(16, '0');
}

/** An f32 constant from its IEEE bits, exact including NaN payloads. */
export function f32Const(bits: number): string {
  f64buf.setUint32(0, bits >>> 0);
  const value = f64buf.getFloat32(0);
  if (Number.isNaN(value)) return `bitcast (i32 ${bits | 0} to float)`;
  f64buf.setFloat64(0, value);
  return f64Const(f64buf.getBigUint64(0));
}

export function i64Const(v: bigint): string {
  return BigInt.asIntN(64, v).toString();
}

export function v128Const(bytes: Uint8Array): string {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return `<i64 ${i64Const(dv.getBigUint64(0, true))}, i64 ${i64Const(dv.getBigUint64(8, true))}>`;
}

export function zeroValue(t: ValType): string {
  switch (t) {
    case 'i32': case 'i64': return '0';
    case 'f32': case 'f64': return '0.0';
    case 'v128': return 'zeroinitializer';
    case 'funcref': case 'externref': return 'null';
  }
}

/** A byte array as an LLVM `c"..."` string body. */
export function byteString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) s += String.fromCharCode(b);
    else s += '\\' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  }
  return `c"${s}"`;
}

/** A private constant holding a NUL-terminated UTF-8 string; returns its i8* expression. */
export function cStringGlobal(out: string[], name: string, text: string): string {
  const bytes = Buffer.from(text.replace(/\0/g, '?') + '\0', 'utf8');
  out.push(`@${name} = private unnamed_addr constant [${bytes.length} x i8] ${byteString(bytes)}`);
  return `getelementptr inbounds ([${bytes.length} x i8], [${bytes.length} x i8]* @${name}, i64 0, i64 0)`;
}

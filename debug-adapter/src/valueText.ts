/**
 * The text of a value in the Variables view, and a value typed there as the runtime wants it.
 * Kept as the session had them: a shared formatter (CLI, live debugger, post-mortem) replaces them.
 */
import type { RuntimeValue } from './runtimeClient';
import { UserError } from './userError';

export function valueText(v: RuntimeValue, funcName: (i: number) => string | undefined): string {
  if (v.value === undefined) return '<unavailable>';
  if ((v.type === 'funcref') && v.value !== 'null') {
    const n = funcName(Number(v.value));
    return n ? `func ${v.value} <${n}>` : `func ${v.value}`;
  }
  if ((v.type === 'f32' || v.type === 'f64') && /nan/i.test(String(v.value)) && v.bits) return `nan (${v.bits})`;
  return String(v.value);
}

/** The type column of a value: its type, its bits, where it lives natively. */
export function valueTypeText(v: RuntimeValue): string {
  const detail = [v.type];
  if (v.bits) detail.push(`bits ${v.bits}`);
  if (v.loc) detail.push(`@ ${v.loc}`);
  return detail.join(' ');
}

/** A value typed in the Variables view, as the runtime's set_local wants it. */
export function encodeValue(type: string, text: string): string {
  const bad = () => new UserError(`${text} is not a valid ${type} value`);
  switch (type) {
    case 'i32': case 'i64': {
      if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) throw bad();
      const n = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
      const bits = type === 'i32' ? 32 : 64;
      if (n < -(1n << BigInt(bits - 1)) || n >= (1n << BigInt(bits))) throw bad();
      return BigInt.asIntN(bits, n).toString();
    }
    case 'f32': case 'f64': {
      if (/^0x[0-9a-f]+$/i.test(text)) return text;
      const v = /^[-+]?inf(inity)?$/i.test(text) ? (text.startsWith('-') ? -Infinity : Infinity) : /^nan$/i.test(text) ? NaN : Number(text);
      if (text === '' || (Number.isNaN(v) && !/^nan$/i.test(text))) throw bad();
      const dv = new DataView(new ArrayBuffer(8));
      if (type === 'f32') { dv.setFloat32(0, v); return `0x${dv.getUint32(0).toString(16).padStart(8, '0')}`; }
      dv.setFloat64(0, v);
      return `0x${dv.getBigUint64(0).toString(16).padStart(16, '0')}`;
    }
    case 'v128':
      if (!/^0x[0-9a-f]{32}$/i.test(text)) throw new UserError(`${text} is not a valid v128 value (0x and 32 hex digits)`);
      return text;
    case 'funcref': {
      const m = /^(?:func\s+)?(\d+|null)\b/.exec(text);
      if (!m) throw new UserError(`${text} is not a valid funcref (a function index or null)`);
      return m[1];
    }
    default:
      throw new UserError(`values of type ${type} cannot be set`);
  }
}

/** A v128's lanes in one shape, as its child in the Variables view shows them. */
export function lanesText(lanes: string[]): string {
  return `[${lanes.join(', ')}]`;
}

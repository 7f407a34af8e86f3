/**
 * Numeric literals of the text format (spec 6.3.1-6.3.2): syntax, and whether a literal is in
 * range for the type it is used at. Values are exact (BigInt): a float literal is out of range
 * when it rounds to infinity, which is decided by comparing its exact value with the midpoint
 * between the largest finite value and 2^(emax+1).
 */

const DEC = /^[0-9](?:_?[0-9])*$/;
const HEX = /^[0-9a-fA-F](?:_?[0-9a-fA-F])*$/;

/** An unsigned integer literal (uN): decimal or 0x-hex, with `_` between digits. */
export function parseNat(s: string): bigint | undefined {
  if (s.startsWith('0x')) return HEX.test(s.slice(2)) ? BigInt('0x' + s.slice(2).replace(/_/g, '')) : undefined;
  return DEC.test(s) ? BigInt(s.replace(/_/g, '')) : undefined;
}

/** An integer literal: uN, or sN with an explicit sign. */
export function parseInteger(s: string): { value: bigint; signed: boolean } | undefined {
  const sign = s[0] === '-' || s[0] === '+' ? s[0] : '';
  const mag = parseNat(s.slice(sign.length));
  if (mag === undefined) return undefined;
  return { value: sign === '-' ? -mag : mag, signed: sign !== '' };
}

/** Whether an integer literal fits iN: unsigned below 2^N, or (with a sign) in [-2^(N-1), 2^(N-1)). */
export function intInRange(lit: { value: bigint; signed: boolean }, bits: number): boolean {
  const b = BigInt(bits);
  if (lit.signed) return lit.value >= -(1n << (b - 1n)) && lit.value < 1n << (b - 1n);
  return lit.value < 1n << b;
}

export interface FloatFormat {
  /** significand bits without the implicit one (23, 52) */
  mantissa: number;
  /** largest exponent (127, 1023) */
  emax: number;
}
export const F32: FloatFormat = { mantissa: 23, emax: 127 };
export const F64: FloatFormat = { mantissa: 52, emax: 1023 };

/** A float magnitude as exact rational parts: value = m * base^e. */
type Exact = { m: bigint; base: 2n | 10n; e: number } | { special: 'inf' } | { special: 'nan'; payload?: bigint };

function parseFloatMag(s: string): Exact | undefined {
  if (s === 'inf') return { special: 'inf' };
  if (s === 'nan') return { special: 'nan' };
  if (s.startsWith('nan:0x')) {
    const p = parseNat(s.slice(4));
    return p === undefined ? undefined : { special: 'nan', payload: p };
  }
  const hex = s.startsWith('0x');
  const digits = hex ? HEX : DEC;
  const body = hex ? s.slice(2) : s;
  const m = (hex ? /^([^.pP]*)(?:\.([^pP]*))?(?:[pP]([+-]?)(.*))?$/ : /^([^.eE]*)(?:\.([^eE]*))?(?:[eE]([+-]?)(.*))?$/).exec(body);
  if (!m) return undefined;
  const [, int, frac, expSign, exp] = m;
  if (!digits.test(int)) return undefined;
  if (frac !== undefined && frac !== '' && !digits.test(frac)) return undefined;
  if (exp !== undefined && !DEC.test(exp)) return undefined;
  const fracDigits = (frac ?? '').replace(/_/g, '');
  const mant = BigInt((hex ? '0x' : '') + int.replace(/_/g, '') + fracDigits);
  let e = exp === undefined ? 0 : Number(exp.replace(/_/g, '')) * (expSign === '-' ? -1 : 1);
  if (!Number.isFinite(e)) e = expSign === '-' ? -Infinity : Infinity;
  if (hex) return { m: mant, base: 2n, e: e - 4 * fracDigits.length };
  return { m: mant, base: 10n, e: e - fracDigits.length };
}

/** Whether `s` is a float literal (fN syntax, integers included). */
export function isFloatLiteral(s: string): boolean {
  const mag = s[0] === '-' || s[0] === '+' ? s.slice(1) : s;
  return parseFloatMag(mag) !== undefined;
}

/**
 * Whether a float literal (known to be well-formed) is in range for the format: finite values
 * must not round to infinity, NaN payloads must be in [1, 2^mantissa).
 */
export function floatInRange(s: string, f: FloatFormat): boolean {
  const x = parseFloatMag(s[0] === '-' || s[0] === '+' ? s.slice(1) : s);
  if (x === undefined) return true;
  if ('special' in x) return x.special === 'inf' || x.payload === undefined || (x.payload >= 1n && x.payload < 1n << BigInt(f.mantissa));
  if (x.m === 0n) return true;
  // the value rounds to infinity iff it is >= 2^(emax+1) - 2^(emax-mantissa-1) = (2^(mantissa+2) - 1) * 2^(emax-mantissa-1)
  const limitM = (1n << BigInt(f.mantissa + 2)) - 1n;
  const limitE = f.emax - f.mantissa - 1; // power of two
  // bounds of log2(value) decide most cases and keep the exact comparison small
  const digits = x.m.toString(x.base === 2n ? 2 : 10).length;
  const scale = x.base === 2n ? 1 : Math.log2(10);
  if ((digits - 1 + x.e) * scale > f.emax + 2) return false;
  if ((digits + x.e) * scale < f.emax) return true;
  // compare m * base^e with limitM * 2^limitE, both as integers
  let lhs = x.m;
  let rhs = limitM;
  if (x.base === 2n) {
    const shift = x.e - limitE;
    if (shift >= 0) lhs <<= BigInt(shift); else rhs <<= BigInt(-shift);
  } else {
    if (x.e >= 0) lhs *= 10n ** BigInt(x.e); else rhs *= 10n ** BigInt(-x.e);
    if (limitE >= 0) rhs <<= BigInt(limitE); else lhs <<= BigInt(-limitE);
  }
  return lhs < rhs;
}

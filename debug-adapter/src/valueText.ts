/**
 * A value in the Variables view (its text, its type column) and a value typed there, through the
 * one formatter (compiler-core values/text.ts) that the CLI and the post-mortem debugger use too.
 */
import type { RuntimeValue } from './runtimeClient';
import {
  floatBitsText, locationText, parseValueText, valueText, ValueTextError, valueToWire,
} from '../../compiler-core/src/index';
import { UserError } from './userError';

export function variableText(v: RuntimeValue, funcName: (i: number) => string | undefined): string {
  return valueText(v, funcName);
}

/** The type column of a value: its type, a float's bits, where it lived natively. */
export function valueTypeText(v: RuntimeValue, arch: 'x86_64' | 'aarch64'): string {
  const detail: string[] = [v.type];
  const bits = floatBitsText(v);
  if (bits) detail.push(`bits ${bits}`);
  if (v.place) detail.push(`@ ${locationText(arch, v.place)}`);
  else if (v.address) detail.push(`@ [${v.address}]`);
  return detail.join(' ');
}

/** A value typed in the Variables view, as the bits the runtime's set_local and set_global take. */
export function encodeValue(type: RuntimeValue['type'], text: string): string {
  if (type === 'externref') throw new UserError('values of type externref cannot be set');
  try {
    return valueToWire(parseValueText(type, text)).bits;
  } catch (e) {
    if (e instanceof ValueTextError) throw new UserError(e.message);
    throw e;
  }
}

/** A v128's lanes in one shape, as its child in the Variables view shows them. */
export function lanesText(lanes: string[]): string {
  return `[${lanes.join(', ')}]`;
}

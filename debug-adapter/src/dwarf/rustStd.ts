/**
 * Rust's String and Vec as a Rust debugger shows them. The DWARF engine has no Rust formatters:
 * it shows them as their structs (`alloc::string::String { vec: Vec<u8> { buf: RawVec { ptr, cap },
 * len } }`). Here a String becomes its text and a Vec its elements, read through the engine with
 * the field paths of rustc 1.63's standard library (the one Debian ships for wasm32-wasi); a
 * layout that does not answer to them is left as the engine shows it.
 */
import type { DwarfEngine } from './engine';
import type { SourceFrame } from './sourceValues';

/** Elements of a Vec shown at most (the view opens them all at once). */
export const MAX_ELEMENTS = 1000;
/** Bytes of a String read at most. */
const MAX_TEXT = 4096;

export type RustView = { text: string; elements?: { count: number; element(i: number): string } };

const STRING = /^alloc::string::String$/;
const VEC = /^alloc::vec::Vec<(.+), alloc::alloc::Global>$/;

/** A type rustView shows in its own way. */
export function isRustStd(type: string): boolean {
  return STRING.test(type) || VEC.test(type);
}

/** How a value at `path` of type `type` shows, when it is a String or a Vec; undefined otherwise. */
export async function rustView(engine: DwarfEngine, frame: SourceFrame, path: string, type: string): Promise<RustView | undefined> {
  const number = async (expr: string): Promise<number | undefined> => {
    const v = await engine.evaluate(expr, frame.offset, frame.inline, frame.values).catch(() => undefined);
    const n = Number(v?.value.value ?? v?.value.description);
    return v && Number.isSafeInteger(n) ? n : undefined;
  };
  if (STRING.test(type)) {
    const len = await number(`${path}.vec.len`);
    const addr = await pointerAddress(engine, frame, `${path}.vec.buf.ptr.pointer.pointer`);
    if (len === undefined || addr === undefined) return undefined;
    const bytes = await frame.values.readMemory(addr, Math.min(len, MAX_TEXT)).catch(() => undefined);
    if (!bytes) return undefined;
    return { text: JSON.stringify(Buffer.from(bytes).toString('utf8')) + (len > MAX_TEXT ? '…' : '') };
  }
  const vec = VEC.exec(type);
  if (vec) {
    const len = await number(`${path}.len`);
    if (len === undefined) return undefined;
    return {
      text: `Vec<${vec[1]}> (len ${len})`,
      elements: { count: Math.min(len, MAX_ELEMENTS), element: (i) => `${path}.buf.ptr.pointer.pointer[${i}]` },
    };
  }
  return undefined;
}

/** The address a pointer expression holds (the engine names what it points to by that address). */
async function pointerAddress(engine: DwarfEngine, frame: SourceFrame, expr: string): Promise<number | undefined> {
  const v = await engine.evaluate(expr, frame.offset, frame.inline, frame.values).catch(() => undefined);
  const id = v?.value.objectId;
  if (!id) return undefined;
  const name = (await engine.properties(id).catch(() => []))[0]?.name;
  return name && /^0x[0-9a-f]+$/i.test(name) ? Number(name) : undefined;
}


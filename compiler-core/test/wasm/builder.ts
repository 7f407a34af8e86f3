/** Tiny helpers to hand-assemble Wasm binaries in tests. */

export type Bytes = number[];

export function u32(n: number): Bytes {
  const out: Bytes = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

export function s32(n: number): Bytes {
  return s64(BigInt(n));
}

export function s64(v: bigint): Bytes {
  const out: Bytes = [];
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && !(b & 0x40)) || (v === -1n && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

export function str(s: string): Bytes {
  const b = [...Buffer.from(s, 'utf8')];
  return [...u32(b.length), ...b];
}

export function vec(items: Bytes[]): Bytes {
  return [...u32(items.length), ...items.flat()];
}

export function section(id: number, content: Bytes): Bytes {
  return [id, ...u32(content.length), ...content];
}

export const HEADER: Bytes = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

export function wasm(...sections: Bytes[]): Uint8Array {
  return Uint8Array.from([...HEADER, ...sections.flat()]);
}

/** A function body: locals as [count, type] groups, then code bytes (the final `end` included). */
export function body(locals: [number, number][], code: Bytes): Bytes {
  const content = [...vec(locals.map(([n, t]) => [...u32(n), t])), ...code];
  return [...u32(content.length), ...content];
}

export const I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b, FUNCREF = 0x70, EXTERNREF = 0x6f;

export function functype(params: number[], results: number[]): Bytes {
  return [0x60, ...vec(params.map((p) => [p])), ...vec(results.map((r) => [r]))];
}

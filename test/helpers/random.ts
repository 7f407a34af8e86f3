/**
 * Seeded randomness for the tests: every random moment, mutant and module can be replayed from a
 * seed the test prints. mulberry32: small, fast and good enough for test inputs.
 */
export class Mulberry32 {
  private state: number;
  constructor(seed: number) { this.state = seed >>> 0; }
  /** uniform in [0, 2^32) */
  u32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** uniform in [0, 1) */
  next(): number { return this.u32() / 4294967296; }
  chance(p: number): boolean { return this.next() < p; }
}

/** A generator as a function returning [0, 1). */
export function prng(seed: number): () => number {
  const r = new Mulberry32(seed);
  return () => r.next();
}

/** The seed of item `index` of a run seeded `seed` (murmur3's finaliser): items replay one by one. */
export function itemSeed(seed: number, index: number): number {
  let h = (seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

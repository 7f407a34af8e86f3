/**
 * The binary search over sorted offsets that the instrumentation and the debugger share: the
 * first index in [0, length) at which `before` turns false (`before` holds for a prefix, then
 * not). `i => a[i] < x` gives the first element not below x; `i => a[i] <= x`, the first above it.
 */
export function partitionPoint(length: number, before: (i: number) => boolean): number {
  let lo = 0, hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (before(mid)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

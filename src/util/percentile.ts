/** Nearest-rank percentile of ascending samples (p in 0..1); NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

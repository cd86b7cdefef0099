/** Nearest-rank percentile of ascending samples (p in 0..1); NaN when there are none. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/**
 * Said next to a p99 of `count` samples when the nearest rank is the largest sample (up to 100
 * samples), so a reader does not take it for a tail estimate.
 */
export function p99IsMaxNote(count: number): string {
  return Math.ceil(0.99 * count) >= count ? ` (= the maximum: N = ${count})` : '';
}

/**
 * Time seam. All durations are measured on a monotonic clock: the machines' wall clocks may read
 * anything (a far-future date here), so nothing compares wall-clock times.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock; only differences are meaningful. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a cancel function. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const monotonicClock: Clock = {
  now: () => Number(process.hrtime.bigint() / 1_000_000n),
  setTimer: (ms, fn) => {
    const t = setTimeout(fn, ms);
    return () => clearTimeout(t);
  },
};

/** Loss, latency and jitter of one kind of probe to one peer. */
export interface ProbeStats {
  sent: number;
  received: number;
  lossPercent: number;
  /** Round-trip times in ms; null when nothing came back. */
  rttMinMs: number | null;
  rttAvgMs: number | null;
  rttMaxMs: number | null;
  /** Mean absolute difference of consecutive round trips (RFC 3550's idea without smoothing). */
  jitterMs: number | null;
}

const round = (ms: number) => Math.round(ms * 1000) / 1000;

/** rtts: the round trips of the answered probes in the order they were sent. */
export function probeStats(sent: number, rtts: number[]): ProbeStats {
  const received = rtts.length;
  const lossPercent = sent === 0 ? 0 : round((100 * (sent - received)) / sent);
  if (received === 0) return { sent, received, lossPercent, rttMinMs: null, rttAvgMs: null, rttMaxMs: null, jitterMs: null };
  const diffs = rtts.slice(1).map((rtt, i) => Math.abs(rtt - (rtts[i] ?? rtt)));
  return {
    sent,
    received,
    lossPercent,
    rttMinMs: round(Math.min(...rtts)),
    rttAvgMs: round(rtts.reduce((a, b) => a + b, 0) / received),
    rttMaxMs: round(Math.max(...rtts)),
    jitterMs: diffs.length === 0 ? 0 : round(diffs.reduce((a, b) => a + b, 0) / diffs.length),
  };
}

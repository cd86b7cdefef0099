import { table } from '../util/text-table';
import type { NetReport } from './net-probe';
import type { ProbeStats } from './net-stats';

const cell = (s: ProbeStats | null) => (s === null ? 'n/a' : `${s.lossPercent}% ${s.rttAvgMs === null ? '-' : `${s.rttAvgMs.toFixed(3)}±${(s.jitterMs ?? 0).toFixed(3)}`}`);

export function renderNetReport(r: NetReport): string {
  const rows = r.pairs.map((p) => [`${p.from} -> ${p.to}`, cell(p.unicast), cell(p.multicast), `${p.mtu.lossPercent}%`]);
  return [
    `probes from ${r.self.name} (${r.self.address}), UDP port ${r.port}, multicast ${r.group}${r.multicast.available ? '' : ` unavailable: ${r.multicast.error ?? ''}`}, ${r.durationMs} ms`,
    '',
    table(['path', 'unicast loss avg±jitter ms', 'multicast loss avg±jitter ms', `mtu ${r.pairs[0]?.mtuBytes ?? ''} loss`], rows),
    '',
    ...r.pairs.map((p) => `${p.ok ? 'ok  ' : 'FAIL'} ${p.verdict}`),
  ].join('\n');
}

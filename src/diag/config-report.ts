import { table } from '../util/text-table';
import type { ConfigReport } from './config-checks';

const marks = { ok: 'ok  ', warning: 'WARN', error: 'FAIL' } as const;

export function renderConfigReport(r: ConfigReport): string {
  return [
    ...r.checks.map((c) => `${marks[c.level]} ${c.check}: ${c.message}`),
    '',
    `safety bound: lock lease L ${r.safety.leaseMs} ms ${r.safety.ok ? '>' : 'NOT >'} ${r.safety.requiredMs} ms, the sum of`,
    table(['term', 'ms', 'why'], r.safety.terms.map((t) => [t.name, String(t.ms), t.why])),
    '',
    r.ok ? 'configuration: ok' : 'configuration: FAILED (see FAIL lines)',
  ].join('\n');
}

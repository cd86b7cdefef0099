import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arbiterMetrics } from '../../../src/metrics/arbiter-metrics';
import { daemonMetrics } from '../../../src/metrics/daemon-metrics';
import { muxMetrics } from '../../../src/metrics/mux-metrics';
import { ArbiterCore, defaultArbiterSettings } from '../../../src/qdevice/arbiter';
import { createLogger } from '../../../src/util/logger';
import { skipWithoutPromtool } from '../../support/promtool';
import { sampleDaemon } from '../metrics/sample-daemon';

const dir = join(__dirname, '../../../../monitoring');

interface Panel { title: string; type: string; id: number; targets?: { expr: string }[] }

function promtool(args: string[], cwd = dir): string {
  const result = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  assert.equal(result.status, 0, `promtool ${args.join(' ')}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** Every metric name the three components expose (histograms with their series suffixes). */
async function exposedNames(): Promise<Set<string>> {
  const daemon = daemonMetrics();
  daemon.follow(sampleDaemon().sources);
  const registries = [daemon.registry, muxMetrics(() => ({ device: 'x', identity: null, armed: false, timeoutMs: null, resetBoundMs: null, lastFeedAgoMs: null, tripped: null, leases: [], bootStatus: null })).registry,
    arbiterMetrics(new ArbiterCore(defaultArbiterSettings, createLogger('arbiter', 'error'))).registry];
  const names = new Set<string>();
  for (const registry of registries) {
    for (const metric of await registry.getMetricsAsJSON()) {
      names.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${metric.name}${suffix}`);
    }
  }
  return names;
}

const metricNames = (expr: string) => expr.match(/\b(?:quorate|process|nodejs)_[a-z0-9_]+\b/g) ?? [];

describe('monitoring: the example alert rules and Grafana dashboard', function () {
  const dashboard = JSON.parse(readFileSync(join(dir, 'grafana-dashboard.json'), 'utf8')) as { panels: Panel[] };
  const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })));
  const rules = readFileSync(join(dir, 'alerts.yml'), 'utf8');

  before(function () {
    skipWithoutPromtool(this);
  });

  it('the alert rules pass promtool check rules, and their tests (each alert fires on its series) pass', () => {
    assert.match(promtool(['check', 'rules', 'alerts.yml']), /SUCCESS: 6 rules found/);
    promtool(['test', 'rules', 'alerts.test.yml']);
    for (const alert of ['QuorateQuorumLost', 'QuorateWatchdogSlackLow', 'QuorateArbiterVoteLost', 'QuorateServiceInError']) assert.ok(rules.includes(`alert: ${alert}\n`), alert);
  });

  it("every dashboard query is PromQL that promtool accepts (checked as recording rules)", () => {
    assert.ok(queries.length > 20);
    const tmp = mkdtempSync(join(tmpdir(), 'quorate-dashboard-'));
    try {
      const asRules = { groups: [{ name: 'dashboard', rules: queries.map((q, i) => ({ record: `dashboard:query_${i}`, expr: q.expr })) }] };
      writeFileSync(join(tmp, 'dashboard-rules.yml'), JSON.stringify(asRules));
      promtool(['check', 'rules', 'dashboard-rules.yml'], tmp);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    assert.equal(new Set(dashboard.panels.map((p) => p.id)).size, dashboard.panels.length, 'panel ids are unique');
  });

  it('the dashboard and the rules use only metrics the components expose', async () => {
    const exposed = await exposedNames();
    const unknown = [...queries.flatMap((q) => metricNames(q.expr)), ...metricNames(rules)].filter((n) => !exposed.has(n));
    assert.deepEqual([...new Set(unknown)], []);
  });
});

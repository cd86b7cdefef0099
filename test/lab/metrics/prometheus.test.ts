import assert from 'node:assert/strict';
import { addDemoService, demoService } from '../../../src/lab/demo';
import { injectAndMeasure } from '../../../src/lab/failover';
import { LabHaCluster } from '../../../src/lab/ha-cluster';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { ServiceProbe } from '../../../src/lab/service-probe';
import { defaultMetricsPorts } from '../../../src/metrics/listen';
import { ourArbiter } from '../../support/arbiter-lab';
import { skipWithoutLab } from '../../support/lab';
import { PrometheusServer, skipWithoutPrometheus, type PromSample } from '../../support/prometheus';

/**
 * A real Prometheus on the lab's switch (outside every host) scrapes both nodes' daemons and
 * multiplexers and our arbiter every second while node1, which runs the service, loses power;
 * the failover is then read back from Prometheus' query API, as an operator's dashboard would.
 */
describe('metrics: Prometheus scrapes the lab through a failover', function () {
  let lab: NamespaceLab;
  let ha: LabHaCluster;
  let probe: ServiceProbe;
  let prometheus: PrometheusServer;
  const instance = (host: string, component: keyof typeof defaultMetricsPorts) => `${lab.host(host as 'node1').address}:${defaultMetricsPorts[component]}`;

  before(async function () {
    skipWithoutLab(this);
    skipWithoutPrometheus(this);
    const arbiter = ourArbiter() as { command: string[] };
    lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated', arbiter: { command: [...arbiter.command, '--metrics', `{address}:${defaultMetricsPorts.arbiter}`] } });
    ha = await LabHaCluster.start(lab, {
      extraConfig: { metrics: { listen: `0.0.0.0:${defaultMetricsPorts.daemon}` } },
      muxArgs: ['--metrics', `0.0.0.0:${defaultMetricsPorts['watchdog-mux']}`],
    });
    const client = await lab.client();
    prometheus = await PrometheusServer.start(client.netns, client.address, [
      { job: 'quorate-daemon', targets: ha.nodes.map((n) => instance(n, 'daemon')) },
      { job: 'quorate-watchdog-mux', targets: ha.nodes.map((n) => instance(n, 'watchdog-mux')) },
      { job: 'quorate-arbiter', targets: [instance('arbiter', 'arbiter')] },
    ]);
    await addDemoService(ha);
    probe = await ServiceProbe.start(lab, demoService.address, demoService.port);
  });

  after(async () => {
    await prometheus?.stop();
    await probe?.stop();
    await ha?.stop();
    await lab?.down();
  });

  const byInstance = (samples: PromSample[]) => Object.fromEntries(samples.map((s) => [s.metric.instance, Number(s.value[1])]));

  it('scrapes every endpoint: both daemons quorate with three votes, the service started, the arbiter with two clients', async () => {
    await prometheus.waitFor('up', (s) => s.length === 5 && s.every((x) => x.value[1] === '1'), 30_000);
    await prometheus.waitFor('quorate_ha_services{state="started"}', (s) => s.length === 2 && s.every((x) => x.value[1] === '1'), 60_000);
    assert.deepEqual(byInstance(await prometheus.query('quorate_cluster_votes')), { [instance('node1', 'daemon')]: 3, [instance('node2', 'daemon')]: 3 });
    assert.equal(await prometheus.value('sum(quorate_ha_master)'), 1, 'one master');
    assert.equal(await prometheus.value('quorate_arbiter_clients'), 2);
    assert.equal(await prometheus.value('count(quorate_watchdog_lease_slack_seconds{client="lrm"} > 0)'), 1, 'node1 feeds its watchdog for the service');
  });

  it('reads the failover back: node1 down, node2 alone with the arbiter, the service running there, and how long it took', async () => {
    const run = await injectAndMeasure(ha, probe, 'power-loss', 60_000);
    assert.equal(run.to, 'node2');
    const node2 = instance('node2', 'daemon');
    // The last sample within 5 min: a scrape of a busy node that timed out makes the instant value stale.
    const last = (series: string) => `last_over_time(${series}[5m])`;
    const samples = await prometheus.waitFor(last(`quorate_ha_failover_duration_seconds_count{instance="${node2}"}`), (s) => s[0]?.value[1] === '1', 30_000);
    assert.equal(samples.length, 1);
    const seconds = await prometheus.value(last(`quorate_ha_failover_duration_seconds_sum{instance="${node2}"}`));
    console.log(`      failover: probe ${run.failoverMs ?? '-'} ms; Prometheus (node1 out of the membership → recorded running on node2) ${seconds === undefined ? '-' : (seconds * 1000).toFixed(0)} ms`);
    assert.ok(seconds !== undefined && seconds > 0);
    assert.equal(await prometheus.value(`up{instance="${instance('node1', 'daemon')}"}`), 0, 'node1 no longer answers');
    assert.equal(await prometheus.value(last(`quorate_cluster_members{instance="${node2}"}`)), 1);
    assert.equal(await prometheus.value(last(`quorate_cluster_quorate{instance="${node2}"}`)), 1, 'node2 stays quorate with the arbiter');
    assert.equal(await prometheus.value(last(`quorate_ha_master{instance="${node2}"}`)), 1);
    assert.equal(await prometheus.value(last(`quorate_ha_services{instance="${node2}",state="started"}`)), 1);
    assert.ok((await prometheus.value(`increase(quorate_cluster_ring_changes_total{instance="${node2}"}[5m])`) ?? 0) >= 1, 'node2 saw the ring change');
    assert.equal(await prometheus.value('min_over_time(quorate_arbiter_clients[5m])'), 1, "the arbiter lost node1's client");
    assert.ok((await prometheus.value('sum(quorate_arbiter_votes_sent_total{algorithm="ffsplit",vote="ack"})') ?? 0) >= 1, 'the arbiter sent ffsplit ACKs');
    assert.equal(await prometheus.value(`${last(`quorate_watchdog_lease_slack_seconds{instance="${instance('node2', 'watchdog-mux')}",client="lrm"}`)} > 0`) !== undefined, true,
      'node2 feeds its watchdog for the service now');
  });
});

import assert from 'node:assert/strict';
import net from 'node:net';
import { arbiterMetrics } from '../../../src/metrics/arbiter-metrics';
import { daemonMetrics } from '../../../src/metrics/daemon-metrics';
import { serveMetrics, startMetricsServer, type MetricsServer } from '../../../src/metrics/http-server';
import { muxMetrics } from '../../../src/metrics/mux-metrics';
import { startArbiter, type ArbiterServer } from '../../../src/qdevice/arbiter';
import * as b from '../../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, MsgType } from '../../../src/qdevice/protocol/constants';
import { Framer } from '../../../src/qdevice/protocol/framing';
import { createLogger } from '../../../src/util/logger';
import { MuxCore } from '../../../src/watchdog/mux-core';
import { SimClock } from '../../../src/util/sim-clock';
import { promtoolCheckMetrics, skipWithoutPromtool } from '../../support/promtool';
import { FakeDevice, captureLog, memoryMarker } from '../watchdog/fake-device';
import { sampleDaemon } from './sample-daemon';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function scrape(server: MetricsServer, path = '/metrics'): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${server.address().port}${path}`);
  return { status: response.status, text: await response.text() };
}

/** The value of one sample, `name{labels}` exactly as exposed. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics endpoints: what each component serves, clean for promtool', function () {
  let servers: MetricsServer[] = [];
  before(function () {
    skipWithoutPromtool(this);
  });
  afterEach(async () => {
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });
  const serve = async (registry: Parameters<typeof startMetricsServer>[0]) => {
    const server = await startMetricsServer(registry, { host: '127.0.0.1', port: 0 }, quiet);
    servers.push(server);
    return server;
  };

  describe('the arbiter', () => {
    let arbiter: ArbiterServer;
    afterEach(() => arbiter?.close());

    it('counts messages by type, errors, votes and clusters of real clients', async () => {
      arbiter = await startArbiter({ host: '127.0.0.1', port: 0 }, createLogger('arbiter', 'error'));
      const server = await serve(arbiterMetrics(arbiter.core).registry);
      const socket = net.connect({ host: '127.0.0.1', port: arbiter.address()!.port });
      const received: number[] = [];
      const framer = new Framer(32768);
      socket.on('data', (chunk: Buffer) => {
        framer.push(chunk);
        for (let ev = framer.next(); ev; ev = framer.next()) if (ev.kind === 'message') received.push(ev.type);
      });
      socket.write(b.preinit(1, 'metrics'));
      socket.write(b.init({ seq: 2, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1,
        algorithm: 1, heartbeatInterval: 10000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } }));
      // A message of an unknown type: the arbiter answers an error.
      socket.write(Buffer.from([0xff, 0xff, 0, 0, 0, 0]));
      while (!received.includes(MsgType.InitReply) || !received.includes(MsgType.ServerError)) await new Promise((r) => setTimeout(r, 5));
      const { text } = await scrape(server);
      socket.destroy();
      assert.equal(sample(text, 'quorate_arbiter_clients'), 1);
      assert.equal(sample(text, 'quorate_arbiter_clusters'), 1);
      assert.equal(sample(text, 'quorate_arbiter_messages_received_total{type="preinit"}'), 1);
      assert.equal(sample(text, 'quorate_arbiter_messages_received_total{type="init"}'), 1);
      assert.equal(sample(text, 'quorate_arbiter_messages_received_total{type="echo_request"}'), 0, 'every type from the start');
      assert.equal(sample(text, 'quorate_arbiter_errors_sent_total{code="unsupported_message"}'), 1);
      assert.equal(sample(text, 'quorate_arbiter_tls_handshakes_total{outcome="ok"}'), 0);
      assert.ok((sample(text, 'process_resident_memory_bytes') ?? 0) > 0);
      assert.equal(promtoolCheckMetrics(text), '');
    });
  });

  describe('the watchdog multiplexer', () => {
    it("shows the device armed, its time left and every lease's slack", async () => {
      const clock = new SimClock();
      const mux = new MuxCore({ openDevice: async () => new FakeDevice(clock), deviceName: 'fake0', timeoutSeconds: 10, clock, log: captureLog(), marker: memoryMarker() });
      const server = await serve(muxMetrics(() => mux.status()).registry);
      assert.equal(sample((await scrape(server)).text, 'quorate_watchdog_armed'), 0);
      await mux.openLease({ client: 'lrm', deadlineMs: 4000 });
      clock.advance(1500);
      const { text } = await scrape(server);
      mux.dispose();
      assert.equal(sample(text, 'quorate_watchdog_armed'), 1);
      assert.equal(sample(text, 'quorate_watchdog_timeout_seconds'), 10);
      assert.equal(sample(text, 'quorate_watchdog_expiry_seconds'), 8.5);
      assert.equal(sample(text, 'quorate_watchdog_lease_slack_seconds{client="lrm"}'), 2.5);
      assert.equal(sample(text, 'quorate_watchdog_feeding_stopped'), 0);
      assert.equal(promtoolCheckMetrics(text), '');
    });
  });

  describe('the node daemon', () => {
    it('shows quorum, votes, the HA state and the store, and times store effects', async () => {
      const daemon = sampleDaemon();
      const metrics = daemonMetrics();
      const unfollow = metrics.follow(daemon.sources);
      daemon.changeRing('1.8');
      assert.equal(await metrics.timeEffect({ kind: 'lock', op: 'renew', lock: 'ha-agent-node1' }, async () => true), true);
      metrics.stalled(700);
      const server = await serve(metrics.registry);
      const { text } = await scrape(server);
      unfollow();
      const expected: Record<string, number> = {
        quorate_cluster_quorate: 1, quorate_cluster_votes: 3, quorate_cluster_expected_votes: 3, quorate_cluster_members: 2,
        quorate_cluster_ring_changes_total: 1, quorate_qdevice_voting: 1, 'quorate_qdevice_vote{vote="ack"}': 1, 'quorate_qdevice_vote{vote="nack"}': 0,
        quorate_qdevice_last_ack_age_seconds: 1, quorate_ha_master: 1, quorate_ha_watchdog_armed: 1,
        'quorate_ha_services{state="started"}': 1, 'quorate_ha_services{state="error"}': 1, 'quorate_ha_services{state="fence"}': 0,
        'quorate_ha_lock_age_seconds{lock="ha-manager"}': 0.25, quorate_store_version: 42, quorate_ha_lock_renew_duration_seconds_count: 1,
        'quorate_store_commit_duration_seconds_count{effect="lock-renew",outcome="applied"}': 1, quorate_event_loop_stalls_total: 1,
        quorate_ha_failover_duration_seconds_count: 0, 'quorate_node_resets_total{node="node2",condition="deadline-missed"}': 2,
        'quorate_fence_device_up{device="ipmi-node2",node="node2",checked_by="node1"}': 0,
        'quorate_fence_device_checked_timestamp_seconds{device="ipmi-node2",node="node2",checked_by="node1"}': Date.parse('2026-12-03T12:00:00.000Z') / 1000,
      };
      for (const [series, value] of Object.entries(expected)) assert.equal(sample(text, series), value, series);
      assert.equal(promtoolCheckMetrics(text), '');
    });
  });

  it('serves /metrics only', async () => {
    const server = await serve(muxMetrics(() => ({ device: 'x', identity: null, armed: false, timeoutMs: null, resetBoundMs: null, lastFeedAgoMs: null, tripped: null, leases: [], bootStatus: null })).registry);
    assert.equal((await scrape(server, '/')).status, 404);
    assert.equal((await fetch(`http://127.0.0.1:${server.address().port}/metrics`, { method: 'POST' })).status, 405);
  });

  it('runs on without /metrics when the port is taken, saying so', async () => {
    const registry = muxMetrics(() => ({ device: 'x', identity: null, armed: false, timeoutMs: null, resetBoundMs: null, lastFeedAgoMs: null, tripped: null, leases: [], bootStatus: null })).registry;
    const taken = await serve(registry);
    const errors: string[] = [];
    const second = await serveMetrics(registry, { host: '127.0.0.1', port: taken.address().port }, { ...quiet, error: (m) => errors.push(m) });
    assert.equal(second, null);
    assert.match(errors.join('\n'), /metrics: cannot serve on 127\.0\.0\.1:\d+ \(.*EADDRINUSE.*\); running without \/metrics/);
  });
});

import assert from 'node:assert/strict';
import type { FenceResult } from '../../../src/fence/agent';
import { parseFencing, type FenceDevice } from '../../../src/fence/config';
import { checkDevices, devicesToWatch, FenceMonitor, nextCheckDelayMs, type DeviceHealth } from '../../../src/fence/monitor';
import { deviceHealthPublisher, fenceHealthDoc } from '../../../src/daemon/fence-health';
import type { ClusterStore } from '../../../src/store';

const device = (name: string, ip: string) => ({ name, agent: 'fence_ipmilan', options: { ip } });
const fencing = parseFencing({
  nodes: { node1: [device('ipmi-node1', '10.0.0.1'), device('pdu-node1', '10.0.0.9')], node2: [device('ipmi-node2', '10.0.0.2')], node3: [device('ipmi-node3', '10.0.0.3')] },
});
const statusOn = (d: FenceDevice): FenceResult => ({ ok: true, power: 'on', device: d.name, action: 'status', exitCode: 0, durationMs: 80.4 });
const unreachable = (d: FenceDevice): FenceResult => ({ ok: false, reason: 'Connection timed out (exit 1)', device: d.name, action: 'status', exitCode: 1, durationMs: 20_100 });
const at = () => new Date('2026-12-03T16:00:00.000Z');

describe('fence device monitoring', () => {
  it('checks every level of every other node (the devices this node would use), never its own', () => {
    assert.deepEqual(devicesToWatch(fencing, 'node2').map((w) => [w.node, w.level, w.device.name]),
      [['node1', 1, 'ipmi-node1'], ['node1', 2, 'pdu-node1'], ['node3', 1, 'ipmi-node3']]);
  });

  it('reports each device ok with its power, or failed with the agent\'s reason, and a check that throws as failed', async () => {
    const health = await checkDevices(fencing, 'node2', async (d) => {
      if (d.name === 'pdu-node1') return unreachable(d);
      if (d.name === 'ipmi-node3') throw new Error('/etc/quorate/fence-secrets.json holds fence secrets but has mode 0644');
      return statusOn(d);
    }, at);
    assert.deepEqual(health, [
      { device: 'ipmi-node1', node: 'node1', level: 1, ok: true, power: 'on', at: '2026-12-03T16:00:00.000Z', durationMs: 80 },
      { device: 'pdu-node1', node: 'node1', level: 2, ok: false, reason: 'Connection timed out (exit 1)', at: '2026-12-03T16:00:00.000Z', durationMs: 20_100 },
      { device: 'ipmi-node3', node: 'node3', level: 1, ok: false, reason: '/etc/quorate/fence-secrets.json holds fence secrets but has mode 0644', at: '2026-12-03T16:00:00.000Z', durationMs: 0 },
    ]);
  });

  it('jitters the interval by the given share both ways', () => {
    assert.equal(nextCheckDelayMs(60_000, 0.1, () => 0), 54_000);
    assert.equal(nextCheckDelayMs(60_000, 0.1, () => 0.5), 60_000);
    assert.equal(nextCheckDelayMs(60_000, 0.1, () => 0.999_999), 66_000);
  });

  it('the monitor checks at once, reports each round, and stops', async () => {
    const rounds: DeviceHealth[][] = [];
    let calls = 0;
    const monitor = new FenceMonitor({
      fencing, self: 'node1', intervalMs: 1000, jitter: 0, report: (h) => rounds.push(h),
      check: async (d) => {
        calls += 1;
        return statusOn(d);
      },
    });
    monitor.start();
    await new Promise((r) => setImmediate(r));
    monitor.stop();
    assert.equal(rounds.length, 1);
    assert.deepEqual(rounds[0]?.map((h) => [h.device, h.ok]), [['ipmi-node2', true], ['ipmi-node3', true]]);
    assert.equal(calls, 2);
  });

  it('the interval is 60 s by default; 0 turns monitoring off; a too short one is refused by name', () => {
    assert.equal(parseFencing({}).monitorIntervalMs, 60_000);
    assert.equal(parseFencing({ monitorIntervalMs: 0 }).monitorIntervalMs, 0);
    assert.throws(() => parseFencing({ monitorIntervalMs: 200 }), /monitorIntervalMs: must be 0 \(no monitoring\) or a whole number of ms ≥ 1000/);
  });
});

/** The store as the publisher uses it (its seam): quorate or not, writes recorded. */
function fakeStore() {
  const listeners = new Set<() => void>();
  const puts: { key: string; value: unknown }[] = [];
  const store = {
    current: true, synchronising: false, quorate: false,
    status() { return { quorate: this.quorate }; },
    onChange: (l: () => void) => { listeners.add(l); return () => listeners.delete(l); },
    put: async (type: { name: string }, key: string, value: unknown) => {
      assert.equal(type.name, fenceHealthDoc.name);
      puts.push({ key, value });
      return puts.length;
    },
  };
  return { store, puts, change: () => { for (const l of listeners) l(); }, listeners };
}

describe('fence device health in the store', () => {
  it('waits for a quorate store, then writes only the latest round under this node\'s key; logs a device turning failed once', async () => {
    const f = fakeStore();
    const warnings: string[] = [];
    const publisher = deviceHealthPublisher(f.store as unknown as ClusterStore, 'node2', { warn: (m) => warnings.push(m) });
    const round = (ok: boolean): DeviceHealth[] => [{ device: 'ipmi-node1', node: 'node1', level: 1, ok, ...(ok ? { power: 'on' as const } : { reason: 'Connection timed out (exit 1)' }), at: 'x', durationMs: 1 }];
    publisher.report(round(false));
    publisher.report(round(false));
    assert.deepEqual(f.puts, [], 'no write without quorum');
    f.store.quorate = true;
    f.change();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(f.puts, [{ key: 'node2', value: { devices: round(false) } }]);
    assert.deepEqual(warnings, ['fence device ipmi-node1 (level 1 of node1) would fail: Connection timed out (exit 1)']);
    publisher.report(round(true));
    await new Promise((r) => setImmediate(r));
    assert.equal(f.puts.length, 2);
    assert.match(warnings[1] ?? '', /ipmi-node1 .* answers again/);
    publisher.close();
    assert.equal(f.listeners.size, 0);
  });
});

import assert from 'node:assert/strict';
import { NamespaceLab } from '../../../src/lab/namespace-lab';
import { monotonicClock } from '../../../src/util/clock';
import type { CpgConfchg } from '../../../src/native/cpg';
import { skipWithoutLab } from '../../support/lab';
import { stopProgram } from './host-programs';
import { Probe, ProbeError } from './probe-client';

interface Delivered {
  nodeId: number;
  text: string;
}

/** A totem ring as the probe reports it (the seq, a bigint, travels as a string). */
interface TotemRing {
  ringId: { nodeId: number; seq: string };
  members: number[];
}

/** libcpg through the addon, inside two lab nodes on real corosync (fast profile). */
describe('native cpg (real corosync)', function () {
  let lab: NamespaceLab | undefined;
  const probes: Probe[] = [];
  const group = 'quorate-order';

  before(async function () {
    skipWithoutLab(this);
    lab = await NamespaceLab.up({ profile: 'fast' });
    console.log(`      lab bring-up: ${lab.upDurationMs} ms`);
    for (const host of ['node1', 'node2'] as const) {
      const probe = await Probe.start(lab, host);
      probes.push(probe);
      await probe.call('cpg.open', { group });
    }
    // Both see the group with both members before anything is sent.
    await Promise.all(probes.map((p) => p.waitFor<CpgConfchg>('cpg.confchg', (c) => c.members.length === 2, 10_000)));
  });

  after(async () => {
    await Promise.all(probes.map((p) => p.stop()));
    await lab?.down();
  });

  it('delivers messages sent concurrently from both nodes in the same order on both', async () => {
    const perNode = 300;
    const started = monotonicClock.now();
    await Promise.all(probes.map((p, i) => p.call('cpg.burst', { prefix: `n${i + 1}-`, count: perNode })));
    const streams = await Promise.all(probes.map(async (p) => {
      await p.waitFor<Delivered>('cpg.deliver', () => p.seen('cpg.deliver').length >= 2 * perNode, 30_000);
      return p.seen<Delivered>('cpg.deliver').map((d) => d.text);
    }));
    console.log(`      ${2 * perNode} messages delivered on both nodes in ${monotonicClock.now() - started} ms`);
    const [first = [], second = []] = streams;
    assert.equal(first.length, 2 * perNode);
    assert.deepEqual(second, first, 'agreed order: both nodes deliver the same sequence');
    // The senders really interleaved, or the test proves nothing about ordering.
    const switches = first.filter((t, i) => i > 0 && t.slice(0, 2) !== (first[i - 1] ?? '').slice(0, 2)).length;
    console.log(`      sender switches in the agreed stream: ${switches}`);
    assert.ok(switches > 0, 'the two bursts overlapped in the agreed stream');
    // Each sender's own messages keep their order.
    for (const prefix of ['n1-', 'n2-']) {
      const own = first.filter((t) => t.startsWith(prefix));
      assert.deepEqual(own, Array.from({ length: perNode }, (_, i) => `${prefix}${i}`));
    }
  });

  it('reports the confchg on the survivor when a node loses its link', async () => {
    const [survivor] = probes;
    await survivor!.call('votequorum.open');
    const cutAt = monotonicClock.now();
    await lab!.cutLink('node2');
    const change = await survivor!.waitFor<CpgConfchg>('cpg.confchg', (c) => c.left.some((a) => a.nodeId === 2), 20_000);
    console.log(`      confchg (node2 left) on node1 after ${monotonicClock.now() - cutAt} ms`);
    assert.deepEqual(change.members.map((m) => m.nodeId), [1]);
    // cpg_reason_t CPG_REASON_NODEDOWN: the node went away, not the process.
    assert.equal(change.left.find((a) => a.nodeId === 2)?.reason, 3);
  });

  it('announces the new totem ring (the id votequorum reports) before any message delivered in it', async () => {
    const [survivor] = probes;
    const ring = await survivor!.waitFor<TotemRing>('cpg.totemConfchg', (t) => t.members.length === 1, 20_000);
    const voted = await survivor!.waitFor<TotemRing>('votequorum.nodelist', (n) => n.members.length === 1, 20_000);
    // The integrated vote condition compares the arbiter's ACK (given for votequorum's ring id) with CPG's ring.
    assert.deepEqual(ring.ringId, voted.ringId);
    await survivor!.call('cpg.burst', { prefix: 'after-cut-', count: 1 });
    await survivor!.waitFor<Delivered>('cpg.deliver', (d) => d.text === 'after-cut-0', 10_000);
    const order = survivor!.events.map((e) => e.event === 'cpg.deliver' ? `deliver:${(e.data as Delivered).text}` : e.event);
    const announced = order.lastIndexOf('cpg.totemConfchg');
    assert.ok(announced >= 0 && announced < order.indexOf('deliver:after-cut-0'), `ring announced first: ${order.slice(-6).join(', ')}`);
  });

  it('a listener may close the handle: the rest of that dispatch round is dropped, nothing crashes', async () => {
    const [node1] = probes;
    const delivered = node1!.seen('cpg.deliver').length;
    await node1!.call('cpg.closeOnNextDeliver');
    // Five messages sent back to back (node1 is alone after the link cut) arrive in one round.
    await node1!.call('cpg.burst', { prefix: 'closing-', count: 5 });
    await node1!.waitFor('cpg.closedInCallback', () => true, 5000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(node1!.seen('cpg.deliver').length, delivered + 1, 'only the delivery that closed the handle');
    await assert.rejects(node1!.call('cpg.burst', { prefix: 'after-', count: 1 }), { name: 'HandleClosedError' });
  });

  it('finalizes unreferenced handles that are garbage collected without close()', async () => {
    const node1 = probes[0]!;
    const baseline = await node1.call<number>('fds');
    const withAbandoned = await node1.call<number>('gc.abandon', { count: 20 });
    assert.ok(withAbandoned >= baseline + 20, `20 open CPG connections hold fds (${baseline} -> ${withAbandoned})`);
    const afterGc = await node1.call<number>('gc.collect');
    console.log(`      probe fds: ${baseline} before, ${withAbandoned} with 20 abandoned handles, ${afterGc} after gc`);
    assert.ok(afterGc <= baseline, 'every abandoned handle was finalized');
  });

  it('reports a stopped corosync as an error event and a clear error on the next call, without crashing', async () => {
    const node2 = probes[1]!;
    stopProgram(lab!, 'node2', 'corosync');
    const error = await node2.waitFor<{ message: string }>('cpg.error', () => true, 10_000);
    assert.match(error.message, /corosync|cpg_dispatch/);
    const next = node2.call('cpg.burst', { prefix: 'late-', count: 1 });
    await assert.rejects(next, (err: unknown) => {
      assert.ok(err instanceof ProbeError);
      assert.match(String(err.code), /^CS_ERR_|^ERR_HANDLE_CLOSED$/);
      console.log(`      after corosync stopped: event "${error.message}", next call "${err.message}"`);
      return true;
    });
  });
});

import assert from 'node:assert/strict';
import { nodeFencesDoc, publishLastFence, type NodeFences } from '../../../src/daemon/fence-report';
import type { ClusterStore } from '../../../src/store';
import type { FenceRecord } from '../../../src/watchdog/fence-record';

const context = { sender: 1, read: () => undefined };
const apply = (current: NodeFences | undefined, patch: unknown) => nodeFencesDoc.patch!(current, patch, context);
const fence = (at: string): FenceRecord => ({ client: 'lrm', condition: 'deadline-missed', reason: 'client lrm missed its deadline by 1 ms', at, device: 'lab:x', timeoutMs: 6000 });

describe("daemon: a node's fences in the store, patched by the node and by the master", () => {
  it("keeps the master's recovery whichever order the two patches land in, and counts a fence once", () => {
    const recoveredFirst = apply(apply(undefined, { recovered: { sid: 'lab:web', at: '2026-12-03T12:00:09Z' } }), { fence: fence('2026-12-03T12:00:01Z') });
    const fenceFirst = apply(apply(undefined, { fence: fence('2026-12-03T12:00:01Z') }), { recovered: { sid: 'lab:web', at: '2026-12-03T12:00:09Z' } });
    for (const fences of [recoveredFirst, fenceFirst]) {
      assert.deepEqual(fences, { last: fence('2026-12-03T12:00:01Z'), resets: { 'deadline-missed': 1 }, servicesElsewhere: { at: '2026-12-03T12:00:09Z', services: ['lab:web'] } });
    }
    assert.deepEqual(apply(fenceFirst, { fence: fence('2026-12-03T12:00:01Z') }), fenceFirst, 'the same record again (a daemon restart) is not counted twice');
  });

  it('drops recoveries of an earlier fence when the next one is reported, and refuses other patches', () => {
    const first = apply(apply(undefined, { fence: fence('2026-12-03T12:00:01Z') }), { recovered: { sid: 'lab:web', at: '2026-12-03T12:00:09Z' } });
    const second = apply(first, { fence: fence('2026-12-03T13:00:00Z') });
    assert.equal(second.servicesElsewhere, undefined);
    assert.deepEqual(second.resets, { 'deadline-missed': 2 });
    assert.throws(() => apply(second, { what: 1 }), /\{fence\} or \{recovered\}/);
  });

  it('warns when the device says the watchdog reset the node but no fence record was left', () => {
    const lines: string[] = [];
    const log = { info: (m: string) => lines.push(`info ${m}`), warn: (m: string) => lines.push(`warn ${m}`) };
    const reset = { bits: 0x20, identity: 'i6300ESB timer', verdict: 'watchdog-reset' as const, source: '/sys/class/watchdog/watchdog0' };
    // Nothing to publish: the store is not touched.
    publishLastFence({} as ClusterStore, 'node1', '/nonexistent/last-fence.json', log, reset)();
    publishLastFence({} as ClusterStore, 'node1', '/nonexistent/last-fence.json', log, { ...reset, bits: 0, verdict: 'not-watchdog' })();
    assert.deepEqual(lines, ['warn the watchdog reset this node (/sys/class/watchdog/watchdog0), but the multiplexer left no fence record: it did not see feeding stop (killed, or its disk refused the record)']);
  });
});

import assert from 'node:assert/strict';
import { nodeFencesDoc, type NodeFences } from '../../../src/daemon/fence-report';
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
});

import assert from 'node:assert/strict';
import { quorumFromMembership } from '../../../src/store/quorum';
import type { MembershipSnapshot, MembershipSource } from '../../../src/quorum/types';

describe('store quorum from the MembershipSource seam', () => {
  it('reads quorate from the current snapshot and forwards changes', () => {
    let listener: ((s: MembershipSnapshot) => void) | undefined;
    const snap = (quorate: boolean) => ({ quorate } as MembershipSnapshot);
    let current = snap(true);
    const source: MembershipSource = {
      current: () => current,
      onChange: (l) => { listener = l; return () => { listener = undefined; }; },
      close: () => undefined,
    };
    const q = quorumFromMembership(source);
    assert.equal(q.isQuorate(), true);
    const seen: boolean[] = [];
    const off = q.onChange((v) => seen.push(v));
    current = snap(false);
    listener?.(current);
    assert.deepEqual(seen, [false]);
    assert.equal(q.isQuorate(), false);
    off();
    assert.equal(listener, undefined);
  });
});

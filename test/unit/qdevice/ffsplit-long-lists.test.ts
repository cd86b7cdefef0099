import assert from 'node:assert/strict';
import * as b from '../../../src/qdevice/protocol/builders';
import { ErrorCode, MsgType, NodeListType, Vote } from '../../../src/qdevice/protocol/constants';
import { decodeMessage } from '../../../src/qdevice/protocol/message';
import { CoreHarness, initMessage, MemoryTransport } from '../../support/arbiter-harness';

/*
 * ffsplit with lists long enough for the id sets: the same decision as with short lists; and a
 * list naming a node twice is refused. Time per long list: `node dist/bench/main.js arbiter-fuzz`.
 */
const node = (nodeId: number) => ({ nodeId, dataCenterId: 0, nodeState: 0 });
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => node(from + i));

function votesTo(t: MemoryTransport): number[] {
  return t.sent.filter((m) => m.readUInt16BE(0) === MsgType.VoteInfo).map((m) => {
    const d = decodeMessage(m.subarray(6));
    assert.ok(d.ok);
    return d.message.vote!;
  });
}

describe('ffsplit with long node lists', () => {
  it('a 40-node cluster split 20:20: NACK to the high half, then ACK to the low half', () => {
      const h = new CoreHarness();
      try {
        const [low, high] = [1, 21].map((id) => {
          const t = h.connect();
          h.feed(t, Buffer.concat([b.preinit(1, 'long'), initMessage(2, { nodeId: id }), b.nodeList({ seq: 3, listType: NodeListType.InitialConfig, nodes: range(1, 40) })]));
          return t;
        }) as [MemoryTransport, MemoryTransport];
        h.feed(low, b.nodeList({ seq: 4, listType: NodeListType.Membership, ringId: { nodeId: 1, seq: 9n }, nodes: range(1, 20) }));
        h.feed(high, b.nodeList({ seq: 4, listType: NodeListType.Membership, ringId: { nodeId: 21, seq: 9n }, nodes: range(21, 40) }));
        // Each list is a decision: the high half is NACKed twice, and the ACK waits for its reply.
        assert.deepEqual([votesTo(low), votesTo(high)], [[], [Vote.Nack, Vote.Nack]]);
        h.feed(high, b.voteInfoReply(2));
        assert.deepEqual([votesTo(low), votesTo(high)], [[Vote.Ack], [Vote.Nack, Vote.Nack]]);
      } finally {
        h.close();
      }
  });

  it('a membership naming its nodes three times is refused (19): it would count as a majority of the split', () => {
    const h = new CoreHarness();
    try {
      const t = h.connect();
      h.feed(t, Buffer.concat([b.preinit(1, 'dup'), initMessage(2), b.nodeList({ seq: 3, listType: NodeListType.InitialConfig, nodes: range(1, 40) })]));
      const before = t.sent.length;
      const thrice = [0, 1, 2].flatMap(() => range(1, 20));
      h.feed(t, b.nodeList({ seq: 4, listType: NodeListType.Membership, ringId: { nodeId: 1, seq: 9n }, nodes: thrice }));
      h.feed(t, b.nodeList({ seq: 5, listType: NodeListType.InitialConfig, nodes: [...range(1, 40), node(7)] }));
      assert.deepEqual(t.sent.slice(before).map((m) => m.toString('hex')),
        [b.serverError(4, ErrorCode.InvalidMembershipNodeList), b.serverError(5, ErrorCode.InvalidConfigNodeList)].map((m) => m.toString('hex')));
      assert.deepEqual(t.client.membershipNodeList, []);
    } finally {
      h.close();
    }
  });
});

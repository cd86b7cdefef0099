import type { MembershipSnapshot } from '../quorum/types';
import type { QuorumConfig } from './quorum-device';

export type FailureKind = 'node' | 'arbiter' | 'link';

/** One side of the cluster after a failure, with the votes it would count. */
export interface PartitionOutcome {
  nodes: string[];
  nodeVotes: number;
  /** The quorum device's votes this side would get (0 when it cannot reach or does not win the arbiter). */
  deviceVotes: number;
  votes: number;
  quorate: boolean;
}

export interface FailureOutcome {
  kind: FailureKind;
  /** What fails, e.g. "node node1", "arbiter", "link node1-node2", "link node1-arbiter". */
  failure: string;
  /** Every partition the failure leaves; for a link between two of three or more nodes, corosync drops one of the two ends (which one is not determined), so each choice is listed. */
  outcomes: PartitionOutcome[][];
  /** Some partition keeps quorum whichever way the failure plays out. */
  survives: boolean;
  verdict: string;
}

interface Member {
  nodeId: number;
  name: string;
  votes: number;
}

/** Which partition the arbiter gives its vote to: the most nodes, a tie to tie_breaker (lowest, highest or a node id). */
function deviceWinner(partitions: Member[][], tieBreaker: string): Member[] | undefined {
  const ranked = [...partitions].filter((p) => p.length > 0).sort((a, b) => b.length - a.length);
  const [first, second] = ranked;
  if (first === undefined || second === undefined || first.length > second.length) return first;
  const tied = ranked.filter((p) => p.length === first.length);
  const ids = (p: Member[]) => p.map((m) => m.nodeId);
  if (tieBreaker === 'highest') return tied.sort((a, b) => Math.max(...ids(b)) - Math.max(...ids(a)))[0];
  const fixedId = Number(tieBreaker);
  if (tieBreaker !== 'lowest' && Number.isInteger(fixedId)) return tied.find((p) => ids(p).includes(fixedId));
  return tied.sort((a, b) => Math.min(...ids(a)) - Math.min(...ids(b)))[0];
}

/** Votes and quorum of each partition; `reachArbiter` says which partitions can still talk to the arbiter. */
function outcome(partitions: Member[][], reachArbiter: (p: Member[]) => boolean, quorum: number, config: QuorumConfig): PartitionOutcome[] {
  const device = config.device;
  const winner = device === null ? undefined : deviceWinner(partitions.filter(reachArbiter), device.tieBreaker);
  return partitions.filter((p) => p.length > 0).map((p) => {
    const nodeVotes = p.reduce((sum, m) => sum + m.votes, 0);
    const deviceVotes = p === winner && device !== null ? device.votes : 0;
    const votes = nodeVotes + deviceVotes;
    return { nodes: p.map((m) => m.name), nodeVotes, deviceVotes, votes, quorate: votes >= quorum };
  });
}

function describe(partitions: PartitionOutcome[], quorum: number): string {
  return partitions.map((p) => {
    const parts = [`${p.nodeVotes} node`, ...(p.deviceVotes > 0 ? [`${p.deviceVotes} arbiter`] : [])].join(' + ');
    return `${p.nodes.join('+')} ${p.quorate ? 'keeps' : 'loses'} quorum (${parts} = ${p.votes} of ${quorum} needed)`;
  }).join('; ');
}

function failure(kind: FailureKind, name: string, outcomes: PartitionOutcome[][], quorum: number): FailureOutcome {
  const survives = outcomes.every((o) => o.some((p) => p.quorate));
  const ways = outcomes.map((o) => describe(o, quorum));
  const how = ways.length === 1 ? ways[0] : ways.map((w, i) => `(${i + 1}) ${w}`).join(' or ');
  return { kind, failure: name, outcomes, survives, verdict: `${name} fails: ${how}${survives ? '' : ': the cluster stops its HA services'}` };
}

/**
 * What each single failure (each node, the arbiter, each link) would do to quorum, from one
 * membership snapshot and the quorum configuration. Pure: the same facts corosync's votequorum
 * and corosync-qdevice act on, so an operator sees the answer before the failure happens.
 * Assumes every configured node is up (the snapshot's absent nodes are treated as already gone).
 */
export function singleFailures(snapshot: MembershipSnapshot, config: QuorumConfig): FailureOutcome[] {
  const members: Member[] = snapshot.nodes.filter((n) => n.member).map(({ nodeId, name, votes }) => ({ nodeId, name, votes }));
  const quorum = snapshot.quorum;
  const all = () => true;
  const without = (gone: Member) => members.filter((m) => m !== gone);
  const results: FailureOutcome[] = members.map((m) =>
    failure('node', `node ${m.name}`, [outcome([without(m)], all, quorum, config)], quorum));
  if (config.device !== null) {
    results.push(failure('arbiter', 'arbiter', [outcome([members], () => false, quorum, config)], quorum));
  }
  for (const [i, a] of members.entries()) {
    for (const b of members.slice(i + 1)) {
      const splits = members.length === 2 ? [[[a], [b]]] : [[[a], without(a)], [[b], without(b)]];
      results.push(failure('link', `link ${a.name}-${b.name}`, splits.map((s) => outcome(s, all, quorum, config)), quorum));
    }
  }
  if (config.device !== null) {
    for (const m of members) {
      // The other nodes still reach the arbiter, so the partition keeps the device's vote.
      const reach = (p: Member[]) => p.some((x) => x !== m);
      results.push(failure('link', `link ${m.name}-arbiter`, [outcome([members], reach, quorum, config)], quorum));
    }
  }
  return results;
}

/**
 * The fencing condition of the integrated quorum device client: the ring this node's CPG
 * delivers in must hold the arbiter's vote, unless that ring's nodes alone reach quorum.
 *
 * The ring is CPG's, not votequorum's: corosync announces a new ring to CPG before it accepts
 * or delivers any message of that ring (native-cpg.ts), so a lock renewal confirmed in a new
 * ring is always judged against that ring, whatever the order in which votequorum's and the
 * arbiter's news reach this process. An ACK counts only for the ring it was given for. After a
 * ring change the feeding therefore pauses (the device counts down from the last feed), an ACK
 * for the new ring resumes it, and a NACK or no ACK within `graceMs` stops it for good.
 *
 * An ACK also stops counting once the arbiter may have dropped this node unheard (its dead-peer
 * limit since the last request it answered, QuorumDevice.ackCountsUntil): the arbiter gives the
 * vote to another partition only after that, so this node's last feed comes before the other
 * partition becomes quorate, and the master there waits a lease from then (out of sight).
 *
 * What that buys (startup-check.ts, renewStaleMs): a cut-off node confirms renewals only in its
 * old ring, whose messages it sent before it noticed the token was lost, so its renewals stop
 * counting one token timeout after the cut instead of when votequorum drops the device's vote.
 * The grace only needs to exceed the arbiter's answer time for the winner.
 */
import { formatRingId } from '../native/ring-id';
import type { QdeviceVoteState } from '../qdevice/client';
import { ringIdEqual } from '../qdevice/protocol/tlv';
import type { MembershipSnapshot, MembershipSource } from '../quorum/types';
import type { CpgRing } from '../store/transport';
import type { FencingCondition } from '../watchdog/fencing-conditions';

/** What the condition reads of the client: QuorumDevice fits. */
export interface VoteSource {
  readonly state: QdeviceVoteState;
  /** Monotonic time after which the arbiter may have given the vote away unheard (dead-peer detection). */
  ackCountsUntil(): number;
  on(event: 'state', listener: (state: QdeviceVoteState) => void): unknown;
  off(event: 'state', listener: (state: QdeviceVoteState) => void): unknown;
}

/** The ring CPG delivers in (NativeCpgTransport fits). */
export interface RingSource {
  currentRing(): CpgRing | null;
  onRingChange(listener: () => void): () => void;
}

function votesOf(snapshot: MembershipSnapshot, members: number[]): number {
  return snapshot.nodes.filter((n) => members.includes(n.nodeId)).reduce((sum, n) => sum + n.votes, 0);
}

/**
 * The arbiter's vote as it stands for the current ring, and why an ACK the client holds does not
 * count: given for another ring (the one for this ring is still awaited), or unconfirmed for so
 * long that the arbiter may have dropped this node (an answer may still come: also awaited).
 */
function voteForRing(device: VoteSource, ring: CpgRing | null, now: number): { vote: QdeviceVoteState['vote']; note: string; since?: number } {
  const state = device.state;
  if (state.vote !== 'ack') return { vote: state.vote, note: '' };
  if (ring === null || state.ackedRingId === null || !ringIdEqual(state.ackedRingId, ring.ringId)) {
    return { vote: 'waiting', note: state.ackedRingId === null ? '' : ` (the ACK held is for ring ${formatRingId(state.ackedRingId)})` };
  }
  const until = device.ackCountsUntil();
  // Nothing announces the expiry: the wait counts from it, whenever it is noticed.
  if (now >= until) return { vote: 'waiting', note: ' (the ACK is unconfirmed: no answer from the arbiter within its dead-peer limit)', since: until };
  return { vote: 'ack', note: '' };
}

export function integratedVoteCondition(
  device: VoteSource, membership: MembershipSource, ring: RingSource, graceMs: number, now: () => number,
): FencingCondition {
  let notAckSince: number | null = null;
  /** The vote for the current ring now, keeping the time since when it has not been an ACK. */
  const track = (): ReturnType<typeof voteForRing> => {
    const t = now();
    const judged = voteForRing(device, ring.currentRing(), t);
    if (judged.vote === 'ack') notAckSince = null;
    else notAckSince ??= Math.min(t, judged.since ?? t);
    return judged;
  };
  track();
  // Tracked from the start, not only while someone listens: the wait counts from the change itself.
  device.on('state', track);
  ring.onRingChange(track);
  /** The vote's state when it matters (not ACKed for this ring and its nodes alone lack quorum), else null. */
  const missing = (): { vote: string; waited: number; why: string } | null => {
    const { vote: state, note } = track();
    const snapshot = membership.current();
    const current = ring.currentRing();
    // Until CPG announced a ring there is nothing to count votes in: the vote is needed.
    const votes = current === null ? 0 : votesOf(snapshot, current.members);
    if (votes >= snapshot.quorum || notAckSince === null) return null;
    const waited = Math.round(now() - notAckSince);
    return {
      vote: state, waited,
      why: `the arbiter's vote for ring ${current === null ? '(none announced yet)' : formatRingId(current.ringId)} is ${state}${note} for ${waited} ms `
        + `and the ring's nodes have ${votes} of ${snapshot.quorum} votes needed`,
    };
  };
  const awaited = (m: { vote: string; waited: number }): boolean => m.vote === 'waiting' && m.waited < graceMs;
  return {
    name: 'arbiter-vote',
    check: () => {
      const m = missing();
      return m === null || awaited(m) ? null : m.why;
    },
    pause: () => {
      const m = missing();
      return m !== null && awaited(m) ? m.why : null;
    },
    onChange: (listener) => {
      let graceTimer: NodeJS.Timeout | null = null;
      const onEvent = (): void => {
        const { vote } = track();
        if (graceTimer !== null) clearTimeout(graceTimer);
        // A vote still awaited when the grace runs out must be judged then, not at the next event.
        const waited = notAckSince === null ? 0 : now() - notAckSince;
        graceTimer = vote === 'waiting' ? setTimeout(listener, Math.max(0, graceMs + 1 - waited)) : null;
        listener();
      };
      device.on('state', onEvent);
      const unsubscribeRing = ring.onRingChange(onEvent);
      const unsubscribeMembership = membership.onChange(() => listener());
      return () => {
        if (graceTimer !== null) clearTimeout(graceTimer);
        device.off('state', onEvent);
        unsubscribeRing();
        unsubscribeMembership();
      };
    },
  };
}

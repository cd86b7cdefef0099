/**
 * The fencing condition of the integrated quorum device client: this partition must hold the
 * arbiter's vote, unless its nodes alone reach quorum. After a membership change the client
 * waits for the arbiter's answer for the new membership: meanwhile the feeding pauses (the
 * device counts down from the last feed, made before the change), an ACK resumes it, and a
 * NACK or no answer within `graceMs` stops it for good. So a cut-off node's last feed comes
 * no later than the membership change (token + consensus), long before votequorum would drop
 * the device's vote (device timeout or sync_timeout): that, not the device timeouts, is what
 * Q_stale has to cover. The grace only needs to exceed the arbiter's answer time for the winner.
 */
import type { QdeviceVoteState } from '../qdevice/client';
import type { MembershipSnapshot, MembershipSource } from '../quorum/types';
import type { FencingCondition } from '../watchdog/fencing-conditions';

/** What the condition reads of the client: QuorumDevice fits. */
export interface VoteSource {
  readonly state: QdeviceVoteState;
  on(event: 'state', listener: (state: QdeviceVoteState) => void): unknown;
  off(event: 'state', listener: (state: QdeviceVoteState) => void): unknown;
}

function nodeVotes(s: MembershipSnapshot): number {
  return s.nodes.filter((n) => n.member).reduce((sum, n) => sum + n.votes, 0);
}

export function integratedVoteCondition(device: VoteSource, membership: MembershipSource, graceMs: number, now: () => number): FencingCondition {
  let notAckSince: number | null = device.state.vote === 'ack' ? null : now();
  const track = (state: QdeviceVoteState): void => {
    if (state.vote === 'ack') notAckSince = null;
    else notAckSince ??= now();
  };
  // Tracked from the start, not only while someone listens: the wait counts from the change itself.
  device.on('state', track);
  /** The vote's state when it matters (not ACKed and the nodes alone lack quorum), else null. */
  const missing = (): { vote: string; waited: number; why: string } | null => {
    track(device.state);
    const snapshot = membership.current();
    if (nodeVotes(snapshot) >= snapshot.quorum || notAckSince === null) return null;
    const waited = Math.round(now() - notAckSince);
    return {
      vote: device.state.vote, waited,
      why: `the arbiter's vote is ${device.state.vote} for ${waited} ms and this partition's nodes have ${nodeVotes(snapshot)} of ${snapshot.quorum} votes needed`,
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
      const onState = (state: QdeviceVoteState): void => {
        track(state);
        if (graceTimer !== null) clearTimeout(graceTimer);
        // A vote still awaited when the grace runs out must be judged then, not at the next event.
        graceTimer = state.vote === 'waiting' ? setTimeout(listener, graceMs + 1) : null;
        listener();
      };
      device.on('state', onState);
      const unsubscribe = membership.onChange(() => listener());
      return () => {
        if (graceTimer !== null) clearTimeout(graceTimer);
        device.off('state', onState);
        unsubscribe();
      };
    },
  };
}

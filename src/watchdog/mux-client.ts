import { JsonLineRequester } from '../util/json-lines';
import type { CheckInResult, LeaseGrant, MuxStatus, ReattachGrant } from './mux-core';
import { connectUnix } from '../util/unix-socket';

/** Where the multiplexer listens on a node (inside a lab host: that host's private /run). */
export const defaultMuxSocketPath = '/run/quorate/watchdog-mux.sock';

/**
 * One client's keep-alive with the multiplexer (the LRM, the CRM, the quorum device client).
 * Call `checkIn()` right after each piece of work that proves the client may still run services
 * (a lock renewal, a vote received), never from a free-running timer.
 */
export interface WatchdogLease {
  readonly grant: LeaseGrant;
  checkIn(): Promise<CheckInResult>;
  /** Stops feeding at once: the client lost what licensed it (quorum, its lock, a vote). */
  reportLoss(reason: string): Promise<void>;
  /** Gives the lease back cleanly; the last lease closed disarms the device. */
  close(): Promise<void>;
  /**
   * Leaves the lease to a successor of the same client name (a daemon restart) and hangs up: the
   * successor must re-attach and check in within the deadline of this client's last check-in.
   */
  handOver(): Promise<void>;
  /** Drops the connection without closing the lease: counts as missed, the host resets. */
  abandon(): void;
}

export async function openWatchdogLease(
  request: { client: string; deadlineMs: number },
  socketPath = defaultMuxSocketPath,
): Promise<WatchdogLease> {
  const requester = new JsonLineRequester(await connectUnix(socketPath), `watchdog multiplexer ${socketPath}`);
  let grant: LeaseGrant;
  try {
    grant = (await requester.request({ op: 'open', client: request.client, deadlineMs: request.deadlineMs })) as LeaseGrant;
  } catch (err) {
    requester.close();
    throw err;
  }
  return leaseOn(requester, grant);
}

/**
 * Takes over the lease a predecessor of this client handed over; null when none waits. The
 * lease keeps its last check-in: the first check-in must come within the deadline from there.
 */
export async function reattachWatchdogLease(
  request: { client: string; deadlineMs: number },
  socketPath = defaultMuxSocketPath,
): Promise<(WatchdogLease & { grant: ReattachGrant }) | null> {
  const requester = new JsonLineRequester(await connectUnix(socketPath), `watchdog multiplexer ${socketPath}`);
  let grant: ReattachGrant | null;
  try {
    grant = (await requester.request({ op: 'reattach', client: request.client, deadlineMs: request.deadlineMs })) as ReattachGrant | null;
  } catch (err) {
    requester.close();
    throw err;
  }
  if (grant === null) {
    requester.close();
    return null;
  }
  return leaseOn(requester, grant);
}

function leaseOn<G extends LeaseGrant>(requester: JsonLineRequester, grant: G): WatchdogLease & { grant: G } {
  return {
    grant,
    checkIn: async () => (await requester.request({ op: 'checkin' })) as CheckInResult,
    reportLoss: async (reason) => {
      await requester.request({ op: 'loss', reason });
    },
    close: async () => {
      try {
        await requester.request({ op: 'close' });
      } finally {
        requester.close();
      }
    },
    handOver: async () => {
      try {
        await requester.request({ op: 'handover' });
      } finally {
        requester.close();
      }
    },
    abandon: () => requester.close(),
  };
}

/** The multiplexer's state: device, timeout in force, leases, whether feeding stopped. */
export async function readMuxStatus(socketPath = defaultMuxSocketPath): Promise<MuxStatus> {
  const requester = new JsonLineRequester(await connectUnix(socketPath), `watchdog multiplexer ${socketPath}`);
  try {
    return (await requester.request({ op: 'status' })) as MuxStatus;
  } finally {
    requester.close();
  }
}

/**
 * Timing profiles of the failover benchmark: `default` is the daemon's defaults on corosync's
 * fast profile (token 1 s); `tuned` shortens rounds, the watchdog and the token for a quiet LAN.
 * Both get the smallest safe lease the daemon computes from the values in force.
 */
import type { HaTimings } from '../ha/timings';
import type { LabOptions } from './options';

export interface FailoverProfile {
  name: 'default' | 'tuned';
  lab: LabOptions;
  timings: Partial<HaTimings>;
}

export const failoverProfiles: Record<FailoverProfile['name'], FailoverProfile> = {
  default: { name: 'default', lab: { profile: 'fast', qdevice: 'integrated' }, timings: {} },
  tuned: {
    name: 'tuned',
    // A device timeout of 1.5 s (qnetd refuses heartbeats under 1 s, and the heartbeat is 0.8 × it): the
    // arbiter decides a tie after 1.8 s of silence. W 3 s passed the start-up check but reset the node
    // that kept its service in 1 of 3 cuts of the other node's link on a loaded machine: W 4 s.
    lab: { profile: 'fast', qdevice: 'integrated', totem: { token: 400, consensus: 480 }, device: { timeout: 1500, sync_timeout: 3000 } },
    timings: { roundMs: 250, renewIntervalMs: 250, feedWindowMs: 400, watchdogMs: 4000, clockMarginMs: 300, fenceDelayMs: 1500 },
  },
};

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
    lab: { profile: 'fast', qdevice: 'integrated', totem: { token: 400, consensus: 480 } },
    timings: { roundMs: 250, renewIntervalMs: 250, feedWindowMs: 400, watchdogMs: 3000, clockMarginMs: 300, fenceDelayMs: 1500 },
  },
};

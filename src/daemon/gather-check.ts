/**
 * Gathers the values in force on this node for the start-up check: cmap through the addon and,
 * unless told not to, the watchdog timeout read back from the multiplexer and the device's boot status.
 */
import { Cmap } from '../native/cmap';
import { readMuxStatus } from '../watchdog/mux-client';
import type { BootStatus } from '../watchdog/boot-status';
import type { DaemonConfig } from './config';
import type { CorosyncValues } from '../ha/corosync-timings';
import { checkStartup, readCorosyncValues, type StartupCheck } from './startup-check';

export interface GatheredCheck extends StartupCheck {
  corosync: CorosyncValues;
  watchdogTimeoutMs: number | null;
  /** Why this boot happened, as the multiplexer read it from the device; null when not read. */
  bootStatus: BootStatus | null;
}

export async function gatherStartupCheck(config: DaemonConfig, options: { readMux: boolean }): Promise<GatheredCheck> {
  const cmap = Cmap.open();
  let corosync: CorosyncValues;
  try {
    corosync = readCorosyncValues(cmap);
  } finally {
    cmap.close();
  }
  const mux = options.readMux ? await readMuxStatus(config.watchdog.socket) : null;
  const watchdogTimeoutMs = mux?.timeoutMs ?? null;
  const integrated = config.qdevice.mode === 'integrated';
  return { ...checkStartup(config.timings, corosync, watchdogTimeoutMs, integrated), corosync, watchdogTimeoutMs, bootStatus: mux?.bootStatus ?? null };
}

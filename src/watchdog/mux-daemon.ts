import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { monotonicClock } from '../util/clock';
import { fenceCondition, writeFenceRecord } from './fence-record';
import { logBootStatus, readSysfsBootStatus, type BootStatus } from './boot-status';
import type { LogSink } from '../util/log-sink';
import { MuxCore, type WatchdogDeviceOpener } from './mux-core';
import { startMuxServer, type MuxServer } from './mux-server';
import { assertNotArmed, directoryMarker } from './restart-guard';

export const defaultMarkerPath = '/run/quorate/watchdog-mux.active';

export interface MuxDaemonOptions {
  socketPath: string;
  markerPath: string;
  timeoutSeconds: number;
  openDevice: WatchdogDeviceOpener;
  deviceName: string;
  log: LogSink;
  /** Where the reason goes when feeding stops for good (fence-record.ts); absent: only the journal. */
  fenceRecordPath?: string;
  /** The device's sysfs directory (boot-status.ts), read at start; absent: the device is asked when it opens. */
  sysfsDir?: string;
}

export interface RunningMux {
  core: MuxCore;
  server: MuxServer;
}

/**
 * Starts the multiplexer in this process: refuses while a previous one left the device armed,
 * then serves leases. A stop with leases open exits without the magic close, so the host resets:
 * a multiplexer that goes away must never look like a clean disarm.
 */
export async function startWatchdogMux(options: MuxDaemonOptions): Promise<RunningMux> {
  const marker = directoryMarker(options.markerPath);
  await assertNotArmed(marker);
  // The kernel's OOM killer must pick anything but the process that keeps the host alive.
  await writeFile('/proc/self/oom_score_adj', '-1000').catch(() => options.log.warn('could not set oom_score_adj to -1000'));
  const { fenceRecordPath, log } = options;
  if (fenceRecordPath !== undefined) mkdirSync(dirname(fenceRecordPath), { recursive: true, mode: 0o700 });
  const core: MuxCore = new MuxCore({
    openDevice: options.openDevice, deviceName: options.deviceName, timeoutSeconds: options.timeoutSeconds, clock: monotonicClock, log, marker,
    bootStatus: options.sysfsDir === undefined ? undefined : bootStatusAtStart(options.sysfsDir, log),
    // Written before anything else happens: the host resets within the device timeout.
    onTrip: fenceRecordPath === undefined ? undefined : (client, trip, reason) => {
      const record = { client, condition: fenceCondition(trip), reason, at: new Date().toISOString(), device: options.deviceName, timeoutMs: core.status().timeoutMs };
      try {
        writeFenceRecord(fenceRecordPath, record);
        log.error(`fence record: ${record.condition} (client ${client}) at ${record.at}, written to ${fenceRecordPath}`);
      } catch (err) {
        log.error(`fence record: cannot write ${fenceRecordPath}: ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  });
  const server = await startMuxServer(core, options.socketPath, options.log);
  return { core, server };
}

function bootStatusAtStart(dir: string, log: LogSink): BootStatus | undefined {
  const read = readSysfsBootStatus(dir);
  if ('problem' in read) {
    log.info(`${read.problem}: asking the device when it opens`);
    return undefined;
  }
  logBootStatus(log, read.status);
  return read.status;
}

/** What the daemon does on SIGTERM/SIGINT; returns the exit code. */
export async function stopWatchdogMux(mux: RunningMux, log: LogSink): Promise<number> {
  const { leases, armed } = mux.core.status();
  mux.core.dispose();
  await mux.server.close();
  if (leases.length > 0 || armed) {
    log.error(`stopping with ${leases.length} lease(s) open: no magic close, the watchdog resets this host`);
    return 1;
  }
  log.info('stopped: no lease open, device disarmed');
  return 0;
}

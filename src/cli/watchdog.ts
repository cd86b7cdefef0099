import type { Command } from 'commander';
import { muxMetrics } from '../metrics/mux-metrics';
import { watchForStalls } from '../daemon/stall-watch';
import { createLogger } from '../util/logger';
import { systemdNotifier } from '../util/systemd-notify';
import { serveMetrics } from '../metrics/http-server';
import { addMetricsOptions, metricsListenOption } from './metrics-option';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { table } from '../util/text-table';
import { openKernelWatchdog } from '../watchdog/kernel-device';
import { openEmulatedWatchdog } from '../watchdog/emulated-device';
import { defaultMuxSocketPath, readMuxStatus } from '../watchdog/mux-client';
import { defaultFenceRecordPath } from '../watchdog/fence-record';
import { bootVerdictText, sysfsDirOf, type BootStatus } from '../watchdog/boot-status';
import { defaultMarkerPath, startWatchdogMux, stopWatchdogMux } from '../watchdog/mux-daemon';
import type { MuxStatus } from '../watchdog/mux-core';
import type { WatchdogDeviceOpener } from '../watchdog/mux-core';

interface MuxCommandOptions {
  socket: string;
  marker: string;
  timeout: string;
  device: string;
  module: string;
  labTimer?: string;
  deviceSysfs?: string;
  metrics: string | false;
  fenceRecord: string;
}

function parseTimeoutSeconds(text: string): number {
  const seconds = Number(text);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
    throw new CliError(`--timeout must be a whole number of seconds from 1 to 3600, got ${JSON.stringify(text)}`, exitCodes.usage);
  }
  return seconds;
}

function deviceOpener(options: MuxCommandOptions): { deviceName: string; openDevice: WatchdogDeviceOpener } {
  const labTimer = options.labTimer;
  if (labTimer !== undefined) return { deviceName: `lab:${labTimer}`, openDevice: () => openEmulatedWatchdog(labTimer) };
  return { deviceName: options.device, openDevice: () => openKernelWatchdog(options.device, options.module) };
}

/** The STATUS line systemd shows for the multiplexer. */
function describeMux(status: MuxStatus): string {
  const leases = status.leases.length === 0 ? 'no lease' : `leases: ${status.leases.map((l) => l.client).join(', ')}`;
  const device = status.tripped !== null ? `FEEDING STOPPED: ${status.tripped}` : status.armed ? `${status.device} armed` : `${status.device} disarmed`;
  return `${device}; ${leases}`;
}

function describeBoot(boot: BootStatus | null): string {
  if (boot === null) return 'not read yet (the device is asked when it opens)';
  return `${bootVerdictText[boot.verdict]}: boot status 0x${boot.bits.toString(16)} from ${boot.source}`;
}

function renderStatus(status: MuxStatus): string {
  const head = [
    `device:       ${status.device}${status.identity === null ? ' (not armed)' : ` (${status.identity})`}`,
    `timeout:      ${status.timeoutMs === null ? '-' : `${status.timeoutMs} ms (in force, read back from the device)`}`,
    `reset bound:  ${status.resetBoundMs === null ? '-' : `${status.resetBoundMs} ms after a client's last check-in`}`,
    `feeding:      ${status.tripped === null ? (status.armed ? 'yes' : 'no (disarmed)') : `STOPPED: ${status.tripped}`}`,
    `last feed:    ${status.lastFeedAgoMs === null ? '-' : `${status.lastFeedAgoMs} ms ago`}`,
    `this boot:    ${describeBoot(status.bootStatus)}`,
  ];
  if (status.leases.length === 0) return [...head, 'leases:       none'].join('\n');
  const rows = status.leases.map((l) => [l.client, `${l.deadlineMs}`, `${l.silentMs}`, l.handedOver ? 'handed over' : 'attached']);
  return [...head, '', table(['CLIENT', 'DEADLINE_MS', 'SILENT_MS', 'STATE'], rows)].join('\n');
}

export function registerWatchdogCommands(program: Command): void {
  addMetricsOptions(program
    .command('watchdog-mux')
    .description('run the watchdog multiplexer: owns the device, feeds it only after fresh check-ins of every lease')
    .option('--socket <path>', 'unix socket for clients (root only)', defaultMuxSocketPath)
    .option('--marker <dir>', 'restart guard: present while the device is armed', defaultMarkerPath)
    .option('--timeout <seconds>', 'device timeout to ask for (the one in force is read back)', '10')
    .option('--device <path>', 'kernel watchdog device', '/dev/watchdog')
    .option('--module <name>', 'driver to load when the device is missing', 'softdog')
    .option('--lab-timer <socket>', "use a lab host's emulated watchdog instead of a kernel device")
    .option('--device-sysfs <dir>', "the device's sysfs directory, where its boot status is read at start (default: /sys/class/watchdog/watchdogN of --device; none with --lab-timer)")
    .option('--fence-record <path>', 'where the reason goes when feeding stops for good (read back by the daemon after the reset)', defaultFenceRecordPath), 'watchdog-mux')
    .action(async (options: MuxCommandOptions) => {
      const log = createLogger('watchdog-mux');
      const notifier = systemdNotifier(log);
      const timeoutSeconds = parseTimeoutSeconds(options.timeout);
      const device = deviceOpener(options);
      const listen = metricsListenOption(options.metrics);
      let mux;
      try {
        const sysfsDir = options.deviceSysfs ?? (options.labTimer === undefined ? sysfsDirOf(options.device) : undefined);
        mux = await startWatchdogMux({ socketPath: options.socket, markerPath: options.marker, timeoutSeconds, ...device, log, fenceRecordPath: options.fenceRecord, sysfsDir });
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), exitCodes.unavailable);
      }
      const running = mux;
      const metrics = listen === null ? null : muxMetrics(() => running.core.status());
      const stopStallWatch = watchForStalls(log, metrics?.stalled);
      const server = metrics === null || listen === null ? null : await serveMetrics(metrics.registry, listen, log);
      let stopStatus = (): void => undefined;
      await new Promise<void>((resolve) => {
        const stop = () => {
          stopStatus();
          notifier.stopping();
          stopStallWatch();
          void server?.close();
          void stopWatchdogMux(running, log).then((code) => {
            process.exitCode = code;
            resolve();
          });
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        // Only now: a stop that follows READY at once must find the handlers in place.
        notifier.ready(describeMux(running.core.status()));
        stopStatus = notifier.follow(() => describeMux(running.core.status()));
      });
    });

  program
    .command('watchdog')
    .description('watchdog multiplexer')
    .command('status')
    .description('device, timeout in force, leases and whether feeding stopped')
    .option('--socket <path>', "the multiplexer's socket", defaultMuxSocketPath)
    .option('--json', 'print JSON')
    .action(async (options: { socket: string; json?: boolean }) => {
      let status: MuxStatus;
      try {
        status = await readMuxStatus(options.socket);
      } catch (err) {
        throw new CliError(`watchdog multiplexer not reachable: ${err instanceof Error ? err.message : String(err)}`, exitCodes.unavailable);
      }
      printResult(status, options, renderStatus);
    });
}

import type { Command } from 'commander';
import { ConfigError, defaultConfigPath, loadConfig } from '../daemon/config';
import { gatherStartupCheck, type GatheredCheck } from '../daemon/gather-check';
import { CorosyncError } from '../native/errors';
import { AddonNotBuiltError } from '../native/loader';
import { CliError, exitCodes } from './errors';
import { printResult } from './output';
import { createDrivers } from '../daemon/resources/driver-set';
import { describeDaemon } from '../daemon/readiness';
import { runDaemon, StartupRefusedError, type RunningDaemon } from '../daemon/run-daemon';
import { createLogger } from '../util/logger';
import { systemdNotifier } from '../util/systemd-notify';

interface CheckOptions {
  config: string;
  json?: boolean;
  mux: boolean;
}

function renderCheck(check: GatheredCheck): string {
  const device = check.corosync.device === undefined
    ? 'none'
    : `timeout ${check.corosync.device.timeoutMs} ms, sync_timeout ${check.corosync.device.syncTimeoutMs} ms`;
  return [
    `totem:          token ${check.corosync.tokenMs} ms, consensus ${check.corosync.consensusMs} ms`,
    `quorum device:  ${device}`,
    `two_node:       ${check.corosync.twoNode ? 'yes' : 'no'}`,
    `watchdog:       ${check.watchdogTimeoutMs === null ? 'not read back' : `${check.watchdogTimeoutMs} ms (GETTIMEOUT)`}`,
    `bound:          ${check.bound.message}`,
    `result:         ${check.ok ? 'safe to start' : 'refused'}`,
    ...check.problems.map((p) => `  - ${p}`),
  ].join('\n');
}

/** `quorate daemon check`: the daemon's start-up safety check on its own, for operators and tests. */
async function check(options: CheckOptions): Promise<void> {
  let result: GatheredCheck;
  try {
    result = await gatherStartupCheck(loadConfig(options.config), { readMux: options.mux });
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, exitCodes.usage);
    if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) throw new CliError(err.message, exitCodes.unavailable);
    throw err;
  }
  printResult(result, options, renderCheck);
  if (!result.ok) throw new CliError(`refusing to start: ${result.problems.join('; ')}`);
}

/** Maps start-up failures onto exit codes: bad config is a usage error, no corosync is unavailable. */
function startupError(err: unknown): unknown {
  if (err instanceof ConfigError) return new CliError(err.message, exitCodes.usage);
  if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) return new CliError(err.message, exitCodes.unavailable);
  if (err instanceof StartupRefusedError) return new CliError(err.message);
  if (err instanceof Error) return new CliError(`the daemon could not start: ${err.message}`);
  return err;
}

/** `quorate daemon run`: runs until SIGTERM or SIGINT, then shuts down in order (services per the shutdown policy). */
async function runForeground(options: { config: string }): Promise<void> {
  const notifier = systemdNotifier(createLogger('daemon'));
  let running: RunningDaemon;
  try {
    const config = loadConfig(options.config);
    running = await runDaemon(config, createDrivers(config));
  } catch (err) {
    const reported = startupError(err);
    if (!(reported instanceof CliError)) throw reported;
    // A daemon that could not start exits at once, whatever connections are still open, so its
    // supervisor (systemd) sees it fail and restarts it.
    process.stderr.write(`quorate: ${reported.message}\n`);
    process.exit(reported.exitCode);
  }
  let stopStatus = (): void => undefined;
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      process.stderr.write(`${signal}: shutting down\n`);
      stopStatus();
      notifier.stopping();
      running.stop().then(resolve, resolve);
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // Only now: a stop that follows READY at once must find the handlers in place.
    notifier.ready(describeDaemon(running));
    stopStatus = notifier.follow(() => describeDaemon(running));
  });
}

export function registerDaemonCommands(program: Command): void {
  const daemon = program.command('daemon').description('the HA node daemon');
  daemon
    .command('check')
    .description('check the config and the safety bound against the values in force on this node')
    .option('--config <path>', 'config file', defaultConfigPath)
    .option('--no-mux', 'do not read the watchdog timeout back from the multiplexer (use the configured one)')
    .option('--json', 'print JSON')
    .action((options: CheckOptions) => check(options));
  daemon
    .command('run')
    .description('run the node daemon in the foreground (systemd runs it this way)')
    .option('--config <path>', 'config file', defaultConfigPath)
    .action((options: { config: string }) => runForeground(options));
}

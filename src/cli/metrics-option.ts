/**
 * `--metrics HOST:PORT` / `--no-metrics` for the arbiter and the watchdog multiplexer (the node
 * daemon reads the same from its config file): where /metrics is served, loopback by default.
 */
import type { Command } from 'commander';
import { defaultMetricsPorts, MetricsListenError, parseMetricsListen } from '../metrics/listen';
import { CliError, exitCodes } from './errors';

export function addMetricsOptions(command: Command, component: keyof typeof defaultMetricsPorts): Command {
  return command
    .option('--metrics <address>', 'HOST:PORT of the Prometheus /metrics endpoint', `127.0.0.1:${defaultMetricsPorts[component]}`)
    .option('--no-metrics', 'serve no /metrics endpoint');
}

/** Checks the option before anything starts: a bad address is a usage error. */
export function metricsListenOption(value: string | false) {
  if (value === false) return null;
  try {
    return parseMetricsListen(value, '--metrics');
  } catch (err) {
    if (err instanceof MetricsListenError) throw new CliError(err.message, exitCodes.usage);
    throw err;
  }
}

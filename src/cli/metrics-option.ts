/**
 * `--metrics HOST:PORT` / `--no-metrics` for the arbiter and the watchdog multiplexer (the node
 * daemon reads the same from its config file): where /metrics is served, loopback by default.
 */
import type { Command } from 'commander';
import type { Registry } from 'prom-client';
import { startMetricsServer, type MetricsServer } from '../metrics/http-server';
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

export async function serveMetricsOption(
  listen: ReturnType<typeof metricsListenOption>, registry: () => Registry, log: { info(m: string): void; warn(m: string): void },
): Promise<MetricsServer | null> {
  if (listen === null) return null;
  try {
    return await startMetricsServer(registry(), listen, log);
  } catch (err) {
    throw new CliError(`cannot serve metrics on ${listen.host}:${listen.port}: ${err instanceof Error ? err.message : String(err)}`, exitCodes.unavailable);
  }
}

/**
 * Where a component serves /metrics: `HOST:PORT` (`[v6]:PORT` for IPv6). Loopback by default,
 * because the numbers tell an attacker when a node is about to lose its services.
 */
export interface MetricsListen {
  host: string;
  port: number;
}

export class MetricsListenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricsListenError';
  }
}

/** Default ports, one per component, so all three can run on one host. */
export const defaultMetricsPorts = { daemon: 9740, arbiter: 9741, 'watchdog-mux': 9742 } as const;

export function parseMetricsListen(text: string, what = 'metrics address'): MetricsListen {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]\s]+)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MetricsListenError(`${what} ${JSON.stringify(text)} is not HOST:PORT (IPv6 as [ADDR]:PORT, port 1-65535)`);
  }
  return { host: match[1] ?? match[2]!, port };
}

/**
 * The /metrics endpoint: GET /metrics answers the registry in Prometheus' text format; every
 * other path or method is refused. Scrapes are rare (seconds apart), so one plain HTTP server.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { MetricsListen } from './listen';

export interface MetricsServer {
  address(): AddressInfo;
  close(): Promise<void>;
}

interface MetricsLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/**
 * Like startMetricsServer, but a port that cannot be had is an error line, not a stop: a node
 * that keeps its services without /metrics is better off than one that refuses to run.
 */
export async function serveMetrics(registry: Registry, listen: MetricsListen, log: MetricsLog): Promise<MetricsServer | null> {
  try {
    return await startMetricsServer(registry, listen, log);
  } catch (err) {
    log.error(`metrics: cannot serve on ${listen.host}:${listen.port} (${err instanceof Error ? err.message : String(err)}); running without /metrics`);
    return null;
  }
}

export function startMetricsServer(registry: Registry, listen: MetricsListen, log: MetricsLog): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics' && !req.url?.startsWith('/metrics?')) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only /metrics is served here\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('use GET\n');
      return;
    }
    registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text);
    }, (err: unknown) => {
      log.warn(`metrics: a scrape failed: ${err instanceof Error ? err.message : String(err)}`);
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
    });
  });
  // A scraper holding connections open must not keep the process from exiting.
  server.keepAliveTimeout = 5000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listen.host, port: listen.port }, () => {
      server.off('error', reject);
      server.unref();
      const bound = server.address() as AddressInfo;
      log.info(`metrics: serving http://${bound.family === 'IPv6' ? `[${bound.address}]` : bound.address}:${bound.port}/metrics`);
      resolve({
        address: () => server.address() as AddressInfo,
        close: () => new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        }),
      });
    });
  });
}

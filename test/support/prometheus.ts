/**
 * A real Prometheus server (Debian's `prometheus`) for lab tests: started in a network namespace
 * with its own config and data directory, queried over its HTTP API from inside that namespace,
 * always stopped and removed by `stop`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ScrapeJob {
  job: string;
  targets: string[];
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Skips the suite, saying why, where Prometheus is not installed. */
export function skipWithoutPrometheus(context: Mocha.Context): void {
  if (spawnSync('prometheus', ['--version']).status === 0) return;
  console.log('      skipped: prometheus not installed (apt-get install prometheus)');
  context.skip();
}

/** A GET from inside the namespace (Node's fetch there), body on stdout. */
const fetchScript = "fetch(process.argv[1]).then(async (r) => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { process.stderr.write(String(e.cause ?? e)); process.exit(2); })";

export class PrometheusServer {
  private constructor(private readonly child: ChildProcess, private readonly netns: string, private readonly base: string, private readonly dir: string) {}

  /** Starts Prometheus in `netns` on `address`:9090, scraping `jobs` every second. */
  static async start(netns: string, address: string, jobs: ScrapeJob[], ruleFiles: string[] = []): Promise<PrometheusServer> {
    const dir = mkdtempSync(join(tmpdir(), 'quorate-prometheus-'));
    // JSON is YAML: no YAML writer needed.
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '900ms', evaluation_interval: '1s' },
      rule_files: ruleFiles,
      scrape_configs: jobs.map((j) => ({ job_name: j.job, static_configs: [{ targets: j.targets }] })),
    };
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const child = spawn('ip', ['netns', 'exec', netns, 'prometheus', `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${address}:9090`, '--log.level=warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => { stderr += d.toString(); });
    const server = new PrometheusServer(child, netns, `http://${address}:9090`, dir);
    try {
      const deadline = performance.now() + 30_000;
      while ((await server.get('/-/ready')).code !== 0) {
        if (child.exitCode !== null) throw new Error(`prometheus exited (${String(child.exitCode)}): ${stderr.trim()}`);
        if (performance.now() > deadline) throw new Error(`prometheus not ready after 30 s: ${stderr.trim()}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** An instant query; rejects naming the query when Prometheus answers an error. */
  async query(promql: string): Promise<PromSample[]> {
    const answer = await this.get(`/api/v1/query?query=${encodeURIComponent(promql)}`);
    const parsed = JSON.parse(answer.body || '{}') as { status?: string; error?: string; data?: { result: PromSample[] } };
    if (answer.code !== 0 || parsed.status !== 'success') throw new Error(`query ${promql}: ${parsed.error ?? answer.body}`);
    return parsed.data!.result;
  }

  /** The single value of a query that gives one sample (undefined when it gives none). */
  async value(promql: string): Promise<number | undefined> {
    const result = await this.query(promql);
    if (result.length > 1) throw new Error(`query ${promql}: ${result.length} samples, expected at most one`);
    return result[0] === undefined ? undefined : Number(result[0].value[1]);
  }

  /** Polls `promql` until `done` holds for its samples; rejects with the last answer after timeoutMs. */
  async waitFor(promql: string, done: (samples: PromSample[]) => boolean, timeoutMs: number): Promise<PromSample[]> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const samples = await this.query(promql);
      if (done(samples)) return samples;
      if (performance.now() > deadline) throw new Error(`${promql}: not as expected after ${timeoutMs} ms: ${JSON.stringify(samples)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private get(path: string): Promise<{ code: number; body: string }> {
    return new Promise((resolve) => {
      const child = spawn('ip', ['netns', 'exec', this.netns, process.execPath, '-e', fetchScript, `${this.base}${path}`], { stdio: ['ignore', 'pipe', 'ignore'] });
      let body = '';
      child.stdout.on('data', (d: Buffer) => { body += d.toString(); });
      child.on('close', (code) => resolve({ code: code ?? 1, body }));
    });
  }
}

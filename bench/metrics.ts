/**
 * `npm run bench -- metrics [SCRAPES] [IDLE_S]`: what /metrics costs. Brings up the lab (two
 * nodes, our arbiter, the integrated device client, the HA stack, one service) twice, with
 * metrics on and off; with them on it scrapes each endpoint SCRAPES times from the lab's switch
 * and prints the CPU time the scraped process spent per scrape (utime+stime from /proc) and the
 * bytes per scrape; both times it prints each process's idle CPU share over IDLE_S seconds and
 * its RSS.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDemoService } from '../src/lab/demo';
import { LabHaCluster } from '../src/lab/ha-cluster';
import { NamespaceLab } from '../src/lab/namespace-lab';
import { namespacePidsSync } from '../src/lab/processes';
import { defaultMetricsPorts } from '../src/metrics/listen';
import { type Benchmark, wholeNumber } from './benchmark';

const cli = join(__dirname, '../src/cli/main.js');
const clockTicks = 100;

/** CPU seconds (user + system) and RSS bytes of a process. */
function usage(pid: number): { cpuS: number; rssBytes: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const rssPages = Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]);
  return { cpuS: (Number(fields[11]) + Number(fields[12])) / clockTicks, rssBytes: rssPages * 4096 };
}

function pidRunning(netns: string, match: string): number {
  const pid = namespacePidsSync(netns).find((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' ').includes(match);
    } catch {
      return false;
    }
  });
  if (pid === undefined) throw new Error(`no process '${match}' in ${netns}`);
  return pid;
}

/** Scrapes `url` `count` times from inside `netns`; returns the bytes of one answer. */
function scrape(netns: string, url: string, count: number): number {
  const script = `(async () => { let n = 0; for (let i = 0; i < ${count}; i++) n = (await (await fetch(process.argv[1])).arrayBuffer()).byteLength; console.log(n); })()`;
  const result = spawnSync('ip', ['netns', 'exec', netns, process.execPath, '-e', script, url], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`scraping ${url}: ${result.stderr}`);
  return Number(result.stdout.trim());
}

async function measure(metrics: boolean, scrapes: number, idleS: number): Promise<void> {
  const arbiterCommand = [process.execPath, cli, 'arbiter', 'run', '--listen', '{address}', '--status-socket', '/run/corosync-qnetd/corosync-qnetd.sock',
    '--log-level', 'warn', ...(metrics ? ['--metrics', `{address}:${defaultMetricsPorts.arbiter}`] : ['--no-metrics'])];
  const lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated', arbiter: { command: arbiterCommand } });
  let ha: LabHaCluster | undefined;
  try {
    ha = await LabHaCluster.start(lab, {
      extraConfig: { metrics: metrics ? { listen: `0.0.0.0:${defaultMetricsPorts.daemon}` } : { enabled: false } },
      muxArgs: metrics ? ['--metrics', `0.0.0.0:${defaultMetricsPorts['watchdog-mux']}`] : ['--no-metrics'],
    });
    await addDemoService(ha);
    await new Promise((r) => setTimeout(r, 10_000));
    const node1 = lab.host('node1');
    const targets = [
      { name: 'daemon (node1)', pid: pidRunning(node1.netns, 'daemon run'), url: `http://${node1.address}:${defaultMetricsPorts.daemon}/metrics` },
      { name: 'watchdog-mux (node1)', pid: pidRunning(node1.netns, 'watchdog-mux'), url: `http://${node1.address}:${defaultMetricsPorts['watchdog-mux']}/metrics` },
      { name: 'arbiter', pid: pidRunning(lab.host('arbiter').netns, 'arbiter run'), url: `http://${lab.host('arbiter').address}:${defaultMetricsPorts.arbiter}/metrics` },
    ];
    const before = targets.map((t) => usage(t.pid));
    await new Promise((r) => setTimeout(r, idleS * 1000));
    const after = targets.map((t) => usage(t.pid));
    for (const [i, t] of targets.entries()) {
      console.log(`metrics ${metrics ? 'on ' : 'off'}  ${t.name.padEnd(22)} idle CPU ${((after[i]!.cpuS - before[i]!.cpuS) / idleS * 100).toFixed(2)} %  RSS ${(after[i]!.rssBytes / 1048576).toFixed(1)} MiB`);
    }
    if (!metrics) return;
    const client = await lab.client();
    for (const t of targets) {
      const start = usage(t.pid).cpuS;
      const bytes = scrape(client.netns, t.url, scrapes);
      const cpuMs = ((usage(t.pid).cpuS - start) * 1000) / scrapes;
      console.log(`scrape   ${t.name.padEnd(22)} ${cpuMs.toFixed(2)} ms CPU per scrape (${scrapes} scrapes, 10 ms ticks), ${bytes} bytes`);
    }
  } finally {
    await ha?.stop();
    await lab.down();
  }
}

export const benchmark: Benchmark = {
  summary: 'what /metrics costs: CPU and bytes per scrape, idle CPU and RSS of each daemon with metrics on and off',
  estimate: 'about 3 minutes (two lab bring-ups, 200 scrapes of each endpoint, 30 s idle twice)',
  declare: (command) => command
    .argument('[scrapes]', 'scrapes of each endpoint', wholeNumber(1), 200)
    .argument('[idle-s]', 'seconds over which idle CPU is measured', wholeNumber(1), 30),
  run: async (_options, [scrapes, idleS]) => {
    await measure(true, scrapes as number, idleS as number);
    await measure(false, scrapes as number, idleS as number);
  },
};

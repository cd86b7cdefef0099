import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import * as b from '../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, MsgType, NodeListType, Vote } from '../src/qdevice/protocol/constants';
import { Framer } from '../src/qdevice/protocol/framing';
import { decodeMessage } from '../src/qdevice/protocol/message';
import { waitForPort } from '../test/support/qnetd-process';
import { InvalidArgumentError, Option } from 'commander';
import { wholeNumber, type Benchmark } from './benchmark';

/*
 * `npm run bench -- arbiter [CLIENTS…]`: simulated two-node clusters (ffsplit) against our arbiter
 * and real corosync-qnetd in the same run, on loopback. Per size: setup latency (connect → first
 * ACK) p50/p99; vote-change latency p50/p99 over VOTE_CHANGE_ROUNDS membership changes of every
 * cluster at once (split, heal, split: from the moment a cluster's two node lists were written to
 * the ACK for the new ring at the node that must get it, after the two-phase NACK/ACK), the first
 * change apart: it is the one a rare real change resembles, and ours is much slower on it than on
 * the later ones; server RSS, of it the private (anonymous) part, and CPU seconds. qnetd runs with listen_backlog=4096
 * (its default of 10 stalls bursts for seconds; reference §4.4).
 */

const HOST = '127.0.0.1';
const CONCURRENT_CONNECTS = 400;
/** Three changes instead of one: one burst's latencies swing by ±30 % between runs on 2 vCPUs. */
const VOTE_CHANGE_ROUNDS = 3;
const SETTLE_MS = 200;
/** Clusters whose membership changes are written before the load generator reads replies again. */
const SEND_BATCH = 100;

/** One server's run at one size: latency samples in ms and the process's figures at the end. */
interface Sample {
  setup: number[]; firstChange: number[]; laterChange: number[]; rssMb: number; privateMb: number; cpuS: number; wallS: number;
}

interface Figures {
  setupP50: number; setupP99: number; firstChangeP50: number; firstChangeP99: number; laterChangeP50: number; laterChangeP99: number;
  rssMb: number; privateMb: number; cpuS: number; wallS: number;
}

/** Pools the repetitions: latency percentiles over every sample, the largest RSS, mean CPU and wall time. */
function figuresOf(samples: Sample[]): Figures {
  const setup = samples.flatMap((x) => x.setup);
  const first = samples.flatMap((x) => x.firstChange);
  const later = samples.flatMap((x) => x.laterChange);
  const mean = (pick: (x: Sample) => number) => samples.reduce((sum, x) => sum + pick(x), 0) / samples.length;
  return {
    setupP50: pct(setup, 50), setupP99: pct(setup, 99), firstChangeP50: pct(first, 50), firstChangeP99: pct(first, 99),
    laterChangeP50: pct(later, 50), laterChangeP99: pct(later, 99),
    rssMb: Math.max(...samples.map((x) => x.rssMb)), privateMb: Math.max(...samples.map((x) => x.privateMb)),
    cpuS: mean((x) => x.cpuS), wallS: mean((x) => x.wallS),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, c) => a - c);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};

/** RSS (VmRSS), its anonymous part (RssAnon: what the process itself allocated, not file pages), CPU. */
function procFigures(pid: number): { rssMb: number; privateMb: number; cpuS: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return { rssMb: kb('VmRSS') / 1024, privateMb: kb('RssAnon') / 1024, cpuS: ticks / 100 };
}

/** One simulated corosync-qdevice: reacts to votes, records when ACK/NACK arrive. */
class SimClient {
  private sock!: net.Socket;
  private readonly framer = new Framer(32768);
  private seq = 1;
  lastVote: { vote: number; ringSeq: bigint; at: number } | null = null;
  onVote: (() => void) | null = null;

  constructor(readonly cluster: string, readonly nodeId: number) {}

  connect(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.sock = net.connect({ host: HOST, port }, () => resolve());
      this.sock.setNoDelay(true);
      this.sock.on('error', reject);
      this.sock.on('data', (d: Buffer) => {
        this.framer.push(d);
        for (let ev = this.framer.next(); ev; ev = this.framer.next()) {
          if (ev.kind !== 'message') continue;
          const r = decodeMessage(ev.body);
          if (r.ok) this.onMessage(ev.type, r.message.seq ?? 0, r.message.vote, r.message.ringId?.seq);
        }
      });
    });
  }

  hello(): void {
    this.sock.write(b.preinit(this.seq, this.cluster));
  }

  membership(ringSeq: bigint, members: number[]): void {
    this.sock.write(b.nodeList({ seq: ++this.seq, listType: NodeListType.Membership, ringId: { nodeId: members[0]!, seq: ringSeq },
      nodes: members.map((nodeId) => ({ nodeId, dataCenterId: 0, nodeState: 0 })) }));
  }

  close(): void {
    this.sock.destroy();
  }

  private onMessage(type: number, seq: number, vote: number | undefined, ringSeq: bigint | undefined): void {
    if (type === MsgType.PreinitReply) {
      this.sock.write(b.init({ seq: ++this.seq, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: this.nodeId,
        algorithm: 1, heartbeatInterval: 120000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } }));
    } else if (type === MsgType.InitReply) {
      this.sock.write(b.nodeList({ seq: ++this.seq, listType: NodeListType.InitialConfig, nodes: [1, 2].map((nodeId) => ({ nodeId, dataCenterId: 0, nodeState: 0 })) }));
      this.membership(1n, [1, 2]);
    } else if (type === MsgType.VoteInfo || type === MsgType.NodeListReply) {
      if (type === MsgType.VoteInfo) this.sock.write(b.voteInfoReply(seq));
      if (vote === Vote.Ack || vote === Vote.Nack) {
        this.lastVote = { vote, ringSeq: ringSeq ?? 0n, at: performance.now() };
        this.onVote?.();
      }
    }
  }
}

async function waitUntil(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const t0 = performance.now();
  while (!cond()) {
    if (performance.now() - t0 > timeoutMs) return false;
    await sleep(10);
  }
  return true;
}

async function measure(port: number, pid: number, clients: number): Promise<Sample> {
  const cpu0 = procFigures(pid).cpuS;
  const t0 = performance.now();
  const sims: SimClient[] = [];
  for (let c = 0; c < clients / 2; c++) for (const n of [1, 2]) sims.push(new SimClient(`bench-${c}`, n));
  const setup: number[] = [];
  // Connect in waves; each client's setup time runs from its connect to its first ACK.
  for (let i = 0; i < sims.length; i += CONCURRENT_CONNECTS) {
    await Promise.all(sims.slice(i, i + CONCURRENT_CONNECTS).map(async (s) => {
      const start = performance.now();
      await s.connect(port);
      s.onVote = () => {
        if (s.lastVote?.vote === Vote.Ack && s.onVote) {
          setup.push(s.lastVote.at - start);
          s.onVote = null;
        }
      };
      s.hello();
    }));
  }
  if (!await waitUntil(() => setup.length === sims.length, 120000)) throw new Error(`only ${setup.length}/${sims.length} clients got an ACK`);
  const change: number[] = [];
  let firstChanges = 0;
  await sleep(SETTLE_MS);
  for (let round = 0; round < VOTE_CHANGE_ROUNDS; round++) {
    // Split every cluster 50:50 (node 1, the lowest id, must get the ACK) or heal it (node 2, NACKed
    // by the split, must get it back), every cluster within one burst.
    const ring = BigInt(round + 2);
    const split = round % 2 === 0;
    const done = change.length;
    for (let i = 0; i < sims.length; i += 2) {
      const [n1, n2] = [sims[i]!, sims[i + 1]!];
      const winner = split ? n1 : n2;
      winner.onVote = null;
      if (split) {
        n1.membership(ring, [1]);
        n2.membership(ring, [2]);
      } else {
        n1.membership(ring, [1, 2]);
        n2.membership(ring, [1, 2]);
      }
      const sentAt = performance.now();
      winner.onVote = () => {
        if (winner.lastVote?.ringSeq === ring && winner.lastVote.vote === Vote.Ack && winner.onVote) {
          change.push(winner.lastVote.at - sentAt);
          winner.onVote = null;
        }
      };
      // Let the replies in between batches: a loop over all clusters would hold every ACK's
      // timestamp until its end and measure the load generator's loop instead of the server.
      if ((i / 2) % SEND_BATCH === SEND_BATCH - 1) await new Promise((r) => setImmediate(r));
    }
    if (!await waitUntil(() => change.length === done + sims.length / 2, 120000)) {
      throw new Error(`round ${round + 1}: only ${change.length - done} of ${sims.length / 2} clusters re-decided`);
    }
    // Let every cluster settle (the loser's NACK or the other ACK in, replies read) before the next
    // change: with 200 clients, corosync-qnetd 3.0.3 left every cluster undecided (> 120 s) when the
    // next membership came while the last replies of the previous change were in flight.
    const settled = (sim: SimClient, vote: Vote) => sim.lastVote?.ringSeq === ring && sim.lastVote.vote === vote;
    const node2Vote = split ? Vote.Nack : Vote.Ack;
    if (!await waitUntil(() => sims.every((sim, i) => settled(sim, i % 2 === 0 ? Vote.Ack : node2Vote)), 120000)) {
      throw new Error(`round ${round + 1}: clusters did not settle`);
    }
    if (round === 0) firstChanges = change.length;
    await sleep(SETTLE_MS);
  }
  const wallS = (performance.now() - t0) / 1000;
  const { rssMb, privateMb, cpuS } = procFigures(pid);
  sims.forEach((s) => s.close());
  return { setup, firstChange: change.slice(0, firstChanges), laterChange: change.slice(firstChanges), rssMb, privateMb, cpuS: cpuS - cpu0, wallS };
}

type ServerKind = 'ours' | 'qnetd';

/** The NODE_OPTIONS the systemd unit gives the arbiter, so the bench measures ours as it runs in service. */
function serviceNodeOptions(): string {
  const unit = fs.readFileSync(path.resolve(__dirname, '../../systemd/quorate-arbiter.service'), 'utf8');
  return /^Environment=NODE_OPTIONS=(.*)$/m.exec(unit)?.[1]?.trim() ?? '';
}

async function startServer(kind: ServerKind, port: number, dir: string): Promise<ChildProcess> {
  const cli = process.env.ARBITER_CLI ?? path.resolve(__dirname, '../src/cli/main.js');
  const env = { ...process.env, NODE_OPTIONS: process.env.ARBITER_NODE_OPTIONS ?? serviceNodeOptions() };
  const p = kind === 'ours'
    ? spawn('node', [cli, 'arbiter', 'run', '--listen', HOST, '--port', String(port), '--status-socket', path.join(dir, 'ours.sock'), '--log-level', 'error'], { stdio: 'ignore', env })
    : spawn('corosync-qnetd', ['-f', '-s', 'off', '-l', HOST, '-p', String(port),
      '-S', `listen_backlog=4096,lock_file=${dir}/qnetd.pid,local_socket_file=${dir}/qnetd.sock`], { stdio: 'ignore' });
  await waitForPort(HOST, port);
  return p;
}

async function stopServer(p: ChildProcess): Promise<void> {
  if (p.exitCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  p.kill('SIGTERM');
  await Promise.race([exited, sleep(5000)]);
  if (p.exitCode === null) p.kill('SIGKILL');
}

/**
 * Arguments: client counts (default 200 2000 10000), `--only ours|qnetd` to run one side (no
 * ratio then) and `--repeat N` (default 2) runs per server and size, the order of the two servers
 * swapped every other run (the load generator carries the previous run's garbage), pooled.
 * ARBITER_NODE_OPTIONS overrides the unit's NODE_OPTIONS for ours, ARBITER_CLI the
 * build that runs as ours (main.js of another checkout): to compare settings and builds.
 */
async function run(sizes: number[], only: ServerKind | undefined, repeat: number): Promise<void> {
  const kinds: ServerKind[] = only === undefined ? ['qnetd', 'ours'] : [only];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-bench-arbiter-'));
  const row = (name: string, unit: string, o: number, q: number) =>
    process.stdout.write(`  ${name.padEnd(22)} ours ${o.toFixed(unit === 'MB' ? 1 : 2).padStart(9)} ${unit.padEnd(3)} qnetd ${q.toFixed(unit === 'MB' ? 1 : 2).padStart(9)} ${unit.padEnd(3)} ratio ${(o / q).toFixed(2)}\n`);
  try {
    let port = 26403;
    for (const n of sizes) {
      const samples: Record<ServerKind, Sample[]> = { ours: [], qnetd: [] };
      for (let r = 0; r < repeat; r++) {
        for (const kind of r % 2 === 0 ? kinds : [...kinds].reverse()) {
          const server = await startServer(kind, ++port, dir);
          try {
            samples[kind].push(await measure(port, server.pid!, n));
          } finally {
            await stopServer(server);
          }
        }
      }
      process.stdout.write(`arbiter bench: ${n} clients (${n / 2} two-node ffsplit clusters), ${repeat} run(s) each, loopback, 2 vCPU shared with the load generator\n`);
      const o = samples.ours.length > 0 ? figuresOf(samples.ours) : undefined;
      const q = samples.qnetd.length > 0 ? figuresOf(samples.qnetd) : undefined;
      if (o === undefined || q === undefined) {
        const [kind, f] = o ? ['ours', o] as const : ['qnetd', q!] as const;
        process.stdout.write(`  ${kind}: ${JSON.stringify(f, (_k, v: unknown) => (typeof v === 'number' ? Number(v.toFixed(2)) : v))}\n`);
        continue;
      }
      row('setup p50', 'ms', o.setupP50, q.setupP50);
      row('setup p99', 'ms', o.setupP99, q.setupP99);
      row('first vote change p50', 'ms', o.firstChangeP50, q.firstChangeP50);
      row('first vote change p99', 'ms', o.firstChangeP99, q.firstChangeP99);
      row('later vote change p50', 'ms', o.laterChangeP50, q.laterChangeP50);
      row('later vote change p99', 'ms', o.laterChangeP99, q.laterChangeP99);
      row('server RSS', 'MB', o.rssMb, q.rssMb);
      row('  of it private', 'MB', o.privateMb, q.privateMb);
      row('server CPU', 's', o.cpuS, q.cpuS);
      row('run wall time', 's', o.wallS, q.wallS);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const evenClientCount = (value: string, previous: number[] | undefined): number[] => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n % 2 !== 0) throw new InvalidArgumentError(`'${value}' is not an even client count ≥ 2`);
  return [...(previous ?? []), n];
};

export const benchmark: Benchmark = {
  summary: 'our arbiter against real corosync-qnetd: setup and vote-change latency, RSS and CPU at 200, 2000 and 10,000 clients',
  estimate: 'about 4 minutes (3 sizes × 2 servers × 2 repetitions; 10,000 clients take most of it)',
  declare: (command) => command
    .argument('[clients...]', 'client counts (even: two-node clusters)', evenClientCount)
    .addOption(new Option('--only <server>', 'run one side only (no ratio then)').choices(['ours', 'qnetd']))
    .option('--repeat <n>', 'runs per server and size, the order of the two swapped every other run, pooled', wholeNumber(1), 2),
  run: (options, [clients]) => run((clients as number[] | undefined) ?? [200, 2000, 10000], options.only as ServerKind | undefined, options.repeat as number),
};

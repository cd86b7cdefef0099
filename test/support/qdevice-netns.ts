import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/*
 * A small namespace bed for quorum-device interoperation: two corosync nodes with real
 * corosync-qdevice, and an arbiter host (real corosync-qnetd or ours) that also holds the bridge.
 * Fast corosync timings (token 1000, device timeout 3000) as measured in lab-facts.md.
 * Interim: to be replaced by the lab branch's Lab.up({ arbiter: { command } }) when it lands.
 */

export type ArbiterKind = 'qnetd' | 'ours';

export interface NodeQuorum {
  quorate: boolean;
  totalVotes: number;
}

const sh = (cmd: string, args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function canRunNamespaces(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const bin of ['corosync', 'corosync-qdevice', 'corosync-qnetd', 'corosync-quorumtool', 'unshare', 'bridge']) {
    try { sh('sh', ['-c', `command -v ${bin}`]); } catch { return `${bin} is not installed`; }
  }
  return null;
}

export class QdeviceBed {
  readonly id = Math.random().toString(16).slice(2, 6);
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-qdbed-'));
  readonly subnet = `10.${200 + Math.floor(Math.random() * 40)}.${Math.floor(Math.random() * 250)}`;
  readonly arbiterNs = `qa${this.id}b`;
  readonly nodeNs = [`qa${this.id}n1`, `qa${this.id}n2`];
  private readonly procs = new Map<string, ChildProcess>();
  private namespacesMade: string[] = [];

  constructor(
    readonly arbiter: ArbiterKind, private readonly arbiterCli: string, readonly tls: 'off' | 'on' | 'required' = 'off',
    /** Which quorum device runs on the nodes: real corosync-qdevice or our `quorate qdevice run`. */
    readonly device: 'corosync-qdevice' | 'ours' = 'corosync-qdevice',
  ) {}

  private get certDir(): string {
    return path.join(this.dir, 'arbiter-certs');
  }

  private nodeDb(i: number): string {
    return path.join(this.dir, `n${i + 1}`, 'nssdb');
  }

  /** Certificates made with our commands only: the arbiter's CA and server cert, both nodes' NSS databases. */
  private makeCertificates(): void {
    const q = (...args: string[]) => sh('node', [this.arbiterCli, ...args]);
    q('arbiter', 'certs', 'init', '-d', this.certDir);
    const ca = path.join(this.certDir, 'qnetd-cacert.crt');
    q('qdevice', 'certs', 'init', '--ca', ca, '-d', this.nodeDb(0));
    const csr = q('qdevice', 'certs', 'request', '-n', 'qbed', '-d', this.nodeDb(0)).trim();
    const crt = q('arbiter', 'certs', 'sign', '--csr', csr, '-n', 'qbed', '-d', this.certDir).trim();
    const p12 = q('qdevice', 'certs', 'import', '--cert', crt, '-d', this.nodeDb(0)).trim();
    q('qdevice', 'certs', 'import-bundle', '--ca', ca, '--p12', p12, '-d', this.nodeDb(1));
  }

  get arbiterAddress(): string {
    return `${this.subnet}.254`;
  }

  async up(): Promise<void> {
    for (const ns of [this.arbiterNs, ...this.nodeNs]) {
      sh('ip', ['netns', 'add', ns]);
      this.namespacesMade.push(ns);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    const b = this.arbiterNs;
    sh('ip', ['-n', b, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['-n', b, 'addr', 'add', `${this.arbiterAddress}/24`, 'dev', 'br0']);
    sh('ip', ['-n', b, 'link', 'set', 'br0', 'up']);
    this.nodeNs.forEach((ns, i) => {
      sh('ip', ['-n', b, 'link', 'add', `p${i + 1}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['-n', b, 'link', 'set', `p${i + 1}`, 'master', 'br0', 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${this.subnet}.${i + 1}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
    });
    if (this.tls !== 'off') this.makeCertificates();
    this.startArbiter();
    for (let i = 0; i < 2; i++) this.startCorosync(i);
    await this.waitFor('both corosyncs answer', 15000, () => this.nodeNs.every((_, i) => this.quorum(i) !== null));
    for (let i = 0; i < 2; i++) this.startQdevice(i);
  }

  startArbiter(): void {
    const d = path.join(this.dir, 'arbiter');
    fs.mkdirSync(d, { recursive: true });
    const cmd = this.arbiter === 'qnetd'
      ? ['corosync-qnetd', '-f', '-s', 'off', '-l', this.arbiterAddress, '-S', `lock_file=${d}/qnetd.pid,local_socket_file=${d}/qnetd.sock`]
      : ['node', this.arbiterCli, 'arbiter', 'run', '--listen', this.arbiterAddress, '--status-socket', this.statusSocket, '--log-level', 'warn',
        '--tls', this.tls, '--cert-dir', this.certDir];
    this.spawn('arbiter', ['ip', 'netns', 'exec', this.arbiterNs, ...cmd]);
  }

  get statusSocket(): string {
    return path.join(this.dir, 'arbiter', 'arbiter.sock');
  }

  async stopArbiter(): Promise<void> {
    await this.kill('arbiter', 'SIGTERM');
  }

  private startCorosync(i: number): void {
    const d = path.join(this.dir, `n${i + 1}`);
    for (const sub of ['run', 'state']) fs.mkdirSync(path.join(d, sub), { recursive: true });
    fs.writeFileSync(path.join(d, 'corosync.conf'), `totem {
  version: 2
  cluster_name: qbed
  transport: knet
  token: 1000
  consensus: 1200
}
nodelist {
  node {
    nodeid: 1
    name: n1
    ring0_addr: ${this.subnet}.1
  }
  node {
    nodeid: 2
    name: n2
    ring0_addr: ${this.subnet}.2
  }
}
quorum {
  provider: corosync_votequorum
  device {
    model: net
    votes: 1
    timeout: 3000
    sync_timeout: 9000
    net {
      host: ${this.arbiterAddress}
      algorithm: ffsplit
      tls: ${this.tls}
    }
  }
}
logging {
  to_stderr: no
  to_logfile: yes
  logfile: ${d}/corosync.log
  timestamp: hires
}
system {
  state_dir: ${d}/state
}
`);
    this.spawn(`corosync${i}`, ['ip', 'netns', 'exec', this.nodeNs[i]!, 'unshare', '-m', '--propagation', 'private', 'sh', '-c',
      `mount --bind ${d}/run /run && exec corosync -f -c ${d}/corosync.conf`]);
  }

  private startQdevice(i: number): void {
    const d = path.join(this.dir, `n${i + 1}`);
    if (this.device === 'ours') {
      this.spawn(`qdevice${i}`, ['ip', 'netns', 'exec', this.nodeNs[i]!, 'node', this.arbiterCli, 'qdevice', 'run']);
      return;
    }
    this.spawn(`qdevice${i}`, ['ip', 'netns', 'exec', this.nodeNs[i]!, 'corosync-qdevice', '-f',
      '-S', `lock_file=${d}/qdevice.pid,local_socket_file=${d}/qdevice.sock,net_nss_db_dir=${this.nodeDb(i)}`]);
  }

  /** corosync-quorumtool's view from node i, or null when corosync does not answer. */
  quorum(i: number): NodeQuorum | null {
    let out: string;
    try {
      out = sh('ip', ['netns', 'exec', this.nodeNs[i]!, 'corosync-quorumtool', '-s']);
    } catch (err) {
      // Exit status 2 means "not quorate" and still prints the status.
      out = (err as { stdout?: string }).stdout ?? '';
    }
    const q = /Quorate:\s+(Yes|No)/.exec(out);
    const v = /Total votes:\s+(\d+)/.exec(out);
    return q && v ? { quorate: q[1] === 'Yes', totalVotes: Number(v[1]) } : null;
  }

  async waitFor(what: string, timeoutMs: number, cond: () => boolean): Promise<number> {
    const start = performance.now();
    while (performance.now() - start < timeoutMs) {
      if (cond()) return performance.now() - start;
      await sleep(200);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what} (n1 ${JSON.stringify(this.quorum(0))}, n2 ${JSON.stringify(this.quorum(1))})`);
  }

  /** Both nodes can still reach the arbiter but no longer each other. */
  isolateNodes(on: boolean): void {
    for (const p of ['p1', 'p2']) sh('bridge', ['-n', this.arbiterNs, 'link', 'set', 'dev', p, 'isolated', on ? 'on' : 'off']);
  }

  /** Cuts node i off everything (its bridge port down). */
  cutLink(i: number, cut: boolean): void {
    sh('ip', ['-n', this.arbiterNs, 'link', 'set', `p${i + 1}`, cut ? 'down' : 'up']);
  }

  async killNode(i: number): Promise<void> {
    const pid = this.procs.get(`corosync${i}`)?.pid;
    await this.kill(`corosync${i}`, 'SIGKILL');
    await this.kill(`qdevice${i}`, 'SIGKILL');
    if (pid) this.removeShm(pid);
  }

  async down(): Promise<void> {
    const pids = [0, 1].map((i) => this.procs.get(`corosync${i}`)?.pid);
    for (const name of [...this.procs.keys()]) await this.kill(name, 'SIGKILL');
    for (const pid of pids) if (pid) this.removeShm(pid);
    for (const ns of this.namespacesMade) {
      try { sh('ip', ['netns', 'del', ns]); } catch { /* already gone */ }
    }
    this.namespacesMade = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private removeShm(pid: number): void {
    for (const f of fs.readdirSync('/dev/shm')) {
      if (f.startsWith(`qb-${pid}-`) || f.startsWith(`qb-corosync-${pid}-`)) fs.rmSync(path.join('/dev/shm', f), { recursive: true, force: true });
    }
  }

  private spawn(name: string, argv: string[]): void {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'ignore', fs.openSync(path.join(this.dir, `${name}.err`), 'a')] });
    this.procs.set(name, p);
  }

  private async kill(name: string, signal: NodeJS.Signals): Promise<void> {
    const p = this.procs.get(name);
    this.procs.delete(name);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill(signal);
    await Promise.race([exited, sleep(3000)]);
    if (p.exitCode === null && p.signalCode === null) {
      p.kill('SIGKILL');
      await Promise.race([exited, sleep(1000)]);
    }
  }
}

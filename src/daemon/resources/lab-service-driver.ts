/**
 * The `lab` resource driver: the demo and test service. A service is a floating IPv4 address on
 * the node's interface that carries its subnet, announced with a gratuitous ARP so clients move
 * to this node at once, and a responder process listening on it (src/daemon/resources/lab-service-responder.ts).
 * It runs inside the node's network namespace, as the daemon does. The responder's pid file
 * under runDir lets a restarted daemon find what runs already, neither losing nor doubling it.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { run, runChecked } from '../../util/run';
import type { DriverParams, ResourceDriver, ResourceState } from './driver';

export interface LabServiceDriverOptions {
  /** This node's name: the responder answers with it. */
  node: string;
  defaultPort: number;
  runDir: string;
  /** Where instances journal their starts and stops ('' for nowhere). */
  journal: string;
}

const responderPath = join(__dirname, 'lab-service-responder.js');
const cidr = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

export class LabServiceParamsError extends Error {}

interface LabService {
  address: string;
  prefixLength: number;
  port: number;
}

function ipv4ToNumber(parts: string[]): number {
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export class LabServiceDriver implements ResourceDriver {
  readonly type = 'lab';

  constructor(private readonly options: LabServiceDriverOptions) {}

  validate(_id: string, params: DriverParams): void {
    this.service(params);
  }

  /** A service's parameters, checked; the message names the bad one. */
  private service(params: DriverParams): LabService {
    for (const key of Object.keys(params)) {
      if (key !== 'address' && key !== 'port') throw new LabServiceParamsError(`lab service parameter '${key}' is unknown (address, port)`);
    }
    const m = cidr.exec(params.address ?? '');
    if (m === null || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 1 || Number(m[5]) > 32) {
      throw new LabServiceParamsError(`lab service parameter 'address' must be an IPv4 address with a prefix length, like 10.213.0.100/24; got ${JSON.stringify(params.address ?? '')}`);
    }
    const port = params.port === undefined ? this.options.defaultPort : Number(params.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LabServiceParamsError(`lab service parameter 'port' must be 1-65535; got ${JSON.stringify(params.port)}`);
    return { address: m.slice(1, 5).join('.'), prefixLength: Number(m[5]), port };
  }

  async start(id: string, params: DriverParams): Promise<void> {
    const service = this.service(params);
    const device = await this.deviceFor(service);
    await runChecked(['ip', 'addr', 'replace', `${service.address}/${service.prefixLength}`, 'dev', device]);
    if (this.pid(id) === null) await this.spawnResponder(id, service);
    // Unsolicited ARP once the service answers: a client's cache still points at the node that ran
    // it before, and without this it keeps sending there until its neighbour entry times out (up
    // to a minute). Two announcements a second apart (one may be lost; a slow node may start
    // arping late), -w ends arping, which else waits for replies that never come.
    await run(['arping', '-U', '-c', '2', '-w', '2', '-I', device, '-s', service.address, service.address], { timeoutMs: 10_000 });
  }

  private async spawnResponder(id: string, service: LabService): Promise<void> {
    mkdirSync(this.options.runDir, { recursive: true });
    const args = [responderPath, `lab:${id}`, this.options.node, service.address, String(service.port)];
    if (this.options.journal !== '') args.push(this.options.journal);
    const child = spawn(process.execPath, args, { detached: true, stdio: 'ignore' });
    child.unref();
    if (child.pid === undefined) throw new Error(`lab service ${id}: the responder did not start`);
    writeFileSync(this.pidFile(id), `${child.pid}\n`);
    await this.waitListening(id, service, child.pid);
  }

  async stop(id: string, params: DriverParams, timeoutMs: number): Promise<void> {
    const service = this.service(params);
    const pid = this.pid(id);
    if (pid !== null) {
      process.kill(pid, 'SIGTERM');
      if (!(await waitGone(pid, timeoutMs))) {
        process.kill(pid, 'SIGKILL');
        if (!(await waitGone(pid, 5000))) throw new Error(`lab service ${id}: responder ${pid} survives SIGKILL`);
      }
    }
    rmSync(this.pidFile(id), { force: true });
    const device = await this.deviceFor(service).catch(() => null);
    if (device !== null) await run(['ip', 'addr', 'del', `${service.address}/${service.prefixLength}`, 'dev', device]);
  }

  migrate(id: string): Promise<void> {
    return Promise.reject(new Error(`lab service ${id} cannot migrate live: relocate it (stop here, start there)`));
  }

  status(id: string): Promise<ResourceState> {
    return Promise.resolve(this.pid(id) === null ? 'stopped' : 'running');
  }

  private pidFile(id: string): string {
    return join(this.options.runDir, `${id}.pid`);
  }

  /** The responder's pid when it is alive and really ours (a reused pid is not). */
  private pid(id: string): number | null {
    let pid: number;
    try {
      pid = Number(readFileSync(this.pidFile(id), 'utf8').trim());
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!cmdline.includes('service-responder') || !cmdline.includes(`lab:${id}\0`)) return null;
    } catch {
      return null;
    }
    return pid;
  }

  /** The interface whose IPv4 network contains the service address. */
  private async deviceFor(service: LabService): Promise<string> {
    const out = await runChecked(['ip', '-4', '-o', 'addr', 'show']);
    const target = ipv4ToNumber(service.address.split('.'));
    const mask = service.prefixLength === 0 ? 0 : (0xffffffff << (32 - service.prefixLength)) >>> 0;
    for (const line of out.split('\n')) {
      const m = /^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+\.\d+)\/(\d+)/.exec(line);
      if (m === null || m[2] === service.address) continue;
      if (((ipv4ToNumber(m[2]!.split('.')) & mask) >>> 0) === ((target & mask) >>> 0)) return m[1]!;
    }
    throw new Error(`no interface on this node carries ${service.address}/${service.prefixLength}'s network`);
  }

  private async waitListening(id: string, service: LabService, pid: number): Promise<void> {
    const deadline = performance.now() + 10_000;
    while (performance.now() < deadline) {
      if (await accepts(service.address, service.port)) return;
      if (this.pid(id) !== pid) throw new Error(`lab service ${id}: the responder exited during start`);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`lab service ${id}: not listening on ${service.address}:${service.port} after 10 s`);
  }
}

function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(500, () => {
      socket.destroy();
      resolve(false);
    });
    socket.on('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

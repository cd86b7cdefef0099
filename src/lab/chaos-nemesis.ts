/**
 * The campaign's nemesis: plays a schedule (src/lab/chaos-schedule.ts) on a lab running the HA
 * stack, each fault applied at its time, held for its duration and healed, overlapping as the
 * schedule has them, and records when each was applied and healed. A supervisor stands in for a
 * machine's boot: a powered node that no fault holds and whose stack is not running (after a
 * watchdog reset, a crash) gets it started again. Operations on one node run one at a time.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicNowMs } from '../daemon/resources/lab-service-journal';
import { run, runChecked } from '../util/run';
import { SeededRandom } from '../util/seeded-random';
import type { FaultRecord } from './chaos-checker';
import type { ChaosOperator } from './chaos-operator';
import type { ScheduledFault } from './chaos-schedule';
import type { LabHaCluster } from './ha-cluster';
import type { NodeHost } from './names';

const fillerName = 'chaos-filler';

export type NemesisLog = (line: string) => void;

export class ChaosNemesis {
  readonly faults: FaultRecord[] = [];
  /** What went wrong applying or healing a fault (the lab's tools, not the HA stack). */
  readonly notes: string[] = [];
  private readonly locks = new Map<NodeHost, Promise<unknown>>();
  private readonly held = new Map<NodeHost, number>();
  private supervising = false;
  private supervisor: Promise<void> | undefined;
  private arbiterStopped = false;

  constructor(private readonly ha: LabHaCluster, private readonly operator: ChaosOperator, private readonly log: NemesisLog) {}

  private get lab() {
    return this.ha.lab;
  }

  /** Plays every fault of the schedule (times from now), then heals whatever is left and returns when the last heal is done. */
  async play(schedule: ScheduledFault[]): Promise<number> {
    this.startSupervisor();
    const t0 = monotonicNowMs();
    const running: Promise<void>[] = [];
    for (const fault of schedule) {
      const wait = t0 + fault.startMs - monotonicNowMs();
      if (wait > 0) await sleep(wait);
      running.push(this.inject(fault).catch((err: unknown) => { this.note(`fault #${fault.index} ${fault.kind}: ${String(err)}`); }));
    }
    await Promise.all(running);
    await this.healAll();
    return monotonicNowMs();
  }

  async stop(): Promise<void> {
    this.supervising = false;
    await this.supervisor;
  }

  private note(line: string): void {
    this.notes.push(line);
    this.log(`  note: ${line}`);
  }

  /** Runs `work` after whatever else runs on the node. */
  private withNode<T>(node: NodeHost, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(node) ?? Promise.resolve();
    const next = previous.then(work, work);
    this.locks.set(node, next.catch(() => undefined));
    return next;
  }

  private hold(nodes: NodeHost[], by: number): void {
    for (const n of nodes) this.held.set(n, (this.held.get(n) ?? 0) + by);
  }

  private async inject(fault: ScheduledFault): Promise<void> {
    if (fault.kind === 'operator') {
      const appliedAt = monotonicNowMs();
      const diskFaulted = this.faults.find((f) => (f.kind === 'disk-full' || f.kind === 'disk-read-only') && f.healedAt === Infinity)?.node as NodeHost | undefined;
      await this.operator.burst(fault.seed, diskFaulted);
      this.faults.push({ index: fault.index, kind: fault.kind, appliedAt, healedAt: monotonicNowMs() });
      this.log(`#${fault.index} operator: ${this.operator.log.length} commands so far`);
      return;
    }
    const nodes = fault.node !== undefined ? [fault.node] : fault.kind === 'arbiter-down' ? [] : this.ha.nodes;
    this.hold(nodes, 1);
    const record: FaultRecord = { index: fault.index, kind: fault.kind, ...(fault.node === undefined ? {} : { node: fault.node }), appliedAt: NaN, healedAt: Infinity };
    try {
      const heal = await this.apply(fault);
      record.appliedAt = monotonicNowMs();
      this.faults.push(record);
      this.log(`#${fault.index} ${fault.kind}${fault.node === undefined ? '' : ` ${fault.node}`} applied for ${fault.durationMs} ms`);
      await heal(record.appliedAt + fault.durationMs);
      record.healedAt = monotonicNowMs();
      this.log(`#${fault.index} ${fault.kind}${fault.node === undefined ? '' : ` ${fault.node}`} healed`);
    } finally {
      if (record.healedAt === Infinity && !Number.isNaN(record.appliedAt)) record.healedAt = monotonicNowMs();
      this.hold(nodes, -1);
    }
  }

  /** Applies the fault; resolves with what holds it until `until` and heals it. */
  private async apply(fault: ScheduledFault): Promise<(until: number) => Promise<void>> {
    const node = fault.node as NodeHost;
    const random = new SeededRandom(fault.seed);
    const sleepUntil = async (until: number): Promise<void> => { await sleep(Math.max(0, until - monotonicNowMs())); };
    switch (fault.kind) {
      case 'power-loss':
        await this.withNode(node, () => this.powerOff(node));
        return async (until) => { await sleepUntil(until); await this.withNode(node, () => this.powerUp(node)); };
      case 'cluster-power-loss':
        await Promise.all(this.ha.nodes.map((n) => this.withNode(n, () => this.powerOff(n))));
        return async (until) => { await sleepUntil(until); await Promise.all(this.ha.nodes.map((n) => this.withNode(n, () => this.powerUp(n)))); };
      case 'link-cut':
        await this.lab.cutLink(node);
        return async (until) => { await sleepUntil(until); await this.lab.restoreLink(node); };
      case 'link-flap':
        await this.lab.cutLink(node);
        return async (until) => {
          let cut = true;
          while (monotonicNowMs() < until) {
            await sleep(Math.min(500 + random.int(2501), Math.max(0, until - monotonicNowMs())));
            cut = !cut;
            await (cut ? this.lab.cutLink(node) : this.lab.restoreLink(node));
          }
          await this.lab.restoreLink(node);
        };
      case 'isolation':
        await this.lab.isolateNodes();
        return async (until) => { await sleepUntil(until); await this.lab.healIsolation(); };
      case 'arbiter-down':
        this.arbiterStopped = true;
        await this.lab.stopArbiter();
        return async (until) => { await sleepUntil(until); await this.startArbiter(); };
      case 'daemon-sigstop': {
        const pid = this.ha.daemonPid(node);
        signal(pid, 'SIGSTOP');
        return async (until) => { await sleepUntil(until); signal(pid, 'SIGCONT'); };
      }
      case 'corosync-sigstop': {
        const pids = this.lab.pause(node, 'corosync');
        return async (until) => { await sleepUntil(until); for (const pid of pids) signal(pid, 'SIGCONT'); };
      }
      case 'daemon-crash-loop':
        await this.withNode(node, async () => this.ha.killDaemon(node));
        return async (until) => {
          while (monotonicNowMs() < until) {
            await sleep(500 + random.int(1501));
            await this.withNode(node, () => this.restartStack(node));
            await sleep(1000 + random.int(3001));
            if (monotonicNowMs() < until) await this.withNode(node, async () => this.ha.killDaemon(node));
          }
          await this.withNode(node, () => this.restartStack(node));
        };
      case 'disk-full':
        // dd ends with ENOSPC once the tmpfs is full: that is the point.
        await run(['dd', 'if=/dev/zero', `of=${join(this.ha.storeDir(node), fillerName)}`, 'bs=64k'], { timeoutMs: 30_000 });
        return async (until) => { await sleepUntil(until); rmSync(join(this.ha.storeDir(node), fillerName), { force: true }); };
      case 'disk-read-only':
        // A file open for writing keeps a mount read-write: the daemon crashes, the disk turns read-only, the daemon starts onto it.
        await this.withNode(node, async () => {
          this.ha.killDaemon(node);
          await sleep(200);
          await runChecked(['mount', '-o', 'remount,ro', this.ha.storeDir(node)]);
          await this.restartStack(node);
        });
        return async (until) => {
          await sleepUntil(until);
          await this.withNode(node, async () => {
            await runChecked(['mount', '-o', 'remount,rw', this.ha.storeDir(node)]);
            await this.restartStack(node);
          });
        };
      case 'operator':
        throw new Error('operator bursts are not faults to apply');
    }
  }

  private async powerOff(node: NodeHost): Promise<void> {
    if (this.lab.isPoweredOn(node)) await this.ha.powerOff(node);
  }

  /** Power on (unless a reset's boot does it) and start the stack. */
  private async powerUp(node: NodeHost): Promise<void> {
    while (this.ha.isResetting(node)) await sleep(200);
    if (!this.lab.isPoweredOn(node)) await this.lab.powerOn(node);
    await this.restartStack(node);
  }

  /** The stack's start may fail (a read-only disk, corosync stopped): noted, the supervisor or the heal tries again. */
  private async restartStack(node: NodeHost): Promise<void> {
    if (!this.lab.isPoweredOn(node) || this.ha.isResetting(node)) return;
    try {
      await this.ha.ensureRunning(node);
    } catch (err) {
      this.note(`${node}: stack start failed: ${String(err).split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' | ')}`);
    }
  }

  private async startArbiter(): Promise<void> {
    await this.lab.startArbiter();
    this.arbiterStopped = false;
  }

  private startSupervisor(): void {
    this.supervising = true;
    this.supervisor = (async () => {
      while (this.supervising) {
        for (const node of this.ha.nodes) {
          if ((this.held.get(node) ?? 0) > 0 || this.ha.isResetting(node) || !this.lab.isPoweredOn(node) || this.ha.isRunning(node)) continue;
          await this.withNode(node, () => this.restartStack(node));
        }
        await sleep(1000);
      }
    })();
  }

  /** After the schedule: everything back, whatever a fault's own heal left (a failed step, a reset meanwhile). */
  private async healAll(): Promise<void> {
    await this.lab.healIsolation();
    if (this.arbiterStopped) await this.startArbiter().catch((err: unknown) => this.note(`arbiter start: ${String(err)}`));
    for (const node of this.ha.nodes) {
      await this.lab.restoreLink(node);
      rmSync(join(this.ha.storeDir(node), fillerName), { force: true });
      await run(['mount', '-o', 'remount,rw', this.ha.storeDir(node)]);
      this.lab.resume(node);
    }
    await Promise.all(this.ha.nodes.map((n) => this.withNode(n, () => this.powerUp(n))));
  }
}

/** A signal to a pid that may be gone (a reset killed it meanwhile). */
function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // gone: nothing to stop or continue
  }
}

/**
 * The node daemon's loop: every round it runs the CRM and then the LRM on what this node sees
 * (membership from corosync, its replica of the store, finished driver actions, the monotonic
 * clock) and carries out their effects in order: store writes and locks through the store,
 * watchdog effects on the multiplexer, driver actions in the background (their outcome is an
 * input of a later round), log lines to the logger. The same pure steps run in the simulator.
 */
import { crmStep, initialCrmState, type CrmState } from '../ha/crm';
import { viewFromMembership, type ClusterView, type DriverResult, type HaEffect } from '../ha/env';
import { initialLrmState, lrmStep, reattachedLrmState, type LrmState, type ShutdownKind } from '../ha/lrm';
import type { HaTimings } from '../ha/timings';
import { agentLockName, type NodeCapacity } from '../ha/types';
import type { MembershipSource } from '../quorum/types';
import type { Clock } from '../util/clock';
import type { Fencer } from './fencer';
import type { ResourceRunner } from './resources/runner';
import type { HaStore, StoreEffect } from './store/store-seam';
import type { WatchdogControl } from './watchdog-control';

/**
 * After the CRM or the LRM took a lock (mastership, a lost node's agent lock, this node's agent
 * lock before a start) the next round follows this soon instead of a whole round later: a
 * recovery and then the start wait on those locks, and every other decision reads ages, not
 * round counts.
 */
const followUpDelayMs = 50;
const maxFollowUps = 3;

/**
 * A lock another node stopped renewing is free at a known time by this replica's ages: a round
 * runs this soon after it (the store judges expiry every 100 ms; refused takes get follow-ups)
 * instead of up to a whole round later. Locks kept renewed never come this close.
 */
const afterExpiryMs = 20;

export interface DaemonLog {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface NodeDaemonParts {
  timings: HaTimings;
  membership: MembershipSource;
  /**
   * The replicated store; `current` is false until this copy joined a current one (env.ts);
   * `diskProblem` is set while it cannot record HA state.
   */
  store: HaStore & { readonly current: boolean; readonly diskProblem: string | null };
  watchdog: WatchdogControl;
  resources: ResourceRunner;
  clock: Clock;
  log: DaemonLog;
  /** Fence devices (fencer.ts); without it the master fences by the lease alone. */
  fencer?: Fencer;
  /** How often the status of the services running here is read (ResourceRunner.monitor); absent or 0: never. */
  monitorIntervalMs?: number;
  /** Published in the LRM's status for placement by static load; absent: placement counts services. */
  capacity?: NodeCapacity;
}

/** What the daemon knows of itself, for the operator socket and status. */
export interface DaemonSelf {
  view: ClusterView;
  crm: { role: string };
  lrm: { state: string; mode: string };
  watchdog: 'armed' | 'disarmed';
  rounds: RoundTimes;
}

/** Rounds run so far and how long one took (CRM and LRM steps with their effects), by the daemon's clock. */
export interface RoundTimes {
  count: number;
  lastMs: number;
  maxMs: number;
}

export class NodeDaemon {
  private crm: CrmState = initialCrmState();
  private lrm: LrmState = initialLrmState();
  private results: DriverResult[] = [];
  private shutdown: ShutdownKind | null = null;
  private timer: (() => void) | null = null;
  private stopped = false;
  private rounds: RoundTimes = { count: 0, lastMs: 0, maxMs: 0 };
  private followUps = 0;
  private lastView: ClusterView | null = null;
  /** Set while a status recheck of unsure services runs (one at a time; a hanging driver must not stall rounds). */
  private rechecking = false;
  /** Set while a monitor read runs; and when the last one began, by the daemon's clock. */
  private monitoring = false;
  private lastMonitorAt: number | null = null;
  private exited: (() => void) | null = null;
  /**
   * Set while this daemon runs on a watchdog lease its predecessor handed over and has not yet
   * seen a renewal of its own agent lock confirmed (the store shows the adopted lock unconfirmed
   * until then: LockView.unconfirmed).
   */
  private adoptingLock = false;

  constructor(private readonly parts: NodeDaemonParts) {}

  /**
   * Scans what runs here already, takes over the watchdog lease a previous daemon handed over
   * (a daemon restart: its services kept running, frozen), then runs a round every timings.roundMs.
   */
  async start(): Promise<void> {
    const problems = await this.parts.resources.scan(this.parts.store.view().config);
    for (const p of problems) this.parts.log.warn(`resource scan: ${p}`);
    const running = this.parts.resources.running;
    if (await this.reattach()) {
      // The node did not reset: the predecessor's agent lock is this daemon's to renew. Without a
      // re-attached lease it stays a previous run's, and expires (store.ts ownLocks).
      this.parts.store.adopt(agentLockName(this.view().node));
      this.lrm = reattachedLrmState();
      this.adoptingLock = true;
    }
    this.parts.log.info(`daemon started${running.length > 0 ? `, already running here: ${running.join(', ')}` : ''}`);
    this.schedule(0);
  }

  private async reattach(): Promise<boolean> {
    try {
      return await this.parts.watchdog.reattach();
    } catch (err) {
      // The lease it would take is gone for good (too late): the node resets; start nothing.
      this.parts.log.error(`watchdog re-attach failed: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  self(): DaemonSelf {
    return {
      view: this.lastView ?? this.view(),
      crm: { role: this.crm.role },
      lrm: { state: this.lrm.daemon, mode: this.lrm.mode },
      watchdog: this.parts.watchdog.armed ? 'armed' : 'disarmed',
      rounds: { ...this.rounds },
    };
  }

  /**
   * Orderly stop: for a reboot or power-off the LRM stops or freezes the local services per the
   * shutdown policy, releases its lock and closes the watchdog; for a daemon stop it waits until
   * the manager froze them and hands its watchdog lease over to the next daemon. The CRM goes on
   * as before meanwhile (as master it may be the one to freeze or move them) and hands back the
   * manager lock once the LRM is done. Resolves when done.
   */
  stop(kind: ShutdownKind = 'poweroff'): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.shutdown = kind;
    this.parts.log.info(`shutdown requested (${kind})`);
    return new Promise((resolve) => {
      this.exited = resolve;
    });
  }

  /** Stops the loop at once without the orderly shutdown (tests; a daemon that must die). */
  halt(): void {
    this.stopped = true;
    this.timer?.();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = this.parts.clock.setTimer(delayMs, () => {
      const began = this.parts.clock.now();
      this.round().then((followUp) => {
        const took = this.parts.clock.now() - began;
        this.rounds = { count: this.rounds.count, lastMs: took, maxMs: Math.max(this.rounds.maxMs, took) };
        if (took > this.parts.timings.roundMs) this.parts.log.warn(`round took ${took} ms, longer than a round`);
        // A lock that stays refused (not yet judged expired) must not turn this into a busy loop.
        this.followUps = followUp && this.followUps < maxFollowUps ? this.followUps + 1 : 0;
        this.schedule(this.followUps > 0 ? followUpDelayMs : Math.min(Math.max(0, this.parts.timings.roundMs - took), this.untilAnotherLockFrees()));
      }, (err: unknown) => {
        this.parts.log.error(`round failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
        this.schedule(this.parts.timings.roundMs);
      });
    });
  }

  /** ms until the soonest lock held by another node expires (plus afterExpiryMs); Infinity when none will. */
  private untilAnotherLockFrees(): number {
    const { store, timings } = this.parts;
    const me = this.lastView?.node;
    const left = Object.values(store.view().locks)
      .filter((lock) => lock.holder !== me && lock.ageMs < timings.lockLeaseMs)
      .map((lock) => timings.lockLeaseMs - lock.ageMs + afterExpiryMs);
    return Math.min(Infinity, ...left);
  }

  /**
   * This node's view; quorum counts only once the store copy is current (env.ts), and for the
   * CRM only while the store can record HA state: a node that cannot record does not manage.
   */
  private view(): ClusterView {
    const view = this.lrmView();
    return { ...view, quorate: view.quorate && this.parts.store.diskProblem === null };
  }

  /**
   * The LRM's view keeps quorum while the disk refuses (it gets `recording: false` instead and
   * takes no new HA work): what runs here stays protected. Safe because a renewal needs no record
   * of its own to count: it is confirmed by its delivery in the quorate partition's agreed order
   * and recorded by the other members, and a copy restarted from this disk never takes the locks
   * in it for its own (store.ts ownLocks) nor counts their age from before its start.
   */
  private lrmView(): ClusterView {
    const view = viewFromMembership(this.parts.membership.current(), this.parts.clock.now());
    return { ...view, quorate: view.quorate && this.parts.store.current };
  }

  /** One CRM and one LRM step; true when either took a lock, whose outcome the next round should act on at once. */
  private async round(): Promise<boolean> {
    const { store, timings } = this.parts;
    this.rounds.count += 1;
    const crm = crmStep(this.crm, { view: this.view(), store: store.view(), timings, shutdown: false, fenceDevices: this.parts.fencer?.take() });
    this.crm = crm.state;
    await this.carryOut('crm', crm.effects);

    this.recheckUnsure();
    this.monitorRunning();
    const results = this.results;
    this.results = [];
    this.lastView = this.view();
    const adopting = this.adoptingLock;
    const lrm = lrmStep(this.lrm, {
      view: this.lrmView(), store: store.view(), timings, recording: store.diskProblem === null, running: this.parts.resources.running, unsure: this.parts.resources.unsure, driverResults: results, shutdown: this.shutdown,
      capacity: this.parts.capacity,
    });
    this.lrm = lrm.state;
    await this.carryOut('lrm', lrm.effects);
    // A confirmed first renewal after a re-attach: the check-in it allows must not wait a round.
    const adopted = adopting && !this.adoptingLock;
    return adopted || [...crm.effects, ...lrm.effects].some((e) => e.kind === 'lock' && e.op === 'acquire');
  }

  /**
   * Services whose status the start-up scan could not read count as possibly running (the LRM
   * keeps their lock and lease); their status is asked again in the background, its outcome
   * seen by a later round.
   */
  private recheckUnsure(): void {
    if (this.rechecking || this.parts.resources.unsure.length === 0) return;
    this.rechecking = true;
    void this.parts.resources.recheck(this.parts.store.view().config).then((problems) => {
      for (const p of problems) this.parts.log.warn(`resource status: ${p}`);
    }).finally(() => {
      this.rechecking = false;
    });
  }

  /**
   * A service that stops here without HA stopping it (a crash, a stop by hand) must not be left
   * down while the store says it runs: the monitor drops it from the running set, and the LRM
   * starts it again (lrm.ts). Read in the background, its outcome seen by a later round.
   */
  private monitorRunning(): void {
    const every = this.parts.monitorIntervalMs ?? 0;
    const now = this.parts.clock.now();
    if (every <= 0 || this.monitoring || (this.lastMonitorAt !== null && now - this.lastMonitorAt < every)) return;
    this.monitoring = true;
    this.lastMonitorAt = now;
    void this.parts.resources.monitor(this.parts.store.view().config).then(({ stopped, problems }) => {
      for (const sid of stopped) this.parts.log.warn(`resource monitor: '${sid}' no longer runs here (it crashed or was stopped outside HA)`);
      for (const p of problems) this.parts.log.warn(`resource monitor: ${p}`);
    }).finally(() => {
      this.monitoring = false;
    });
  }

  private async carryOut(source: 'crm' | 'lrm', effects: HaEffect[]): Promise<void> {
    const { log } = this.parts;
    for (const effect of effects) {
      switch (effect.kind) {
        case 'log':
          log[effect.level === 'err' ? 'error' : effect.level](effect.msg, { source });
          break;
        case 'watchdog':
          try {
            await this.parts.watchdog[effect.op]();
          } catch (err) {
            // Nothing after it in this step may run (a start needs an armed watchdog); the LRM
            // learns what the watchdog really is and asks again next round.
            log.error(`watchdog ${effect.op} failed: ${err instanceof Error ? err.message : String(err)}`);
            if (source === 'lrm') this.lrm = { ...this.lrm, watchdogOpen: this.parts.watchdog.armed };
            return;
          }
          break;
        case 'driver':
          this.startAction(effect);
          break;
        case 'fence-device':
          if (effect.op === 'off') this.parts.fencer?.off(effect.node, effect.attempt);
          else this.parts.fencer?.restore(effect.node);
          break;
        case 'exit':
          await this.finish();
          return;
        default: {
          const applied = await this.applyStoreEffect(effect);
          if (applied && source === 'lrm' && effect.kind === 'lock' && effect.op !== 'release') this.adoptingLock = false;
        }
      }
    }
  }

  private async applyStoreEffect(effect: StoreEffect): Promise<boolean> {
    try {
      const applied = await this.parts.store.apply(effect);
      if (!applied && effect.kind === 'lock') this.parts.log.info(`lock ${effect.op} of ${effect.lock} refused`);
      return applied;
    } catch (err) {
      // Refused writes are expected around quorum changes; the next round's view shows the outcome.
      // A disk that cannot record is logged by the store once, not here once per write.
      if (this.parts.store.diskProblem === null) this.parts.log.warn(`store ${effect.kind} refused: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  private startAction(effect: Extract<HaEffect, { kind: 'driver' }>): void {
    const { sid, uid, op, target } = effect;
    const config = this.parts.store.view().config;
    this.parts.resources.run(op, sid, config, target).then(
      () => this.results.push({ sid, uid, op, ok: true }),
      (err: unknown) => {
        this.parts.log.error(`${op} of '${sid}' failed: ${err instanceof Error ? err.message : String(err)}`);
        this.results.push({ sid, uid, op, ok: false });
      },
    );
  }

  private async finish(): Promise<void> {
    this.stopped = true;
    this.timer?.();
    const crm = crmStep(this.crm, { view: this.view(), store: this.parts.store.view(), timings: this.parts.timings, shutdown: true });
    this.crm = crm.state;
    await this.carryOut('crm', crm.effects);
    if (this.parts.watchdog.armed) await this.parts.watchdog.close();
    this.parts.log.info('shutdown complete');
    this.exited?.();
  }
}

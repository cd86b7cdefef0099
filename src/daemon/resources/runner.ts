/**
 * Carries out the LRM's driver actions: finds the driver for a service id's type (`lab` of
 * `lab:web`) and the resource's driver parameters in the HA config, and keeps the set of
 * services this node runs, which the LRM needs every round.
 */
import type { DriverOp } from '../../ha/env';
import type { HaConfig } from '../../ha/types';
import type { DriverParams, ResourceDriver, ResourceState } from './driver';

export class UnknownResourceTypeError extends Error {
  constructor(sid: string, known: string[]) {
    super(`no resource driver for '${sid}': known types are ${known.map((t) => `${t}:`).join(', ') || 'none'}`);
    this.name = 'UnknownResourceTypeError';
  }
}

export class ResourceRunner {
  private readonly byType = new Map<string, ResourceDriver>();
  private readonly runningHere = new Set<string>();
  private readonly unsureHere = new Set<string>();
  /** sid → actions under way; a status read while one runs says nothing about what it left. */
  private readonly acting = new Map<string, number>();
  /** sid → actions begun so far; a monitor read applies only if none began while it ran. */
  private readonly begun = new Map<string, number>();

  constructor(drivers: ResourceDriver[], private readonly stopTimeoutMs: number) {
    for (const driver of drivers) this.byType.set(driver.type, driver);
  }

  /** Services that may run on this node: known running by our own actions and the status calls, or unsure. */
  get running(): string[] {
    return [...new Set([...this.runningHere, ...this.unsureHere])].sort();
  }

  private resolve(sid: string): { driver: ResourceDriver; id: string } {
    const colon = sid.indexOf(':');
    const driver = colon > 0 ? this.byType.get(sid.slice(0, colon)) : undefined;
    if (driver === undefined) throw new UnknownResourceTypeError(sid, [...this.byType.keys()]);
    return { driver, id: sid.slice(colon + 1) };
  }

  /** Checks a service's driver parameters with its driver; throws an Error naming the bad one. */
  validate(sid: string, params: Record<string, string>): void {
    const { driver, id } = this.resolve(sid);
    driver.validate?.(id, params);
  }

  /**
   * Services whose status no driver could tell (a failing or `unknown` status call). They count
   * as possibly running: an LRM that counted them as stopped would close its watchdog lease
   * cleanly (and let its agent lock lapse) while a frozen service may still run, and a later cut
   * would then leave a service running unfenced while the manager recovers it elsewhere.
   */
  get unsure(): string[] {
    return [...this.unsureHere].sort();
  }

  /**
   * Asks the drivers what runs here already (after a daemon restart the services kept running).
   * Unknown types count as not running here (no driver here could have started them); a failing
   * or `unknown` status counts as possibly running (see unsure) until recheck reads it.
   * Returns the problems.
   */
  async scan(config: HaConfig): Promise<string[]> {
    return this.readStatus(config, Object.keys(config.resources));
  }

  /** Asks again for the status of the unsure services; returns the problems that remain. */
  async recheck(config: HaConfig): Promise<string[]> {
    return this.readStatus(config, this.unsure);
  }

  /**
   * Reads the status of the services known to run here. One its driver now reports stopped (it
   * crashed, or someone stopped it behind HA's back) leaves the running set, so the LRM starts it
   * again; a status that cannot be told changes nothing. Services with an action under way are
   * left alone. Returns the services found stopped and the problems.
   */
  async monitor(config: HaConfig): Promise<{ stopped: string[]; problems: string[] }> {
    const stopped: string[] = [];
    const problems: string[] = [];
    const sids = [...this.runningHere].filter((sid) => !this.acting.has(sid) && !this.unsureHere.has(sid));
    await Promise.all(sids.map(async (sid) => {
      const begun = this.begun.get(sid) ?? 0;
      let state: ResourceState;
      try {
        const { driver, id } = this.resolve(sid);
        state = await driver.status(id, config.resources[sid]?.params ?? {});
      } catch (err) {
        problems.push(`${sid}: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      if (state === 'stopped' && (this.begun.get(sid) ?? 0) === begun && !this.acting.has(sid) && this.runningHere.delete(sid)) stopped.push(sid);
    }));
    return { stopped: stopped.sort(), problems };
  }

  private async readStatus(config: HaConfig, sids: string[]): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(sids.map(async (sid) => {
      let state: ResourceState;
      try {
        const { driver, id } = this.resolve(sid);
        state = await driver.status(id, config.resources[sid]?.params ?? {}).catch((err: unknown) => {
          problems.push(`${sid}: ${err instanceof Error ? err.message : String(err)}`);
          return 'unknown' as const;
        });
      } catch (err) {
        problems.push(`${sid}: ${err instanceof Error ? err.message : String(err)}`);
        state = 'stopped';
      }
      if (state === 'unknown') this.unsureHere.add(sid);
      else this.unsureHere.delete(sid);
      if (state === 'running') this.runningHere.add(sid);
    }));
    return problems;
  }

  /**
   * One action, resolved when finished. `relocate` stops the service here: the manager then
   * starts it on the target. The running set changes only on success, and a failed stop leaves
   * the service counted as running (the LRM must keep protecting what may still run).
   */
  async run(op: DriverOp, sid: string, config: HaConfig, target?: string): Promise<void> {
    const { driver, id } = this.resolve(sid);
    this.begun.set(sid, (this.begun.get(sid) ?? 0) + 1);
    this.acting.set(sid, (this.acting.get(sid) ?? 0) + 1);
    try {
      await this.carryOut(op, sid, driver, id, config.resources[sid]?.params ?? {}, target);
    } finally {
      const left = (this.acting.get(sid) ?? 1) - 1;
      if (left > 0) this.acting.set(sid, left);
      else this.acting.delete(sid);
    }
  }

  private async carryOut(op: DriverOp, sid: string, driver: ResourceDriver, id: string, params: DriverParams, target?: string): Promise<void> {
    switch (op) {
      case 'start':
        this.runningHere.add(sid);
        try {
          await driver.start(id, params);
        } catch (err) {
          if ((await driver.status(id, params).catch(() => 'unknown')) === 'stopped') this.runningHere.delete(sid);
          throw err;
        }
        return;
      case 'stop':
      case 'relocate':
        await driver.stop(id, params, this.stopTimeoutMs);
        this.runningHere.delete(sid);
        this.unsureHere.delete(sid);
        return;
      case 'migrate':
        if (target === undefined) throw new Error(`migrate of '${sid}' without a target`);
        await driver.migrate(id, params, target);
        this.runningHere.delete(sid);
        this.unsureHere.delete(sid);
        return;
    }
  }
}

/**
 * `systemd:` resources: a systemd unit on the node (`systemd:nginx.service`), started, stopped and
 * asked through systemctl. The unit must exist on every node the service may run on and must not
 * be enabled there (systemd would start it at boot, outside HA). No migration: the LRM relocates.
 */
import { run, type RunResult } from '../../util/run';
import type { DriverParams, ResourceDriver, ResourceState } from './driver';

/** The seam: `systemctl ARGS`. */
export type Systemctl = (args: string[], timeoutMs: number) => Promise<RunResult>;

const systemctl: Systemctl = (args, timeoutMs) => run(['systemctl', ...args], { timeoutMs });
const unitName = /^[A-Za-z0-9:_.\\@-]+\.(service|socket|target|mount|timer|path)$/;

interface UnitState { load: string; active: string; sub: string }

export class SystemdUnitDriver implements ResourceDriver {
  readonly type = 'systemd';

  constructor(private readonly ctl: Systemctl = systemctl) {}

  validate(id: string, params: DriverParams = {}): void {
    if (!unitName.test(id)) throw new Error(`systemd:${id}: not a unit name (e.g. systemd:nginx.service)`);
    const keys = Object.keys(params);
    if (keys.length > 0) throw new Error(`systemd:${id}: a unit takes no driver parameters (got ${keys.join(', ')}); configure it in its unit file`);
  }

  async start(id: string): Promise<void> {
    this.validate(id);
    const before = await this.state(id);
    if (before.load === 'not-found') throw new Error(`systemd:${id}: no such unit on this node`);
    if (before.load === 'masked') throw new Error(`systemd:${id}: the unit is masked on this node`);
    const started = await this.ctl(['start', id], 120_000);
    const after = await this.state(id);
    if (started.code !== 0 || !['active', 'activating', 'reloading'].includes(after.active)) {
      throw new Error(`systemd:${id}: did not start (${after.active}/${after.sub})${started.code === 0 ? '' : `: ${started.stderr.trim()}`}`);
    }
  }

  async stop(id: string, _params: DriverParams, timeoutMs: number): Promise<void> {
    this.validate(id);
    const stopped = await this.ctl(['stop', id], timeoutMs);
    if (stopped.code === 124) await this.ctl(['kill', '--signal=SIGKILL', id], 10_000);
    const after = await this.state(id);
    if (after.load !== 'not-found' && !['inactive', 'failed'].includes(after.active)) {
      throw new Error(`systemd:${id}: still ${after.active}/${after.sub} after stop${stopped.code === 0 ? '' : `: ${stopped.stderr.trim()}`}`);
    }
  }

  migrate(id: string): Promise<void> {
    return Promise.reject(new Error(`systemd:${id}: a unit cannot migrate; it is stopped here and started on the target`));
  }

  async status(id: string): Promise<ResourceState> {
    const { load, active } = await this.state(id);
    if (load === 'not-found' || active === 'inactive' || active === 'failed') return 'stopped';
    if (['active', 'activating', 'deactivating', 'reloading'].includes(active)) return 'running';
    return 'unknown';
  }

  private async state(id: string): Promise<UnitState> {
    const shown = await this.ctl(['show', '--property=LoadState,ActiveState,SubState', id], 30_000);
    if (shown.code !== 0) throw new Error(`systemd:${id}: systemctl show failed: ${shown.stderr.trim() || `exit code ${shown.code}`}`);
    const value = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(shown.stdout)?.[1] ?? '';
    return { load: value('LoadState'), active: value('ActiveState'), sub: value('SubState') };
  }
}

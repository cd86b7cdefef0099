/**
 * One interface for every resource driver (lab, later vm and systemd). The LRM's `driver`
 * effects are carried out through it; each call resolves when the operation has finished, and
 * the daemon turns the outcome into a DriverResult for the next LRM round.
 */
export type ResourceState = 'running' | 'stopped' | 'unknown';

export interface ResourceDriver {
  /** The type prefix of the service ids it handles (`lab` for `lab:web`). */
  readonly type: string;
  start(id: string): Promise<void>;
  /** Stops cleanly within timeoutMs, then by force; resolves only once the resource is down. */
  stop(id: string, timeoutMs: number): Promise<void>;
  /** Moves a running resource to `target`; drivers that cannot migrate reject (the LRM relocates). */
  migrate(id: string, target: string): Promise<void>;
  status(id: string): Promise<ResourceState>;
}

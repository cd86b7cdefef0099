/**
 * One interface for every resource driver (lab, vm). The LRM's `driver` effects are carried out
 * through it (ResourceRunner); each call resolves when the operation has finished, and the
 * daemon turns the outcome into a DriverResult for the next LRM round. `id` is the part after the
 * type prefix (`web` of `lab:web`); `params` are the resource's driver parameters from the HA config.
 */
export type ResourceState = 'running' | 'stopped' | 'unknown';

export type DriverParams = Record<string, string>;

export interface ResourceDriver {
  /** The type prefix of the service ids it handles (`lab` for `lab:web`). */
  readonly type: string;
  /**
   * Starts the resource here. Called by the LRM only while this node holds its agent lock and the
   * watchdog is armed. The resource may already run (a retry after a lost result): starting it
   * again must be harmless.
   */
  start(id: string, params: DriverParams): Promise<void>;
  /** Stops cleanly within timeoutMs, then by force; resolves only once the resource is down. */
  stop(id: string, params: DriverParams, timeoutMs: number): Promise<void>;
  /** Moves a running resource to `target`; drivers that cannot migrate reject (the LRM relocates). */
  migrate(id: string, params: DriverParams, target: string): Promise<void>;
  /**
   * What runs here now; asked at daemon start (which services survived a restart) and after a
   * failed operation. A status that cannot be told must reject or say `unknown`: the runner then
   * counts the resource as possibly running (never as stopped).
   */
  status(id: string, params: DriverParams): Promise<ResourceState>;
  /** Checks a service's parameters before they reach the config; throws an Error naming the bad one. */
  validate?(id: string, params: DriverParams): void;
}

/** The resource drivers this daemon offers, built from its config. */
import type { DaemonConfig } from './config';
import type { ResourceDriver } from './driver';

export function createDrivers(_config: DaemonConfig): ResourceDriver[] {
  return [];
}

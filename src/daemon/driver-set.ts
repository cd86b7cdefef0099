/** The resource drivers this daemon offers, built from its config. */
import type { DaemonConfig } from './config';
import type { ResourceDriver } from './driver';
import { LabDriver } from './lab-driver';

export function createDrivers(config: DaemonConfig): ResourceDriver[] {
  const lab = config.drivers.lab;
  return [new LabDriver({ node: config.node, defaultPort: lab.port, runDir: lab.runDir, journal: lab.journal })];
}

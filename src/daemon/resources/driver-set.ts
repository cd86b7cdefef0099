/** The resource drivers this daemon offers, built from its config. */
import type { DaemonConfig } from '../config';
import type { ResourceDriver } from './driver';
import { LabServiceDriver } from './lab-service-driver';
import { SystemdUnitDriver } from './systemd-unit-driver';
import { VirshSession } from './virsh-session';
import { VmDriver } from './vm-driver';

/** virsh starts on the first vm action, so nodes without libvirt run lab services all the same. */
export function createDrivers(config: DaemonConfig): ResourceDriver[] {
  const { lab, vm } = config.drivers;
  return [
    new LabServiceDriver({ node: config.node, defaultPort: lab.port, runDir: lab.runDir, journal: lab.journal }),
    new VmDriver({
      virsh: new VirshSession(vm.uri), migrationUri: vm.migrationUri, migrationAddresses: vm.migrationAddresses, sharedStorage: vm.sharedStorage,
      trustSharedStorage: vm.trustSharedStorage, runDir: vm.runDir,
    }),
    new SystemdUnitDriver(),
  ];
}

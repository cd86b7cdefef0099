/**
 * `npm run lab -- --vm` (`quorate lab demo --vm`): a real qemu guest under HA in the hypervisor
 * lab: added with its domain XML, running on node1, live-migrated to node2 and back with the
 * measured downtime, then the VM's node's power cut and the guest answering, booted
 * again, from the other node. A flag, not the default: the hypervisor lab costs a libvirtd per
 * node (qemu's capability probe) and, the first time, building the guest image.
 */
import { monotonicClock } from '../util/clock';
import type { NodeHost } from './names';
import type { LabOptions } from './options';
import { addVm, guestAnswer, migrateVm, startVmHa, stopVmHa, vmGuest, waitFor, waitGuest, waitStartedOn, type VmHa } from './vm-ha';

const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

async function step(print: (line: string) => void, title: string, work: () => Promise<void>): Promise<void> {
  const started = monotonicClock.now();
  print(title);
  await work();
  print(`  (${Math.round(monotonicClock.now() - started)} ms)`);
}

export async function runVmDemo(options: LabOptions, print: (line: string) => void): Promise<void> {
  const started = monotonicClock.now();
  print('bringing the hypervisor lab up: node1, node2 (corosync, libvirtd), arbiter, the HA stack, the guest image on the shared directory');
  const vm: VmHa = await startVmHa(options, (m) => print(`  ${m}`));
  const indent = (line: string): void => print(`  ${line}`);
  try {
    let bootId = '';
    await step(print, `add ${vmGuest.sid} under HA on node1 with its domain XML, and wait until the guest answers at ${vmGuest.address}`, async () => {
      await addVm(vm, 'node1');
      await waitStartedOn(vm, 'node1', 180_000);
      bootId = (await waitGuest(vm, 0, 180_000)).bootId;
      indent(`the guest answers from node1, boot id ${bootId}`);
    });
    for (const [from, to] of [['node1', 'node2'], ['node2', 'node1']] as [NodeHost, NodeHost][]) {
      await step(print, `live-migrate ${vmGuest.sid} from ${from} to ${to} (quorate resource migrate)`, async () => {
        const run = await migrateVm(vm, from, to);
        indent(`on ${to} after ${seconds(run.tookMs)}; downtime: probe ${run.probeGapMs} ms, libvirt ${run.libvirtDowntimeMs ?? '-'} ms; `
          + `boot id ${run.bootIds.length === 1 && run.bootIds[0] === bootId ? 'the same (a live migration, no reboot)' : `CHANGED: ${run.bootIds.join(', ')}`}`);
      });
    }
    await step(print, 'cut the power of node1, which runs the VM, and time until the guest answers from node2', async () => {
      const at = monotonicClock.now();
      await vm.ha.powerOff('node1');
      const answer = await waitFor('an answer from a new boot', 180_000, async () =>
        vm.probe.answers.map(guestAnswer).find((g) => g !== null && g.at >= at && g.bootId !== bootId));
      await waitStartedOn(vm, 'node2', 60_000);
      indent(`the guest answers from node2 after ${seconds(answer.at - at)}, booted again (boot id ${answer.bootId})`);
      for (const line of (await vm.ha.cli('node2', ['status'])).stdout.trimEnd().split('\n')) indent(line);
    });
  } finally {
    await stopVmHa(vm);
    print(`lab torn down; total ${seconds(monotonicClock.now() - started)}`);
  }
}

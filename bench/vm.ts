import { Option } from 'commander';
import { labUnavailableReason } from '../src/lab/requirements';
import {
  addVm, bootIdsBetween, guestAnswer, migrateVm, startVmHa, stopVmHa, vmStatus, waitFor, waitGuest, waitStartedOn, type MigrationRun, type VmHa,
} from '../src/lab/vm-ha';
import type { NodeHost } from '../src/lab/names';
import { restore } from '../src/lab/failover';
import { p99IsMaxNote, percentile } from '../src/util/percentile';
import { monotonicClock } from '../src/util/clock';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- vm [--migrations N] [--failovers N]`: a qemu guest under HA in the hypervisor
 * lab. N live migrations by the operator back and forth (downtime from the probe's longest
 * silence and from libvirt's `domjobinfo --completed`), then N power losses of the VM's node
 * (fault to the first answer of the guest, booted again, from the other node). The guest's boot
 * id tells a migrated guest (same id) from a rebooted one; a dual run is an answer from an older
 * boot after a newer one answered.
 */
interface Options {
  migrations: number;
  failovers: number;
}

const other = (node: NodeHost): NodeHost => (node === 'node1' ? 'node2' : 'node1');
const ms = (values: number[]): string => {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${Math.round(percentile(sorted, 0.5))} ms, p99 ${Math.round(percentile(sorted, 0.99))} ms${p99IsMaxNote(sorted.length)}, max ${Math.round(sorted.at(-1) ?? 0)} ms`;
};
const say = (line: string): void => { process.stdout.write(`${line}\n`); };

/** Boots that answered again after a later boot had answered: the same guest running twice. */
function dualRuns(vm: VmHa): number {
  const order: string[] = [];
  let dual = 0;
  for (const answer of vm.probe.answers) {
    const g = guestAnswer(answer);
    if (g === null) continue;
    const seen = order.indexOf(g.bootId);
    if (seen === -1) order.push(g.bootId);
    else if (seen < order.length - 1) dual += 1;
  }
  return dual;
}

async function powerLoss(vm: VmHa): Promise<{ from: NodeHost; to: NodeHost; ms: number }> {
  const from = (await vmStatus(vm, 'node1'))?.node as NodeHost;
  const before = (await waitGuest(vm, monotonicClock.now(), 30_000)).bootId;
  const at = monotonicClock.now();
  await vm.ha.powerOff(from);
  const answer = await waitFor('an answer from a new boot', 180_000, async () =>
    vm.probe.answers.map(guestAnswer).find((g) => g !== null && g.at >= at && g.bootId !== before));
  const to = other(from);
  await waitStartedOn(vm, to, 60_000, to);
  await restore(vm.ha, { fault: 'power-loss', from, to, failoverMs: 0, outageMs: 0 });
  return { from, to, ms: answer.at - at };
}

async function run(options: Options): Promise<void> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the vm benchmark needs the lab: ${reason}`);
  say('bringing the hypervisor lab and the HA stack up');
  const vm = await startVmHa({ name: 'bench-vm' }, (m) => say(`  lab: ${m}`));
  try {
    await addVm(vm, 'node1');
    await waitStartedOn(vm, 'node1', 180_000);
    const bootAt = monotonicClock.now();
    await waitGuest(vm, 0, 180_000);
    say(`vm:web runs on node1 (first answer ${Math.round(monotonicClock.now() - bootAt)} ms after HA reported it started)`);
    const migrations: MigrationRun[] = [];
    let at: NodeHost = 'node1';
    for (let i = 0; i < options.migrations; i++) {
      const m = await migrateVm(vm, at, other(at));
      migrations.push(m);
      say(`migration ${i + 1}/${options.migrations} ${m.from} → ${m.to}: probe gap ${m.probeGapMs} ms, libvirt downtime ${m.libvirtDowntimeMs ?? '-'} ms, `
        + `command to started ${m.tookMs} ms, boot ids ${m.bootIds.length === 1 ? 'the same' : `CHANGED (${m.bootIds.join(', ')})`}`);
      at = m.to;
    }
    const failovers: { from: NodeHost; to: NodeHost; ms: number }[] = [];
    for (let i = 0; i < options.failovers; i++) {
      const f = await powerLoss(vm);
      failovers.push(f);
      say(`failover ${i + 1}/${options.failovers}: power loss of ${f.from}, the guest answered from ${f.to} after ${Math.round(f.ms)} ms`);
    }
    say('\nvm summary:');
    if (migrations.length > 0) {
      const libvirt = migrations.map((m) => m.libvirtDowntimeMs).filter((v): v is number => v !== null);
      say(`  ${migrations.length} live migrations: downtime seen by the probe ${ms(migrations.map((m) => m.probeGapMs))}`);
      say(`  libvirt's downtime (domjobinfo --completed, ${libvirt.length} told): ${libvirt.length === 0 ? '-' : ms(libvirt)}`);
      say(`  operator command to started on the target: ${ms(migrations.map((m) => m.tookMs))}`);
      say(`  rebooted by a migration: ${migrations.filter((m) => m.bootIds.length !== 1).length} (target 0); target downtime p99 ≤ 300 ms`);
    }
    if (failovers.length > 0) say(`  ${failovers.length} power-loss failovers, fault to first answer of the new boot: ${ms(failovers.map((f) => f.ms))}`);
    say(`  dual runs (an older boot answering after a newer one): ${dualRuns(vm)}; boots seen: ${bootIdsBetween(vm, 0, monotonicClock.now()).length}`);
  } finally {
    await stopVmHa(vm);
  }
}

export const benchmark: Benchmark = {
  summary: 'a qemu guest under HA: live-migration downtime and power-loss failover in the hypervisor lab',
  estimate: 'about 14 minutes at load 16 on 2 cores (~1.5 minutes of start-up, ~12 s a migration, ~75 s a failover with its restore)',
  declare: (command) => command
    .addOption(new Option('--migrations <N>', 'live migrations by the operator, back and forth').argParser(wholeNumber(0)).default(10))
    .addOption(new Option('--failovers <N>', 'power losses of the VM\'s node').argParser(wholeNumber(0)).default(10)),
  run: (options) => run(options as unknown as Options),
};

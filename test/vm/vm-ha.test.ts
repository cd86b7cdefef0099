import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monotonicClock } from '../../src/util/clock';
import type { NodeHost } from '../../src/lab/names';
import {
  addVm, bootIdsBetween, guestAnswer, domainsOn, migrateVm, startVmHa, stopVmHa, vmGuest, vmStatus, waitFor, waitGuest, waitStartedOn, type VmHa,
} from '../../src/lab/vm-ha';
import { restore } from '../../src/lab/failover';
import { skipWithoutLab } from '../support/lab';

/**
 * A real qemu guest under HA: the hypervisor lab (a libvirtd per node, the guest's kernel,
 * initramfs and disk on the shared directory), the node daemons with the vm driver, the guest
 * added with its domain XML, and a probe outside the cluster reading the guest's boot id. One
 * bring-up for every case; they run in order and each leaves the VM running for the next.
 * Figures are printed, not asserted (`npm run bench -- vm` measures them).
 */
describe('vm driver on real libvirt: a qemu guest under HA', function () {
  // The cases build on each other (where the VM runs, its boot id): stop at the first failure.
  this.bail(true);
  const vm = {} as VmHa;
  const other = (node: NodeHost): NodeHost => (node === 'node1' ? 'node2' : 'node1');
  let home: NodeHost = 'node1';
  let bootId = '';

  before(async function () {
    skipWithoutLab(this);
    Object.assign(vm, await startVmHa());
  });
  after(() => stopVmHa(vm));

  it('refuses a VM whose disk is outside the shared storage, naming the file', async () => {
    const local = readFileSync(vm.xmlPath, 'utf8').replace(/<source file='[^']*'\/>/, "<source file='/var/lib/libvirt/images/web.raw'/>");
    const path = join(vm.lab.hypervisor.sharedDir, 'web-local-disk.xml');
    writeFileSync(path, local);
    const refused = await vm.ha.cli('node1', ['resource', 'add', vmGuest.sid, '--node', 'node1', '--domain-xml', path]);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /\/var\/lib\/libvirt\/images\/web\.raw is outside the shared storage/);
  });

  it('starts the VM added under HA on node1 only, as a transient domain the cluster defined there', async () => {
    await addVm(vm, 'node1', 'node2');
    await waitStartedOn(vm, 'node1', 120_000);
    bootId = (await waitGuest(vm, 0, 120_000)).bootId;
    assert.deepEqual(await domainsOn(vm, 'node1'), ['web']);
    assert.deepEqual(await domainsOn(vm, 'node2'), []);
    const persistent = await vm.lab.hypervisor.virsh('node1', ['list', '--all', '--persistent', '--name']);
    assert.equal(persistent.stdout.trim(), '', 'no persistent definition on node1');
  });

  it('leaves nothing to start by hand on the other node, and virtlockd refuses a second create of the disk', async () => {
    const start = await vm.lab.hypervisor.virsh('node2', ['start', vmGuest.name]);
    assert.notEqual(start.code, 0);
    assert.match(start.stderr, /failed to get domain 'web'/);
    const create = await vm.lab.hypervisor.virsh('node2', ['create', vm.xmlPath]);
    if (create.code === 0) await vm.lab.hypervisor.virsh('node2', ['destroy', vmGuest.name]);
    assert.notEqual(create.code, 0, 'virtlockd let a second qemu open the running disk');
    assert.match(create.stderr, /lock|lease/i);
    assert.deepEqual(bootIdsBetween(vm, 0, monotonicClock.now()), [bootId], 'only one guest ever answered');
  });

  it('stops the VM by ACPI shutdown when disabled, and starts it again (a new boot) when enabled', async () => {
    assert.equal((await vm.ha.cli('node1', ['resource', 'disable', vmGuest.sid])).code, 0);
    await waitFor('vm:web stopped', 60_000, async () => (await vmStatus(vm, 'node1'))?.state === 'stopped');
    assert.deepEqual(await domainsOn(vm, 'node1'), []);
    const since = monotonicClock.now();
    assert.equal((await vm.ha.cli('node1', ['resource', 'enable', vmGuest.sid])).code, 0);
    await waitStartedOn(vm, 'node1', 120_000);
    const again = await waitGuest(vm, since, 120_000);
    assert.notEqual(again.bootId, bootId);
    bootId = again.bootId;
  });

  it('live-migrates the VM when the operator asks: the same boot, now on node2', async () => {
    const run = await migrateVm(vm, 'node1', 'node2');
    console.log(`      migration node1 → node2: ${run.tookMs} ms command to started, probe gap ${run.probeGapMs} ms, libvirt downtime ${run.libvirtDowntimeMs ?? '-'} ms`);
    assert.deepEqual(run.bootIds, [bootId]);
    assert.deepEqual(await domainsOn(vm, 'node1'), []);
    assert.deepEqual(await domainsOn(vm, 'node2'), ['web']);
    home = 'node2';
  });

  it('leaves the VM running on its source when the migration fails, and the HA state says so', async () => {
    const target = other(home);
    // The target refuses qemu's migration stream (libvirt's own connection still works).
    const nft = (args: string[]) => vm.lab.exec(target, ['nft', ...args]);
    await nft(['add', 'table', 'inet', 'quorate_test']);
    await nft(['add', 'chain', 'inet', 'quorate_test', 'input', '{ type filter hook input priority 0 ; }']);
    await nft(['add', 'rule', 'inet', 'quorate_test', 'input', 'tcp', 'dport', '49152-49215', 'reject', 'with', 'tcp', 'reset']);
    try {
      assert.equal((await vm.ha.cli(home, ['resource', 'migrate', vmGuest.sid, target])).code, 0);
      // The state flips to migrate and back within a round or two: the manager's log says it.
      const logs = (): Promise<string> => Promise.all(vm.ha.nodes.map((n) => vm.ha.log(n))).then((l) => l.join(''));
      await waitFor('the failed migration logged', 60_000, async () => new RegExp(`migrate to '${target}' failed, staying on '${home}'`).test(await logs()));
      assert.match(await logs(), /live migration of domain web to .* failed: .*; it still runs on this node/);
      await waitStartedOn(vm, home, 60_000);
    } finally {
      await nft(['delete', 'table', 'inet', 'quorate_test']);
    }
    assert.deepEqual(await domainsOn(vm, home), ['web']);
    assert.deepEqual(await domainsOn(vm, target), []);
    const since = monotonicClock.now();
    assert.equal((await waitGuest(vm, since, 30_000)).bootId, bootId);
  });

  it('live-migrates the VM off a node put in maintenance, and back when it leaves maintenance', async () => {
    const away = other(home);
    const since = monotonicClock.now();
    assert.equal((await vm.ha.cli(home, ['node', 'maintenance', 'on', home])).code, 0);
    await waitStartedOn(vm, away, 120_000, away);
    assert.equal((await vm.ha.cli(home, ['node', 'maintenance', 'off', home])).code, 0);
    await waitStartedOn(vm, home, 120_000);
    assert.deepEqual(bootIdsBetween(vm, since, monotonicClock.now()), [bootId], 'migrated twice, never rebooted');
  });

  it('starts the VM on the other node when its node loses power: a new boot, never two at once', async function () {
    this.timeout(600_000);
    const from = home;
    const to = other(from);
    const at = monotonicClock.now();
    await vm.ha.powerOff(from);
    const answer = await waitFor('an answer from a new boot', 180_000, async () =>
      vm.probe.answers.map(guestAnswer).find((g) => g !== null && g.at >= at && g.bootId !== bootId));
    console.log(`      power loss of ${from}: the guest answered from ${to} after ${Math.round(answer.at - at)} ms`);
    await waitStartedOn(vm, to, 60_000);
    assert.notEqual(answer.bootId, bootId);
    assert.deepEqual(bootIdsBetween(vm, answer.at, monotonicClock.now()), [answer.bootId], 'the old guest never answered once the new one did');
    assert.deepEqual(await domainsOn(vm, to), ['web']);
    bootId = answer.bootId;
    home = to;
    await restore(vm.ha, { fault: 'power-loss', from, to, failoverMs: 0, outageMs: 0 });
  });

  it('live-migrates the VM off a node that reboots under the migrate shutdown policy', async function () {
    // A reboot waits for the node's libvirtd (qemu's capability probe) and corosync again.
    this.timeout(600_000);
    assert.equal((await vm.ha.cli(home, ['settings', 'shutdown-policy', 'migrate'])).code, 0);
    const away = other(home);
    const since = monotonicClock.now();
    const rebooted = vm.ha.reboot(home, 2000);
    await waitStartedOn(vm, away, 120_000, away);
    assert.deepEqual(bootIdsBetween(vm, since, monotonicClock.now()), [bootId], 'the reboot moved the guest, it did not restart it');
    await rebooted;
    await vm.ha.waitReady(vm.ha.nodes, 300_000);
  });
});

/**
 * The guests' code disk, made at every `vmlab up` from this checkout: the built quorate tree the
 * provisioning installed links to (/opt/quorate in the guests) and this lab's cluster files
 * (corosync.conf, authkey, hosts, quorate.json per node) under vmlab/. Rebuilding it takes a
 * second or two, so the cached base image never holds our code.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runChecked } from '../util/run';
import { vmlabGuests, vmlabPaths } from './layout';

const cliEntry = 'dist/src/cli/main.js';

/** What the guests run, relative to the checkout. */
const codeEntries = ['package.json', 'dist', 'node_modules', 'systemd', 'build/Release/quorate_native.node'];

/**
 * Emulated guests run the daemon several times slower, and beside the main test group on two
 * host cores a whole guest is starved for seconds (its daemon's event loop stalled 6.7 s, sshd
 * missed a 5 s banner exchange): with W 12 s a healthy service node missed its 9.6 s check-in
 * deadline and reset. Rounds and renewals of 1 s, a 3 s feed window and W 20 s (check-in deadline
 * 16 s) keep such a node alive; the start-up check computes the lease from these and the token.
 */
export const vmlabDaemonTimings = { roundMs: 1000, renewIntervalMs: 1000, feedWindowMs: 3000, clockMarginMs: 1000, watchdogMs: 20_000 };

/**
 * The guests' corosync token and consensus: the Vagrant boxes' 1000/1200 ms let a guest that was
 * not scheduled for 1.3-2.7 s (corosync says so) drop out of the ring, lose quorum and reset.
 */
export const vmlabCorosyncTimings = { tokenMs: 5000, consensusMs: 6000 };

export function clusterFiles(checkout: string): Record<string, string | Buffer> {
  const corosyncConf = readFileSync(join(checkout, 'vagrant/files/corosync.conf'), 'utf8')
    .replace(/^(\s*token:\s*)\d+$/m, `$1${vmlabCorosyncTimings.tokenMs}`)
    .replace(/^(\s*consensus:\s*)\d+$/m, `$1${vmlabCorosyncTimings.consensusMs}`);
  const files: Record<string, string | Buffer> = {
    'corosync.conf': corosyncConf,
    authkey: randomBytes(256),
    hosts: ['127.0.0.1 localhost', ...vmlabGuests.map((g) => `${g.address} ${g.name}`), ''].join('\n'),
  };
  for (const g of vmlabGuests.filter((guest) => guest.role === 'node')) {
    files[`quorate-${g.name}.json`] = `${JSON.stringify({ node: g.name, qdevice: { mode: 'integrated' }, timings: vmlabDaemonTimings }, null, 2)}\n`;
  }
  files['watchdog-mux.env'] = `QUORATE_WATCHDOG_TIMEOUT=${vmlabDaemonTimings.watchdogMs / 1000}\n`;
  return files;
}

export async function makeCodeDisk(checkout: string): Promise<void> {
  const stage = `${vmlabPaths.codeDisk}.stage`;
  rmSync(stage, { recursive: true, force: true });
  try {
    for (const entry of codeEntries) {
      cpSync(join(checkout, entry), join(stage, entry), { recursive: true, dereference: true });
    }
    // /usr/local/bin/quorate links to it in the guests; tsc writes it without the execute bit.
    chmodSync(join(stage, cliEntry), 0o755);
    mkdirSync(join(stage, 'vmlab'));
    for (const [name, content] of Object.entries(clusterFiles(checkout))) writeFileSync(join(stage, 'vmlab', name), content);
    await runChecked(['mkfs.ext4', '-q', '-F', '-L', 'quorate-code', '-d', stage, vmlabPaths.codeDisk, '512M'], { timeoutMs: 120_000 });
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * ipmi_sim's chassis control for a lab BMC: `bmc-hook.js LAB NODE get power` prints `power:0|1`;
 * `set power 0|1` and `set reset 1` switch the lab node's power. ipmi_sim runs it through popen()
 * and blocks until it exits, so a boot, which waits for corosync, runs detached (`boot`).
 */
import { spawn } from 'node:child_process';
import { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';
import { readState } from './state';

function bootDetached(labName: string, node: string): void {
  // stdout closed (ipmi_sim waits for it to close); errors go to ipmi_sim's log with ours.
  spawn(process.execPath, [__filename, labName, node, 'boot'], { detached: true, stdio: ['ignore', 'ignore', 'inherit'] }).unref();
}

async function main([labName, node, verb, what, value]: string[]): Promise<void> {
  if (labName === undefined || node === undefined) throw new Error('usage: bmc-hook.js LAB NODE get power | set power 0|1 | set reset 1 | boot');
  const host = node as NodeHost;
  const poweredOn = readState(labName)?.hosts[host]?.poweredOn === true;
  if (verb === 'get') {
    if (what === 'power') process.stdout.write(`power:${poweredOn ? 1 : 0}\n`);
    return;
  }
  if (verb === 'boot') {
    if (!poweredOn) await NamespaceLab.attach(labName).powerOn(host);
    return;
  }
  if (verb !== 'set') throw new Error(`unknown verb ${String(verb)}`);
  if (what === 'power' && value === '0' && poweredOn) await NamespaceLab.attach(labName).powerOff(host, { byBmc: true });
  else if (what === 'power' && value === '1' && !poweredOn) bootDetached(labName, node);
  else if (what === 'reset') {
    if (poweredOn) await NamespaceLab.attach(labName).powerOff(host, { byBmc: true });
    bootDetached(labName, node);
  }
  // boot device and identify requests have nothing to do in the lab.
}

main(process.argv.slice(2)).catch((err: unknown) => {
  // A non-zero exit becomes IPMI completion code 0xff.
  process.stderr.write(`bmc-hook: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

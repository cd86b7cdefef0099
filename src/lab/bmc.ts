import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FenceDevice } from '../fence/config';
import { monotonicClock } from '../util/clock';
import { bmcAddressing, type HostAddressing, type LabNames, type NodeHost } from './names';
import { isAlive, killNamespacesSync, startDaemon } from './processes';
import { run, runChecked } from '../util/run';
import { createHost } from './topology';

/**
 * A lab node's BMC: OpenIPMI's `ipmi_sim` in a namespace of its own on the lab's switch, whose
 * chassis power control runs `bmc-hook.js`, which powers the lab node off and on as a power cut
 * and a boot do. Reached with IPMI over LAN (lanplus needs cipher suite 3: ipmi_sim lacks
 * "Get Channel Cipher Suites").
 */

/**
 * `alive`: the BMC answers whatever the node does. `dies-with-node`: a power loss of the node takes
 * the BMC with it (one power supply) and it returns when the node is powered on again.
 * `unreachable`: the BMC runs but its switch port is down.
 */
export type BmcFault = 'alive' | 'dies-with-node' | 'unreachable';
export const bmcFaults: readonly BmcFault[] = ['alive', 'dies-with-node', 'unreachable'];

export interface BmcState extends Omit<HostAddressing, 'name' | 'nodeId'> {
  node: NodeHost;
  /** ipmi_sim's configuration and persistent state. */
  dir: string;
  username: string;
  password: string;
  /** ipmi_sim's pid while it runs. */
  pid?: number;
  fault: BmcFault;
}

/** IPMI's UDP port (RMCP). */
export const ipmiPort = 623;
const hookScript = join(__dirname, 'bmc-hook.js');

/** ipmi_sim needs an emulation script, or it has no BMC to serve. */
const emulation = ['mc_setbmc 0x20', 'mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02', 'sel_enable 0x20 1000 0x0a', 'mc_enable 0x20', ''].join('\n');

export function newBmcState(labId: string, workDir: string, node: NodeHost, nodeId: number): BmcState {
  // IPMI 1.5 passwords have at most 16 bytes.
  return { ...bmcAddressing(labId, nodeId), node, dir: join(workDir, `bmc-${node}`), username: 'admin', password: randomBytes(6).toString('hex'), fault: 'alive' };
}

export function renderLanConf(bmc: BmcState, labName: string, nodeId: number): string {
  const auths = 'none md2 md5 straight';
  return [
    `name "bmc-${bmc.node}"`,
    'set_working_mc 0x20',
    '  startlan 1',
    `    addr ${bmc.address} ${ipmiPort}`,
    '    priv_limit admin',
    ...['callback', 'user', 'operator', 'admin'].map((level) => `    allowed_auths_${level} ${auths}`),
    `    guid a123456789abcdefa123456789abcd${nodeId.toString(16).padStart(2, '0')}`,
    '  endlan',
    // ipmi_sim appends `get power` or `set power 0|1` and reads `power:0|1` back.
    `  chassis_control "${process.execPath} ${hookScript} ${labName} ${bmc.node}"`,
    `  user 2 true "${bmc.username}" "${bmc.password}" admin 10 ${auths}`,
    '',
  ].join('\n');
}

/** The BMC's namespace, its port on the lab's switch and its address. */
export async function createBmc(names: LabNames, bmc: BmcState, labName: string, nodeId: number): Promise<void> {
  mkdirSync(join(bmc.dir, 'state'), { recursive: true });
  writeFileSync(join(bmc.dir, 'lan.conf'), renderLanConf(bmc, labName, nodeId));
  writeFileSync(join(bmc.dir, 'bmc.emu'), emulation);
  await createHost(names, bmc);
}

/** Starts ipmi_sim (no console: -n) and waits until it listens; returns its pid. */
export async function startBmc(bmc: BmcState, timeoutMs = 10_000): Promise<number> {
  const pid = startDaemon(['ip', 'netns', 'exec', bmc.netns, 'ipmi_sim', '-n', '-c', join(bmc.dir, 'lan.conf'), '-f', join(bmc.dir, 'bmc.emu'), '-s', join(bmc.dir, 'state')],
    join(bmc.dir, 'ipmi_sim.out'));
  const deadline = monotonicClock.now() + timeoutMs;
  while (true) {
    const listening = await run(['ip', 'netns', 'exec', bmc.netns, 'ss', '-Huln', `sport = :${ipmiPort}`]);
    if (listening.stdout.trim() !== '') return pid;
    if (!isAlive(pid)) throw new Error(`${bmc.node}'s BMC (ipmi_sim) exited during start; see ${join(bmc.dir, 'ipmi_sim.out')}`);
    if (monotonicClock.now() > deadline) throw new Error(`${bmc.node}'s BMC (ipmi_sim) did not listen on ${bmc.address}:${ipmiPort} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Kills the BMC (a power loss takes it): returns the pids killed. */
export function stopBmc(bmc: BmcState): number[] {
  const killed = killNamespacesSync([bmc.netns], bmc.pid === undefined ? [] : [bmc.pid]);
  delete bmc.pid;
  return killed;
}

/** Applies a fault: the switch port for `unreachable`, ipmi_sim itself for a node without power. */
export async function applyBmcFault(names: LabNames, bmc: BmcState, fault: BmcFault, nodePoweredOn: boolean): Promise<number[]> {
  bmc.fault = fault;
  await runChecked(['ip', '-n', names.bridgeNetns, 'link', 'set', bmc.port, fault === 'unreachable' ? 'down' : 'up']);
  if (fault === 'dies-with-node' && !nodePoweredOn) return stopBmc(bmc);
  if (bmc.pid === undefined || !isAlive(bmc.pid)) bmc.pid = await startBmc(bmc);
  return [];
}

/**
 * The lab BMC as a fence device (fence_ipmilan over lanplus, cipher suite 3); power_timeout 4
 * bounds a dead or unreachable BMC to about 4 s instead of the agent's 20 s.
 */
export function bmcFenceDevice(bmc: Readonly<BmcState>): FenceDevice {
  return { name: `ipmi-${bmc.node}`, agent: 'fence_ipmilan', options: { ip: bmc.address, username: bmc.username, lanplus: '1', cipher: '3', power_timeout: '4' }, timeoutMs: 30_000 };
}

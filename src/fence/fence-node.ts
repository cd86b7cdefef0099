/**
 * Fencing a node through its levels, in order: the first level whose `off` succeeds and whose
 * `status` then reads the node off is the proof; a level that fails passes to the next. The
 * status after the off is asked separately (fence_ipmilan's off polls it too, other agents may
 * not), so the proof is always a device saying "off" after switching it off.
 */
import { runFenceAgent, type FenceResult, type RunAgentOptions } from './agent';
import type { FenceDevice } from './config';
import type { FenceSecrets } from './secrets';

export type NodeFenceOutcome =
  | { off: true; device: string; steps: FenceResult[] }
  | { off: false; device: string; reason: string; steps: FenceResult[] };

export interface LevelRunOptions extends Omit<RunAgentOptions, 'secrets'> {
  secrets: FenceSecrets;
}

function agentOptions(device: FenceDevice, options: LevelRunOptions): RunAgentOptions {
  return { agentDir: options.agentDir, wrapper: options.wrapper, secrets: options.secrets[device.name] ?? {} };
}

/** Powers the node off through the first level that can, and confirms it with that level's status. */
export async function fenceOff(levels: FenceDevice[], options: LevelRunOptions): Promise<NodeFenceOutcome> {
  const steps: FenceResult[] = [];
  const reasons: string[] = [];
  for (const device of levels) {
    const off = await runFenceAgent(device, 'off', agentOptions(device, options));
    steps.push(off);
    if (!off.ok) {
      reasons.push(`${device.name} off: ${off.reason}`);
      continue;
    }
    const status = await runFenceAgent(device, 'status', agentOptions(device, options));
    steps.push(status);
    if (status.ok && status.power === 'off') return { off: true, device: device.name, steps };
    reasons.push(`${device.name} status after off: ${status.ok ? `reports ${status.power ?? 'nothing'}` : status.reason}`);
  }
  return { off: false, device: levels[levels.length - 1]?.name ?? 'none', reason: reasons.join('; ') || 'no fence levels', steps };
}

/** Powers the node on through the first level that can; the failure names every level's reason. */
export async function powerOn(levels: FenceDevice[], options: LevelRunOptions): Promise<{ ok: true; device: string } | { ok: false; reason: string }> {
  const reasons: string[] = [];
  for (const device of levels) {
    const on = await runFenceAgent(device, 'on', agentOptions(device, options));
    if (on.ok) return { ok: true, device: device.name };
    reasons.push(`${device.name}: ${on.reason}`);
  }
  return { ok: false, reason: reasons.join('; ') || 'no fence levels' };
}

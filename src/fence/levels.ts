import { existsSync } from 'node:fs';
import { runFenceAgent, type FenceResult } from './agent';
import type { FencingConfig } from './config';
import { loadSecrets, type FenceSecrets } from './secrets';

export class UnknownFenceNodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnknownFenceNodeError';
  }
}

/** The secrets file, or none when it does not exist (devices without a password). */
export function loadSecretsIfPresent(fencing: FencingConfig): FenceSecrets {
  return existsSync(fencing.secretsFile) ? loadSecrets(fencing.secretsFile) : {};
}

/**
 * `status` through every level of a node at once: what a fence would find, without switching
 * anything. One result per level, in level order.
 */
export async function statusOfLevels(fencing: FencingConfig, node: string, secrets: FenceSecrets): Promise<(FenceResult & { level: number })[]> {
  const levels = fencing.nodes[node];
  if (levels === undefined) {
    const known = Object.keys(fencing.nodes);
    throw new UnknownFenceNodeError(`no fence devices for node ${JSON.stringify(node)}: ${known.length === 0 ? 'none are configured' : `configured for ${known.join(', ')}`}`);
  }
  const results = await Promise.all(levels.map((device) => runFenceAgent(device, 'status', { agentDir: fencing.agentDir, secrets: secrets[device.name] ?? {} })));
  return results.map((result, i) => ({ ...result, level: i + 1 }));
}

/**
 * The daemon's side of the HA core's fencing seam (src/ha/fence-device.ts): runs a node's fence
 * levels in the background when the master asks (`fence-device` off), hands the outcome to a
 * later CRM round, and after a recorded proof (`restore`) powers the node on again when the
 * config's `fencing.afterFence` is `reboot`. One run per node at a time: a request that arrives
 * while one runs starts when it ends, so a device is never driven by two agents at once.
 */
import type { FenceDeviceInput, FenceDeviceResult } from '../ha/fence-device';
import type { FencingConfig } from '../fence/config';
import { fenceOff, powerOn } from '../fence/fence-node';
import { loadSecretsIfPresent } from '../fence/levels';
import type { DaemonLog } from './node-daemon';

export interface Fencer {
  /** The CRM's input this round: nodes with devices and the results since the last call. */
  take(): FenceDeviceInput;
  off(node: string, attempt: string): void;
  restore(node: string): void;
}

type Job = { kind: 'off'; attempt: string } | { kind: 'on' };

export class AgentFencer implements Fencer {
  private results: FenceDeviceResult[] = [];
  private readonly running = new Set<string>();
  private readonly next = new Map<string, Job>();

  constructor(private readonly fencing: FencingConfig, private readonly log: DaemonLog, private readonly wrapper?: string[]) {}

  take(): FenceDeviceInput {
    const results = this.results;
    this.results = [];
    return { nodes: Object.keys(this.fencing.nodes), results };
  }

  off(node: string, attempt: string): void {
    this.enqueue(node, { kind: 'off', attempt });
  }

  restore(node: string): void {
    if (this.fencing.afterFence === 'off') {
      this.log.info(`fence: ${node} stays off (fencing.afterFence is off)`);
      return;
    }
    this.enqueue(node, { kind: 'on' });
  }

  private enqueue(node: string, job: Job): void {
    if (this.running.has(node)) {
      this.next.set(node, job);
      return;
    }
    this.running.add(node);
    void this.run(node, job).finally(() => {
      this.running.delete(node);
      const queued = this.next.get(node);
      this.next.delete(node);
      if (queued !== undefined) this.enqueue(node, queued);
    });
  }

  private async run(node: string, job: Job): Promise<void> {
    const levels = this.fencing.nodes[node] ?? [];
    let secrets;
    try {
      secrets = loadSecretsIfPresent(this.fencing);
    } catch (err) {
      const reason = `secrets file: ${err instanceof Error ? err.message : String(err)}`;
      this.log.error(`fence: ${node}: ${reason}`);
      if (job.kind === 'off') this.results.push({ node, attempt: job.attempt, off: false, device: 'none', reason });
      return;
    }
    const options = { agentDir: this.fencing.agentDir, secrets, wrapper: this.wrapper };
    if (job.kind === 'on') {
      const on = await powerOn(levels, options);
      if (on.ok) this.log.info(`fence: ${node} powered on again by ${on.device} (fencing.afterFence reboot)`);
      else this.log.warn(`fence: could not power ${node} on again: ${on.reason}`);
      return;
    }
    this.log.info(`fence: powering ${node} off (attempt ${job.attempt})`);
    const outcome = await fenceOff(levels, options);
    const tookMs = outcome.steps.reduce((sum, step) => sum + step.durationMs, 0);
    if (outcome.off) {
      this.log.info(`fence: ${outcome.device} confirmed ${node} off in ${(tookMs / 1000).toFixed(2)} s (attempt ${job.attempt})`);
      this.results.push({ node, attempt: job.attempt, off: true, device: outcome.device });
    } else {
      this.log.warn(`fence: no level confirmed ${node} off after ${(tookMs / 1000).toFixed(2)} s: ${outcome.reason}`);
      this.results.push({ node, attempt: job.attempt, off: false, device: outcome.device, reason: outcome.reason });
    }
  }
}

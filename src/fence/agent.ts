/**
 * Runs one fence-agents agent through its standard stdin interface (one `key=value` line per
 * option, `action=` first) with a timeout, and maps what it reports. fence-agents exit 0 on
 * success and, for `status`, 0 for power ON and 2 for OFF; anything else is a failure whose
 * reason is the agent's last `ERROR:` line.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { monotonicClock } from '../util/clock';
import type { FenceDevice } from './config';

export type FenceAction = 'status' | 'monitor' | 'off' | 'on' | 'reboot';

export type FenceOutcome =
  | { ok: true; power?: 'on' | 'off' }
  | { ok: false; reason: string };

export type FenceResult = FenceOutcome & { device: string; action: FenceAction; exitCode: number | null; durationMs: number };

/** fence-agents' exit code for `status` of a node that is powered off. */
export const statusOffExitCode = 2;

/** The agent's own explanation: its last `ERROR:` line, else its last line of stderr. */
function failureReason(code: number, stderr: string, stdout: string): string {
  const lines = `${stdout}\n${stderr}`.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  // fence-agents log `ERROR: ...`, newer ones after a timestamp.
  const error = lines.map((l) => /\bERROR:\s*(.*)$/.exec(l)?.[1]).filter((m) => m !== undefined).pop();
  // Python warnings (fence_ipmilan 4.12 warns that `pipes` is deprecated) explain nothing.
  const last = stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !/Warning|^from |^import /.test(l)).pop();
  return `${error ?? last ?? 'no message'} (exit ${code})`;
}

/** Maps an agent's exit code and output to what it established. */
export function mapAgentExit(action: FenceAction, code: number, stdout: string, stderr: string): FenceOutcome {
  if (action === 'status') {
    if (code === 0) return { ok: true, power: 'on' };
    if (code === statusOffExitCode) return { ok: true, power: 'off' };
    return { ok: false, reason: failureReason(code, stderr, stdout) };
  }
  if (code !== 0) return { ok: false, reason: failureReason(code, stderr, stdout) };
  // off and on return only once the agent's own status poll saw the new state.
  if (action === 'off') return { ok: true, power: 'off' };
  if (action === 'on') return { ok: true, power: 'on' };
  return { ok: true };
}

/** The agent's stdin: action first, then the device's options and its secrets. */
export function agentInput(action: FenceAction, device: FenceDevice, secrets: Record<string, string> = {}): string {
  const lines = [`action=${action}`, ...Object.entries({ ...device.options, ...secrets }).map(([k, v]) => `${k}=${v}`)];
  return `${lines.join('\n')}\n`;
}

export interface RunAgentOptions {
  agentDir: string;
  secrets?: Record<string, string>;
  /** argv prefix to run the agent elsewhere, e.g. `ip netns exec NS` (lab, tests). */
  wrapper?: string[];
}

/** Runs the device's agent once; never throws for what the agent does (a missing agent included). */
export function runFenceAgent(device: FenceDevice, action: FenceAction, options: RunAgentOptions): Promise<FenceResult> {
  const started = monotonicClock.now();
  const argv = [...(options.wrapper ?? []), join(options.agentDir, device.agent)];
  const done = (outcome: FenceOutcome, exitCode: number | null): FenceResult => ({ ...outcome, device: device.name, action, exitCode, durationMs: monotonicClock.now() - started });
  return new Promise((resolve) => {
    // Its own process group, so a timeout also kills the ipmitool (or snmp) it runs.
    const child = spawn(argv[0] as string, argv.slice(1), { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // Already gone.
      }
    }, device.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(done({ ok: false, reason: `cannot run ${argv.join(' ')}: ${err.message} (is fence-agents installed?)` }, null));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) resolve(done({ ok: false, reason: `${device.agent} did not finish within ${device.timeoutMs} ms` }, code));
      else resolve(done(mapAgentExit(action, code ?? 1, stdout, stderr), code));
    });
    child.stdin.on('error', () => { /* an agent that exits without reading its input: its exit code tells */ });
    child.stdin.end(agentInput(action, device, options.secrets));
  });
}

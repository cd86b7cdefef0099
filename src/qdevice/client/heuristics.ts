import { execFile } from 'node:child_process';
import { Heuristics } from '../protocol/constants';

/**
 * corosync-qdevice's exec heuristics (quorum.device.heuristics.*): every `exec_NAME` command
 * must exit 0 within the timeout for PASS. Mode on runs them on connect, on every membership
 * change and every `interval`; sync only on connect and membership changes; off never (the
 * result is UNDEFINED and is not sent).
 */
export type HeuristicsMode = 'off' | 'on' | 'sync';

export interface HeuristicsCommand {
  /** The NAME of exec_NAME, for log lines. */
  name: string;
  argv: string[];
}

export interface HeuristicsConfig {
  mode: HeuristicsMode;
  /** ms for connect and regular runs (default quorum.device.timeout / 2). */
  timeout: number;
  /** ms for runs on a membership change (default quorum.device.sync_timeout / 2). */
  syncTimeout: number;
  /** ms between regular runs in mode on (default quorum.device.timeout × 3). */
  interval: number;
  commands: HeuristicsCommand[];
}

export interface HeuristicsOutcome {
  result: Heuristics;
  /** Commands that failed, with why (exit code, signal, timeout, not found). */
  failures: string[];
}

function runOne(command: HeuristicsCommand, timeoutMs: number): Promise<string | null> {
  const [file, ...args] = command.argv;
  if (file === undefined) return Promise.resolve(`${command.name}: empty command`);
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', windowsHide: true }, (err) => {
      if (err === null) return resolve(null);
      const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string | null; code?: number | string };
      resolve(`${command.name}: ${e.killed ? `no answer within ${timeoutMs} ms` : e.code === 'ENOENT' ? `${file} not found` : e.signal ? `killed by ${e.signal}` : `exit ${String(e.code)}`}`);
    });
  });
}

/** Runs every command at once; PASS only if all of them succeed in time (no commands: PASS, as qdevice). */
export async function runHeuristics(commands: HeuristicsCommand[], timeoutMs: number): Promise<HeuristicsOutcome> {
  const failures = (await Promise.all(commands.map((c) => runOne(c, timeoutMs)))).filter((f): f is string => f !== null);
  return { result: failures.length === 0 ? Heuristics.Pass : Heuristics.Fail, failures };
}

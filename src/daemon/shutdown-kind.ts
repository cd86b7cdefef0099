/**
 * What kind of stop a SIGTERM is: the node reboots, the node powers off, or only the daemon
 * stops (`systemctl restart`, a package upgrade). systemd stops the daemon as one of the stop
 * jobs of a system shutdown, and while those run the job that started it is still queued: a
 * start job for reboot.target (or kexec.target, soft-reboot.target) or for poweroff.target
 * (halt.target). `systemctl list-jobs` lists the queued jobs; no such job means a plain daemon
 * stop. systemctl is used rather than the D-Bus manager's ListJobs because it answers the same
 * question without a D-Bus client library, and the command is configurable, which is the seam
 * the lab uses (it has no systemd per node) to stand in a queued job.
 */
import { run } from '../util/run';
import type { ShutdownKind } from '../ha/lrm';
import type { DaemonLog } from './node-daemon';

/** `systemctl list-jobs --no-legend --full` by default: one `JOB UNIT TYPE STATE` line per job. */
export const defaultJobsCommand = ['systemctl', 'list-jobs', '--no-legend', '--full'];

const rebootTargets = new Set(['reboot.target', 'kexec.target', 'soft-reboot.target']);
const poweroffTargets = new Set(['poweroff.target', 'halt.target']);

/** The system shutdown the queued jobs announce, or null when none is queued (a plain daemon stop). */
export function queuedShutdown(jobs: string): 'reboot' | 'poweroff' | null {
  const started = jobs.split('\n')
    .map((line) => /^\s*\d+\s+(\S+)\s+(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null && m[2] === 'start')
    .map((m) => m[1]!);
  if (started.some((unit) => rebootTargets.has(unit))) return 'reboot';
  // shutdown.target alone (its specific target already done) is still a system shutdown.
  if (started.some((unit) => poweroffTargets.has(unit) || unit === 'shutdown.target')) return 'poweroff';
  return null;
}

/**
 * Asks systemd (or the configured stand-in) what this stop is. When it cannot tell, it says
 * power-off: the local services stop and stay recoverable elsewhere, today's behaviour of an
 * orderly stop; assuming a daemon stop would leave them running frozen on a node that may be
 * going down.
 */
export async function detectShutdownKind(command: string[], log: DaemonLog): Promise<ShutdownKind> {
  try {
    const result = await run(command, { timeoutMs: 5000 });
    if (result.code !== 0) throw new Error(`exit code ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`);
    const queued = queuedShutdown(result.stdout);
    log.info(queued === null
      ? 'no system shutdown queued: a daemon stop, the services keep running for the next daemon'
      : `system ${queued} queued: the shutdown policy applies`);
    return queued ?? 'daemon-stop';
  } catch (err) {
    log.warn(`cannot tell the kind of shutdown from \`${command.join(' ')}\` (${err instanceof Error ? err.message : String(err)}): treating it as a power-off`);
    return 'poweroff';
  }
}

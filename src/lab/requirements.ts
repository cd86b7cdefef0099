import { spawnSync } from 'node:child_process';

const programs = ['ip', 'bridge', 'unshare', 'corosync', 'corosync-quorumtool', 'corosync-cmapctl', 'corosync-qdevice', 'corosync-qnetd', 'corosync-qnetd-tool'];

/**
 * Why a lab cannot run on this machine, or undefined when it can. Tests on real corosync skip
 * with this reason instead of failing where root or the Debian packages are missing.
 */
export function labUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the namespace lab needs root (network and mount namespaces)';
  const missing = programs.filter((p) => spawnSync('sh', ['-c', `command -v ${p}`], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) return `the namespace lab needs ${missing.join(', ')} (run scripts/bootstrap.sh)`;
  return undefined;
}

import path from 'node:path';
import { NamespaceLab } from '../../src/lab/namespace-lab';
import type { ArbiterChoice, QdeviceChoice } from '../../src/lab/options';
import type { QuorumStatus } from '../../src/lab/quorum-status';
import { LAB_ARBITER_CERT_DIR } from '../../src/lab/tls';
import type { TlsMode } from '../../src/lab/corosync-config';

/** Lab commands that run our arbiter and our device client in place of corosync's. */

const cli = [process.execPath, path.resolve(__dirname, '../../src/cli/main.js')];

/**
 * Our arbiter on the lab's arbiter host. Its status socket sits where corosync-qnetd's does (the
 * host's private /run), so corosync-qnetd-tool and `lab.arbiterClients()` query either arbiter.
 */
export function ourArbiter(tls: TlsMode = 'off'): ArbiterChoice {
  return { command: [...cli, 'arbiter', 'run', '--listen', '{address}', '--status-socket', '/run/corosync-qnetd/corosync-qnetd.sock',
    '--log-level', 'info', '--tls', tls, '--cert-dir', LAB_ARBITER_CERT_DIR] };
}

/** `quorate qdevice run` on every node instead of corosync-qdevice. */
export const ourQdevice: QdeviceChoice = { command: [...cli, 'qdevice', 'run', '--log-level', 'info'] };

/** `corosync-qnetd-tool -l -v` on the arbiter host (works for both arbiters). */
export async function arbiterListVerbose(lab: NamespaceLab): Promise<string> {
  const result = await lab.exec('arbiter', ['corosync-qnetd-tool', '-l', '-v'], { timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`corosync-qnetd-tool -l -v failed (exit ${result.code}): ${result.stderr.trim()}`);
  return result.stdout;
}

/** Each node's quorum as a short word: `node1:Q/3` (quorate, 3 votes), `node2:NQ/1`, `node2:down`. */
export async function quorumSummary(lab: NamespaceLab): Promise<string> {
  const parts = await Promise.all(lab.nodes.map(async (n) => {
    const s = await lab.quorumStatus(n.name as 'node1').catch(() => undefined);
    return s === undefined ? `${n.name}:down` : `${n.name}:${s.quorate ? 'Q' : 'NQ'}/${String(s.totalVotes)}`;
  }));
  return parts.join(' ');
}

/** Both nodes together, quorate, with `votes` total votes. */
export const together = (votes: number) => (s: QuorumStatus): boolean => s.quorate && s.nodes === 2 && s.totalVotes === votes;

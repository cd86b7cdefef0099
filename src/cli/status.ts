import type { Command } from 'commander';
import { CorosyncMembership } from '../quorum/corosync-membership';
import type { MembershipSnapshot } from '../quorum/types';
import { CorosyncError } from '../native/errors';
import { AddonNotBuiltError } from '../native/loader';
import { DaemonUnavailableError, readDaemonStatus } from '../daemon/operator/client';
import type { DaemonStatus } from '../daemon/operator/backend';
import { CliError, exitCodes } from './errors';
import { operatorCliError, operatorSocketDefault } from './ha';
import { renderHaStatus } from './ha-render';
import { printResult, type OutputOptions } from './output';
import { table } from '../util/text-table';

interface StatusOptions extends OutputOptions {
  socket: string;
}

/** `ha` is null when no HA daemon answers on this node; `haUnavailable` then says why. */
type NodeStatus = MembershipSnapshot & { ha: DaemonStatus | null; haUnavailable?: string };

/** A status reader should not wait long for a daemon that does not answer. */
const haStatusTimeoutMs = 3_000;

async function haStatus(socketPath: string): Promise<Pick<NodeStatus, 'ha' | 'haUnavailable'>> {
  try {
    return { ha: await readDaemonStatus({ socketPath, timeoutMs: haStatusTimeoutMs }) };
  } catch (err) {
    if (err instanceof DaemonUnavailableError) return { ha: null, haUnavailable: err.message };
    throw operatorCliError(err);
  }
}

function renderNodeStatus(s: NodeStatus): string {
  const ha = s.ha === null ? `HA daemon not running (${s.haUnavailable ?? 'no answer'})` : renderHaStatus(s.ha);
  return `${renderMembership(s)}\n\n${ha}`;
}

/** The text form of `quorate status`: the same facts corosync-quorumtool shows, in one screen. */
export function renderMembership(s: MembershipSnapshot): string {
  const rows = s.nodes.map((n) => [
    String(n.nodeId),
    n.name + (n.nodeId === s.localNodeId ? ' (local)' : ''),
    String(n.votes),
    n.member ? 'member' : 'absent',
  ]);
  if (s.qdevice !== null) {
    rows.push(['0', s.qdevice.name === '' ? 'quorum device (not registered)' : s.qdevice.name, String(s.qdevice.votes),
      s.qdevice.voting ? 'voting' : 'not voting']);
  }
  return [
    `quorate:        ${s.quorate ? 'yes' : 'no'}`,
    `ring id:        ${s.ringId}`,
    `votes:          ${s.totalVotes} of ${s.expectedVotes} expected, quorum ${s.quorum}`,
    '',
    table(['id', 'name', 'votes', 'state'], rows),
  ].join('\n');
}

async function status(options: StatusOptions): Promise<void> {
  let membership: CorosyncMembership;
  try {
    membership = await CorosyncMembership.open();
  } catch (err) {
    if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) {
      throw new CliError(err.message, exitCodes.unavailable);
    }
    throw err;
  }
  let snapshot: MembershipSnapshot;
  try {
    snapshot = membership.current();
  } finally {
    membership.close();
  }
  printResult({ ...snapshot, ...(await haStatus(options.socket)) }, options, renderNodeStatus);
}

export function registerStatusCommands(program: Command): void {
  program
    .command('status')
    .description("this node's view of the cluster: members, votes, quorum, quorum device, and the HA state when the daemon runs (run inside a node)")
    .option('--json', 'print JSON (the HA part under `ha`, null when the daemon is not running)')
    .option('--socket <path>', 'operator socket of the HA daemon', operatorSocketDefault())
    .action((options: StatusOptions) => status(options));
}

import type { Command } from 'commander';
import { CorosyncMembership } from '../quorum/corosync-membership';
import type { MembershipSnapshot } from '../quorum/types';
import { CorosyncError } from '../native/errors';
import { AddonNotBuiltError } from '../native/loader';
import { CliError, exitCodes } from './errors';
import { printResult, table, type OutputOptions } from './output';

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

async function status(options: OutputOptions): Promise<void> {
  let membership: CorosyncMembership;
  try {
    membership = await CorosyncMembership.open();
  } catch (err) {
    if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) {
      throw new CliError(err.message, exitCodes.unavailable);
    }
    throw err;
  }
  try {
    printResult(membership.current(), options, renderMembership);
  } finally {
    membership.close();
  }
}

export function registerStatusCommands(program: Command): void {
  program
    .command('status')
    .description("this node's view of the cluster: members, votes, quorum, quorum device (run inside a node)")
    .option('--json', 'print JSON')
    .action((options: OutputOptions) => status(options));
}

import type { Command } from 'commander';
import { readQuorumConfig } from '../diag/quorum-device';
import { quorumReport, renderQuorumReport } from '../diag/quorum-report';
import { Cmap } from '../native/cmap';
import { CorosyncError } from '../native/errors';
import { AddonNotBuiltError } from '../native/loader';
import { CorosyncMembership } from '../quorum/corosync-membership';
import { CliError, exitCodes } from './errors';
import { printResult, type OutputOptions } from './output';

/** Runs fn with a connection to the local corosync; no corosync is exit code 3 with the cause. */
async function withCorosync<T>(open: () => T | Promise<T>, fn: (handle: T) => void, close: (handle: T) => void): Promise<void> {
  let handle: T;
  try {
    handle = await open();
  } catch (err) {
    if (err instanceof CorosyncError || err instanceof AddonNotBuiltError) throw new CliError(err.message, exitCodes.unavailable);
    throw err;
  }
  try {
    fn(handle);
  } finally {
    close(handle);
  }
}

async function diagQuorum(options: OutputOptions): Promise<void> {
  await withCorosync(() => CorosyncMembership.open(), (membership) => {
    const cmap = Cmap.open();
    try {
      printResult(quorumReport(membership.current(), readQuorumConfig(cmap)), options, renderQuorumReport);
    } finally {
      cmap.close();
    }
  }, (membership) => membership.close());
}

export function registerDiagCommands(program: Command): void {
  const diag = program.command('diag').description('diagnostics for operators: quorum, knet links, configuration, network');
  diag
    .command('quorum')
    .description('votes, quorum, the arbiter vote, and what each single failure would do to quorum (run inside a node)')
    .option('--json', 'print JSON')
    .action((options: OutputOptions) => diagQuorum(options));
}

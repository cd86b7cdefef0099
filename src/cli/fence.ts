import type { Command } from 'commander';
import { ConfigError, defaultConfigPath, loadConfig } from '../daemon/config';
import type { FenceResult } from '../fence/agent';
import { loadSecretsIfPresent, statusOfLevels, UnknownFenceNodeError } from '../fence/levels';
import { FenceSecretsError } from '../fence/secrets';
import { CliError, exitCodes } from './errors';
import { table } from '../util/text-table';
import { printResult } from './output';

/** `quorate fence list|test`: the configured fence devices, and whether they would work now. */

interface FenceFlags {
  config: string;
  json?: boolean;
}

function fenceCliError(err: unknown): CliError {
  if (err instanceof ConfigError || err instanceof FenceSecretsError) return new CliError(err.message, exitCodes.usage);
  if (err instanceof UnknownFenceNodeError) return new CliError(err.message, exitCodes.usage);
  return new CliError(err instanceof Error ? err.message : String(err));
}

function describe(result: FenceResult): string {
  return result.ok ? `power ${result.power ?? '?'}` : `FAILED: ${result.reason}`;
}

export function registerFenceCommands(program: Command): void {
  const fence = program.command('fence').description('fence devices (fence-agents) of this node\'s config');
  const configOption = ['--config <path>', 'daemon config file', defaultConfigPath] as const;

  fence.command('list')
    .description('every node\'s fence levels, in the order they are tried (no secrets shown)')
    .option(...configOption)
    .option('--json', 'print the result as JSON')
    .action((flags: FenceFlags) => {
      let fencing;
      try {
        fencing = loadConfig(flags.config).fencing;
      } catch (err) {
        throw fenceCliError(err);
      }
      const nodes = Object.entries(fencing.nodes).map(([node, levels]) => ({
        node,
        levels: levels.map((d, i) => ({ level: i + 1, name: d.name, agent: d.agent, options: d.options, timeoutMs: d.timeoutMs })),
      }));
      printResult({ agentDir: fencing.agentDir, secretsFile: fencing.secretsFile, nodes }, flags, (r) => r.nodes.length === 0
        ? `no fence devices configured in ${flags.config}`
        : table(['node', 'level', 'device', 'agent', 'options'], r.nodes.flatMap((n) => n.levels.map((l) => [
          n.node, String(l.level), l.name, l.agent, Object.entries(l.options).map(([k, v]) => `${k}=${v}`).join(' '),
        ]))));
    });

  fence.command('test')
    .description("ask every fence level of NODE for the node's power state (the status action only: nothing is switched)")
    .argument('<node>', 'a node with fence devices in the config')
    .option(...configOption)
    .option('--json', 'print the result as JSON')
    .action(async (node: string, flags: FenceFlags) => {
      let results;
      try {
        const fencing = loadConfig(flags.config).fencing;
        results = await statusOfLevels(fencing, node, loadSecretsIfPresent(fencing));
      } catch (err) {
        throw fenceCliError(err);
      }
      printResult({ node, ok: results.every((r) => r.ok), levels: results }, flags, (r) =>
        table(['level', 'device', 'result', 'time'], r.levels.map((l) => [String(l.level), l.device, describe(l), `${(l.durationMs / 1000).toFixed(2)} s`])));
      // A device that would fail when needed is reported before it is needed.
      if (!results.every((r) => r.ok)) process.exitCode = exitCodes.unavailable;
    });
}

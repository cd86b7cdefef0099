import type { Command } from 'commander';
import { registerLabCommands } from './lab';
import { registerSimCommands } from './sim';
import { registerStatusCommands } from './status';

/**
 * One place that lists the verb families; each lives in its own module under src/cli/ and
 * exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerLabCommands(program);
  registerStatusCommands(program);
  // Verb families are added here as they land (status, lab, sim, arbiter, daemon, diag).
  registerSimCommands(program);
}

import type { Command } from 'commander';
import { registerDaemonCommands } from './daemon';
import { registerLabCommands } from './lab';
import { registerSimCommands } from './sim';
import { registerStatusCommands } from './status';
import { registerWatchdogCommands } from './watchdog';

/**
 * One place that lists the verb families; each lives in its own module under src/cli/ and
 * exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerLabCommands(program);
  registerStatusCommands(program);
  registerWatchdogCommands(program);
  // Verb families are added here as they land (status, lab, sim, arbiter, daemon, diag).
  registerSimCommands(program);
  registerDaemonCommands(program);
}

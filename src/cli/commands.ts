import type { Command } from 'commander';
import { registerArbiterCommands } from './arbiter';
import { registerQdeviceCommands } from './qdevice';

/**
 * One place that lists the verb families; each lives in its own module under src/cli/ and
 * exports `register(program)`.
 */
export function registerCommands(program: Command): void {
  registerArbiterCommands(program);
  registerQdeviceCommands(program);
  // Verb families are added here as they land (status, lab, sim, arbiter, daemon, diag).
}

import type { Command } from 'commander';
import { registerArbiterCommands } from './arbiter';
import { registerDaemonCommands } from './daemon';
import { registerDiagCommands } from './diag';
import { registerFenceCommands } from './fence';
import { registerHaCommands } from './ha';
import { registerSetupCommands } from './setup';
import { registerLabCommands } from './lab';
import { registerQdeviceCommands } from './qdevice';
import { registerSimCommands } from './sim';
import { registerStatusCommands } from './status';
import { registerVmlabCommands } from './vmlab';
import { registerWatchdogCommands } from './watchdog';

/** One place that lists the verb families; each lives in its own module under src/cli/. */
export function registerCommands(program: Command): void {
  registerStatusCommands(program);
  registerLabCommands(program);
  registerSimCommands(program);
  registerDaemonCommands(program);
  registerArbiterCommands(program);
  registerQdeviceCommands(program);
  registerWatchdogCommands(program);
  registerDiagCommands(program);
  registerHaCommands(program);
  registerSetupCommands(program);
  registerVmlabCommands(program);
  registerFenceCommands(program);
}

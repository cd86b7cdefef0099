import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { KernelWatchdogDevice } from '../native/watchdog';
import type { WatchdogDevice } from './device';

/**
 * Opens (arms) a kernel watchdog such as /dev/watchdog through the addon's ioctls. Like
 * watchdog-mux, a missing device node first loads the configured driver (softdog by default).
 */
export async function openKernelWatchdog(path = '/dev/watchdog', driver?: string): Promise<WatchdogDevice> {
  if (driver !== undefined && !existsSync(path)) await loadKernelModule(driver);
  return KernelWatchdogDevice.open(path);
}

async function loadKernelModule(module: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(module)) throw new Error(`invalid kernel module name ${JSON.stringify(module)}`);
  try {
    await promisify(execFile)('modprobe', [module]);
  } catch (err) {
    throw new Error(`cannot load the watchdog driver ${module}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

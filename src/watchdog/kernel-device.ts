import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { WatchdogDevice } from './device';

/**
 * The addon's watchdog calls (native/): thin ioctl bindings on a file descriptor. The policy
 * (when to feed, when to disarm) stays in TypeScript.
 */
interface WatchdogBinding {
  watchdogOpen(path: string): number;
  watchdogSetTimeout(fd: number, seconds: number): number;
  watchdogGetTimeout(fd: number): number;
  watchdogKeepAlive(fd: number): void;
  watchdogMagicClose(fd: number): void;
}

function loadBinding(): WatchdogBinding {
  const addonPath = join(__dirname, '../../../build/Release/quorate_native.node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the addon is loaded at run time
  const addon = require(addonPath) as Partial<WatchdogBinding>;
  if (typeof addon.watchdogOpen !== 'function') throw new Error(`the native addon (${addonPath}) has no watchdog calls`);
  return addon as WatchdogBinding;
}

/** Opens (arms) a kernel watchdog such as /dev/watchdog through the addon's ioctls. */
export async function openKernelWatchdog(path = '/dev/watchdog'): Promise<WatchdogDevice> {
  const binding = loadBinding();
  const fd = binding.watchdogOpen(path);
  return {
    name: path,
    setTimeout: async (seconds) => binding.watchdogSetTimeout(fd, seconds),
    getTimeout: async () => binding.watchdogGetTimeout(fd),
    keepAlive: async () => binding.watchdogKeepAlive(fd),
    magicClose: async () => binding.watchdogMagicClose(fd),
  };
}

/** Loads a watchdog driver (softdog, i6300esb, iTCO_wdt…) with modprobe. */
export async function loadKernelModule(module: string): Promise<void> {
  if (!/^[A-Za-z0-9_-]+$/.test(module)) throw new Error(`invalid kernel module name ${JSON.stringify(module)}`);
  try {
    await promisify(execFile)('modprobe', [module]);
  } catch (err) {
    throw new Error(`cannot load the watchdog driver ${module}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { WatchdogDevice } from './device';

/** The addon's watchdog handle (native/watchdog.cc), as far as the multiplexer uses it. */
interface RawWatchdogHandle {
  getSupport(): { options: number; firmwareVersion: number; identity: string };
  getTimeout(): number;
  setTimeout(seconds: number): number;
  keepalive(): void;
  getBootStatus(): number;
  close(magic: boolean): void;
}

/** Opens (arms) a kernel watchdog such as /dev/watchdog through the addon's ioctls. */
export async function openKernelWatchdog(path = '/dev/watchdog'): Promise<WatchdogDevice> {
  const addonPath = join(__dirname, '../../../build/Release/quorate_native.node');
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the addon is loaded at run time
  const addon = require(addonPath) as { WatchdogHandle: new (path: string) => RawWatchdogHandle };
  const raw = new addon.WatchdogHandle(path);
  return {
    getTimeout: () => raw.getTimeout(),
    setTimeout: (seconds) => raw.setTimeout(seconds),
    keepalive: () => raw.keepalive(),
    getSupport: () => raw.getSupport(),
    bootStatus: () => raw.getBootStatus(),
    close: ({ magic }) => raw.close(magic),
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

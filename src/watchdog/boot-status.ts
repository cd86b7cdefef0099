/**
 * Whether the watchdog device itself says this boot followed its reset (WDIOF_CARDRESET in the
 * driver's boot status). The fence record says why feeding stopped; this is the hardware's own
 * word that the reset then came from the watchdog. Read from sysfs (CONFIG_WATCHDOG_SYSFS:
 * /sys/class/watchdog/watchdogN/bootstatus), which needs no open, since opening the device arms
 * it; a device opened anyway (the first lease) answers WDIOC_GETBOOTSTATUS instead.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { LogSink } from '../util/log-sink';

/** WDIOF_CARDRESET (linux/watchdog.h): the last reboot was caused by the watchdog. */
export const wdiofCardReset = 0x0020;

/**
 * `watchdog-reset`: the device reports that it reset the machine. `not-watchdog`: the device
 * reports boot reasons and this boot was none of its resets. `cannot-tell`: the driver never
 * reports one (softdog's boot status is always 0: its reset reboots the kernel it runs in).
 */
export type BootVerdict = 'watchdog-reset' | 'not-watchdog' | 'cannot-tell';

/** For sentences and tables: "this boot was …". */
export const bootVerdictText: Record<BootVerdict, string> = {
  'watchdog-reset': 'a reset by the watchdog',
  'not-watchdog': 'not a watchdog reset',
  'cannot-tell': 'unknown (the driver never reports it)',
};

export interface BootStatus {
  /** WDIOF_* bits as the driver reports them. */
  bits: number;
  identity: string;
  verdict: BootVerdict;
  /** Where it was read: the device's sysfs directory, or the device itself (WDIOC_GETBOOTSTATUS). */
  source: string;
}

/** Drivers whose boot status is 0 whatever the last boot was. */
const silentDrivers = [/^software watchdog$/i];

export function judgeBootStatus(bits: number, identity: string): BootVerdict {
  if ((bits & wdiofCardReset) !== 0) return 'watchdog-reset';
  return silentDrivers.some((pattern) => pattern.test(identity.trim())) ? 'cannot-tell' : 'not-watchdog';
}

/** The sysfs directory of a kernel device: /dev/watchdog is watchdog0, /dev/watchdogN is watchdogN. */
export function sysfsDirOf(devicePath: string): string {
  const name = basename(devicePath);
  return join('/sys/class/watchdog', name === 'watchdog' ? 'watchdog0' : name);
}

/** Reads `bootstatus` and `identity` from a sysfs-like directory; a problem names the file and why. */
export function readSysfsBootStatus(dir: string): { status: BootStatus } | { problem: string } {
  const read = (file: string): string => readFileSync(join(dir, file), 'utf8').trim();
  let bitsText: string;
  let identity: string;
  try {
    bitsText = read('bootstatus');
    identity = read('identity');
  } catch (err) {
    return { problem: `cannot read the boot status in ${dir}: ${err instanceof Error ? err.message : String(err)}` };
  }
  const bits = Number(bitsText);
  if (!/^\d+$/.test(bitsText) || !Number.isSafeInteger(bits)) return { problem: `${join(dir, 'bootstatus')} holds ${JSON.stringify(bitsText)}, not a number` };
  return { status: { bits, identity, verdict: judgeBootStatus(bits, identity), source: dir } };
}

/** One line per boot: a warning when the watchdog reset this host, so it stands out in the journal. */
export function logBootStatus(log: LogSink, status: BootStatus): void {
  const bits = `boot status 0x${status.bits.toString(16)} from ${status.source} (${status.identity})`;
  if (status.verdict === 'watchdog-reset') log.warn(`this boot followed a reset by the watchdog: ${bits}`);
  else if (status.verdict === 'not-watchdog') log.info(`this boot was not a watchdog reset: ${bits}`);
  else log.info(`the watchdog cannot tell whether it reset this host: ${bits}, a driver that never reports one`);
}

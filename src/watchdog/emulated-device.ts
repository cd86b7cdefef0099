import type { Socket } from 'node:net';
import { JsonLineRequester, writeJsonLine } from '../util/json-lines';
import type { WatchdogDevice, WatchdogSupport } from './device';
import { emulatedTimerIdentity, emulatedTimerSupport, maxEmulatedTimeoutSeconds, type EmulatedTimerGreeting } from './emulated-timer-protocol';
import { connectUnix } from '../util/unix-socket';

/**
 * A lab host's emulated watchdog, opened through the socket its EmulatedWatchdogTimer serves. After
 * the greeting every call is one line to the timer, written at once and in order, so the device
 * is synchronous like an ioctl; the timer mirrors the hardware: nothing answers a keep-alive.
 */
export async function openEmulatedWatchdog(socketPath: string): Promise<WatchdogDevice> {
  const socket: Socket = await connectUnix(socketPath);
  const requester = new JsonLineRequester(socket, `lab watchdog ${socketPath}`);
  let greeting: EmulatedTimerGreeting;
  try {
    greeting = (await requester.request({ op: 'open' })) as EmulatedTimerGreeting;
  } catch (err) {
    requester.close();
    throw err;
  }
  let timeoutSeconds = greeting.timeoutSeconds;
  const send = (message: Record<string, unknown>) => {
    if (socket.destroyed) throw new Error(`lab watchdog ${socketPath}: connection lost`);
    writeJsonLine(socket, message);
  };
  return {
    setTimeout: (seconds) => {
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxEmulatedTimeoutSeconds) {
        throw new RangeError(`watchdog timeout must be an integer number of seconds in 1..${maxEmulatedTimeoutSeconds}, got ${seconds}`);
      }
      send({ op: 'settimeout', seconds });
      timeoutSeconds = seconds;
      return seconds;
    },
    getTimeout: () => timeoutSeconds,
    keepalive: () => send({ op: 'keepalive' }),
    getSupport: (): WatchdogSupport => ({ options: emulatedTimerSupport, firmwareVersion: 0, identity: emulatedTimerIdentity }),
    bootStatus: () => greeting.bootStatus,
    close: ({ magic }) => {
      if (magic && !socket.destroyed) writeJsonLine(socket, { op: 'magicclose' });
      socket.end();
    },
  };
}

import type { Socket } from 'node:net';
import { JsonLineRequester, writeJsonLine } from '../util/json-lines';
import type { WatchdogDevice, WatchdogSupport } from './device';
import { labTimerIdentity, labTimerSupport, maxLabTimeoutSeconds, type LabTimerGreeting } from './lab-timer-protocol';
import { connectUnix } from '../util/unix-socket';

/**
 * A lab host's emulated watchdog, opened through the socket its LabWatchdogTimer serves. After
 * the greeting every call is one line to the timer, written at once and in order, so the device
 * is synchronous like an ioctl; the timer mirrors the hardware: nothing answers a keep-alive.
 */
export async function openLabWatchdog(socketPath: string): Promise<WatchdogDevice> {
  const socket: Socket = await connectUnix(socketPath);
  const requester = new JsonLineRequester(socket, `lab watchdog ${socketPath}`);
  let greeting: LabTimerGreeting;
  try {
    greeting = (await requester.request({ op: 'open' })) as LabTimerGreeting;
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
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > maxLabTimeoutSeconds) {
        throw new RangeError(`watchdog timeout must be an integer number of seconds in 1..${maxLabTimeoutSeconds}, got ${seconds}`);
      }
      send({ op: 'settimeout', seconds });
      timeoutSeconds = seconds;
      return seconds;
    },
    getTimeout: () => timeoutSeconds,
    keepalive: () => send({ op: 'keepalive' }),
    getSupport: (): WatchdogSupport => ({ options: labTimerSupport, firmwareVersion: 0, identity: labTimerIdentity }),
    bootStatus: () => greeting.bootStatus,
    close: ({ magic }) => {
      if (magic && !socket.destroyed) writeJsonLine(socket, { op: 'magicclose' });
      socket.end();
    },
  };
}

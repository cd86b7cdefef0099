import { JsonLineRequester } from './json-lines';
import type { WatchdogDevice } from './device';
import { connectUnix } from './unix-socket';

/** Opens (arms) a lab host's emulated watchdog through the socket its LabWatchdogTimer serves. */
export async function openLabWatchdog(socketPath: string, name = `lab:${socketPath}`): Promise<WatchdogDevice> {
  const requester = new JsonLineRequester(await connectUnix(socketPath), name);
  const number = async (message: Record<string, unknown>): Promise<number> => {
    const result = await requester.request(message);
    if (typeof result !== 'number') throw new Error(`${name} answered ${JSON.stringify(result)} instead of a number`);
    return result;
  };
  return {
    name,
    setTimeout: (seconds) => number({ op: 'settimeout', seconds }),
    getTimeout: () => number({ op: 'gettimeout' }),
    keepAlive: async () => {
      await requester.request({ op: 'keepalive' });
    },
    magicClose: async () => {
      try {
        await requester.request({ op: 'magicclose' });
      } finally {
        requester.close();
      }
    },
  };
}

import { loadAddon } from './loader';

/** One sd_notify datagram to `socketPath` ($NOTIFY_SOCKET; '@' names are abstract). Throws a DeviceError naming the socket. */
export function sdNotify(socketPath: string, message: string): void {
  loadAddon().sdNotify(socketPath, message);
}

/**
 * Type=notify for quorate's services (sd_notify(3)): READY=1 when the service is really up,
 * STATUS= lines `systemctl status` shows, STOPPING=1 on the way down. Outside systemd
 * (no $NOTIFY_SOCKET) every call does nothing; a failed send is a warning, never a stop.
 */
import { sdNotify } from '../native/sd-notify';

export interface SystemdNotifier {
  ready(status: string): void;
  status(status: string): void;
  stopping(): void;
  /** Sends STATUS= whenever `describe` says something new, checked every periodMs; returns the stop. */
  follow(describe: () => string, periodMs?: number): () => void;
}

type Send = (socketPath: string, message: string) => void;

/**
 * Reads $NOTIFY_SOCKET once and takes it out of the environment, so that no child (a service
 * responder, virsh) can speak to systemd in this service's name.
 */
export function systemdNotifier(log: { warn(message: string): void }, env: NodeJS.ProcessEnv = process.env, send: Send = sdNotify): SystemdNotifier {
  const socket = env.NOTIFY_SOCKET;
  delete env.NOTIFY_SOCKET;
  let warned = false;
  let last = '';
  const notify = (message: string): void => {
    if (socket === undefined || socket === '') return;
    try {
      send(socket, message);
    } catch (err) {
      if (!warned) log.warn(`systemd notify to ${socket} failed: ${err instanceof Error ? err.message : String(err)}`);
      warned = true;
    }
  };
  // STATUS= is one line: a newline would end the assignment early.
  const statusLine = (status: string) => `STATUS=${status.replace(/\n/g, ' ')}`;
  return {
    ready: (status) => {
      last = status;
      notify(`READY=1\n${statusLine(status)}`);
    },
    status: (status) => {
      last = status;
      notify(statusLine(status));
    },
    stopping: () => notify('STOPPING=1'),
    follow(describe, periodMs = 1000) {
      if (socket === undefined || socket === '') return () => undefined;
      const timer = setInterval(() => {
        const now = describe();
        if (now !== last) this.status(now);
      }, periodMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

/**
 * Follows the manager status a node replicates and tells when a service lost with its node runs
 * again elsewhere. A failover counts from the moment this node saw the lost node leave the
 * membership (`leftAt`; the moment of the fence when unknown) to the replica showing the service
 * running on another node (the manager records that a round or two after its first answer); a recovery from the service entering `recovery`
 * (its node fenced, its lock taken) to the same moment. Every node follows, only the master
 * reports, so a cluster counts each failover once.
 */
import type { ManagerStatus } from '../ha/types';

export interface FailoverObserver {
  /** `from`: the node the service was lost with. */
  failover(seconds: number, from: string, sid: string): void;
  recovery(seconds: number): void;
}

interface Lost {
  from: string;
  /** Monotonic ms: when this node saw the lost node leave (or the fence began). */
  lostAt: number;
  /** Monotonic ms the service entered `recovery`, once it did. */
  recoveryAt: number | null;
}

export class FailoverTracker {
  private readonly lost = new Map<string, Lost>();

  constructor(private readonly observer: FailoverObserver) {}

  /**
   * One look at the replica at monotonic `now`; `leftAt(node)`: monotonic ms this node saw it
   * leave the membership, if it is out; `master`: this node is the manager now.
   */
  update(status: ManagerStatus | null, leftAt: (node: string) => number | undefined, master: boolean, now: number): void {
    const services = status?.serviceStatus ?? {};
    for (const sid of this.lost.keys()) if (services[sid] === undefined) this.lost.delete(sid);
    for (const [sid, service] of Object.entries(services)) {
      const lost = this.lost.get(sid);
      if (service.state === 'fence' && lost === undefined) {
        this.lost.set(sid, { from: service.node, lostAt: leftAt(service.node) ?? now, recoveryAt: null });
      } else if (service.state === 'recovery' && lost !== undefined && lost.recoveryAt === null) {
        lost.recoveryAt = now;
      } else if (service.state === 'started' && service.running === true && lost !== undefined && service.node !== lost.from) {
        this.lost.delete(sid);
        if (!master) continue;
        this.observer.failover((now - lost.lostAt) / 1000, lost.from, sid);
        if (lost.recoveryAt !== null) this.observer.recovery((now - lost.recoveryAt) / 1000);
      } else if (lost !== undefined && (!['fence', 'recovery', 'started'].includes(service.state) || (service.state === 'started' && service.node === lost.from))) {
        // Stopped, in error or back on its own node (which came back): not a failover any more.
        this.lost.delete(sid);
      }
    }
  }
}

/**
 * What the node daemon tells systemd: READY=1 once runDaemon is through (corosync joined, the
 * start-up check passed, the store's own copy read), and a STATUS line `systemctl status` shows:
 * the manager role, quorum, the store, this node's services and the watchdog.
 */
import type { RunningDaemon } from './run-daemon';

export function describeDaemon(running: Pick<RunningDaemon, 'daemon' | 'adapter' | 'store'>): string {
  const self = running.daemon.self();
  const services = Object.values(running.adapter.view().managerStatus?.serviceStatus ?? {}).filter((s) => s.node === self.view.node);
  const started = services.filter((s) => s.state === 'started' && s.running === true).length;
  return [
    self.crm.role,
    self.view.quorate ? 'quorate' : 'not quorate',
    running.store.current ? 'store current' : 'store not yet current',
    `${services.length} service${services.length === 1 ? '' : 's'} here (${started} running)`,
    `watchdog ${self.watchdog}`,
  ].join(', ');
}

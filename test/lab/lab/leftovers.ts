import { readdirSync } from 'node:fs';
import { isAlive } from '../../../src/lab/processes';
import { listNamespacesSync } from '../../../src/lab/teardown';

/** What a lab may leave behind, gathered so a test can assert that none of it remains. */
export interface LabTraces {
  namespaces: string[];
  processes: number[];
  shmFiles: string[];
  dirs: string[];
}

export function tracesOf(id: string, pids: number[], dirs: string[]): LabTraces {
  const pidTokens = new Set(pids.map(String));
  return {
    namespaces: listNamespacesSync().filter((n) => n.includes(id)),
    processes: pids.filter(isAlive),
    shmFiles: readdirSync('/dev/shm').filter((f) => f.startsWith('qb-') && f.split('-').slice(1, 4).some((t) => pidTokens.has(t))),
    dirs: dirs.filter((d) => { try { readdirSync(d); return true; } catch { return false; } }),
  };
}

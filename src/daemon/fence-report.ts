/**
 * After a reset the daemon publishes the multiplexer's fence record (why feeding stopped) in the
 * replicated store, one document per node: its last fence, a tally per condition, and when its
 * services ran elsewhere (written by the master as it sees them recovered). `quorate status` on
 * any node shows it; the metrics count resets by reason. Both writers patch the document, so
 * whichever comes first in the agreed order, neither loses the other's part.
 */
import { managerLockName } from '../ha/types';
import { FailoverTracker } from '../metrics/failover-tracker';
import { defineDocument, type ClusterStore } from '../store';
import { readFenceRecord, type FenceCondition, type FenceRecord } from '../watchdog/fence-record';
import { bootVerdictText, type BootStatus } from '../watchdog/boot-status';
import type { HaStoreAdapter } from './store/ha-adapter';

export interface ServicesElsewhere {
  /** Wall-clock time (ISO 8601, the master's clock) the last of them ran on another node. */
  at: string;
  services: string[];
}

export interface NodeFences {
  /** Absent until the node, back after its reset, reported why. */
  last?: FenceRecord;
  /** Resets per condition this node has reported. */
  resets: Partial<Record<FenceCondition, number>>;
  /** Its services recovered on other nodes after it was lost (since its last reported fence). */
  servicesElsewhere?: ServicesElsewhere;
}

type FencesPatch = { fence: FenceRecord } | { recovered: { sid: string; at: string } };

function patchFences(current: NodeFences | undefined, patch: unknown): NodeFences {
  const p = patch as FencesPatch;
  const resets = current?.resets ?? {};
  if ('fence' in p) {
    const record = p.fence;
    if (current?.last?.at === record.at) return current;
    // Recoveries seen after this fence began belong to it; older ones to an earlier one.
    const elsewhere = current?.servicesElsewhere !== undefined && current.servicesElsewhere.at >= record.at ? current.servicesElsewhere : undefined;
    return { last: record, resets: { ...resets, [record.condition]: (resets[record.condition] ?? 0) + 1 }, ...(elsewhere === undefined ? {} : { servicesElsewhere: elsewhere }) };
  }
  if ('recovered' in p) {
    const { sid, at } = p.recovered;
    const earlier = current?.servicesElsewhere;
    // A recovery after the node's last reported fence starts a new list only once that fence is old news.
    const keep = earlier !== undefined && (current?.last === undefined || earlier.at >= current.last.at);
    const services = keep ? [...new Set([...earlier.services, sid])] : [sid];
    return { ...current, resets, servicesElsewhere: { at, services } };
  }
  throw new Error('a node fences patch is {fence} or {recovered}');
}

export const nodeFencesDoc = defineDocument<NodeFences>('ha-node-fences', (v) => {
  const value = v as NodeFences | null;
  if (typeof value !== 'object' || value === null || typeof value.resets !== 'object' || (value.last !== undefined && typeof value.last.at !== 'string')) {
    throw new Error('node fences must be {last?, resets, servicesElsewhere?}');
  }
  return value;
}, patchFences);

interface FenceLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Publishes this node's last fence once the store takes writes (quorate, current); a record the
 * store has already (same time) is not counted twice. Returns the unsubscribe.
 */
export function publishLastFence(store: ClusterStore, node: string, recordPath: string, log: FenceLog, bootStatus: BootStatus | null = null): () => void {
  const { record: written, problem } = readFenceRecord(recordPath);
  if (problem !== undefined) log.warn(`last fence: ${problem}`);
  if (written === null) {
    if (bootStatus?.verdict === 'watchdog-reset') {
      log.warn(`the watchdog reset this node (${bootStatus.source}), but the multiplexer left no fence record: it did not see feeding stop (killed, or its disk refused the record)`);
    }
    return () => undefined;
  }
  const record: FenceRecord = bootStatus === null ? written : { ...written, bootStatus };
  log.warn(`last fence of this node: ${record.condition} (client ${record.client}) at ${record.at}: ${record.reason}${bootStatus === null ? '' : `; the device says this boot was ${bootVerdictText[bootStatus.verdict]}`}`);
  let writing = false;
  let done = false;
  const attempt = (): void => {
    if (done || writing || !store.current || store.synchronising || !store.status().quorate) return;
    if (store.get(nodeFencesDoc, node)?.last?.at === record.at) {
      done = true;
      unsubscribe();
      return;
    }
    writing = true;
    store.patch(nodeFencesDoc, node, { fence: record }).then(() => {
      log.info(`last fence published in the store (${record.condition})`);
    }, (err: unknown) => {
      log.warn(`last fence not published yet: ${err instanceof Error ? err.message : String(err)}`);
    }).finally(() => {
      writing = false;
      attempt();
    });
  };
  const unsubscribe = store.onChange(attempt);
  attempt();
  return () => {
    done = true;
    unsubscribe();
  };
}

/**
 * On the master: when a service lost with its node runs on another one, notes the time in that
 * node's fences (under the manager lock, so only the master writes it). Returns the unsubscribe.
 */
export function recordRecoveries(store: ClusterStore, adapter: HaStoreAdapter, isMaster: () => boolean, now: () => number, log: FenceLog): () => void {
  const tracker = new FailoverTracker({
    failover: (_seconds, from, sid) => {
      store.patch(nodeFencesDoc, from, { recovered: { sid, at: new Date().toISOString() } }, managerLockName)
        .catch((err: unknown) => log.warn(`recovery of ${sid} not noted in ${from}'s fences: ${err instanceof Error ? err.message : String(err)}`));
    },
    recovery: () => undefined,
  });
  return store.onChange(() => {
    const view = adapter.view();
    tracker.update(view.managerStatus, () => undefined, isMaster(), now());
  });
}

/** Every node's fences as the store has them. */
export function nodeFences(store: Pick<ClusterStore, 'entries'>): Record<string, NodeFences> {
  return Object.fromEntries(store.entries(nodeFencesDoc));
}

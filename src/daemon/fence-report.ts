/**
 * After a reset the daemon publishes the multiplexer's fence record (why feeding stopped) in the
 * replicated store, one document per node with its last fence and a tally per condition, so
 * `quorate status` on any node shows it and the metrics count resets by reason.
 */
import { defineDocument, type ClusterStore } from '../store';
import { readFenceRecord, type FenceCondition, type FenceRecord } from '../watchdog/fence-record';

export interface NodeFences {
  last: FenceRecord;
  /** Resets per condition this node has reported. */
  resets: Partial<Record<FenceCondition, number>>;
}

export const nodeFencesDoc = defineDocument<NodeFences>('ha-node-fences', (v) => {
  const value = v as NodeFences | null;
  if (typeof value !== 'object' || value === null || typeof value.last?.at !== 'string' || typeof value.resets !== 'object') throw new Error('node fences must be {last, resets}');
  return value;
});

interface FenceLog {
  info(message: string): void;
  warn(message: string): void;
}

/**
 * Publishes this node's last fence once the store takes writes (quorate, current); a record the
 * store has already (same time) is not counted twice. Returns the unsubscribe.
 */
export function publishLastFence(store: ClusterStore, node: string, recordPath: string, log: FenceLog): () => void {
  const { record, problem } = readFenceRecord(recordPath);
  if (problem !== undefined) log.warn(`last fence: ${problem}`);
  if (record === null) return () => undefined;
  log.warn(`last fence of this node: ${record.condition} (client ${record.client}) at ${record.at}: ${record.reason}`);
  let writing = false;
  let done = false;
  const attempt = (): void => {
    if (done || writing || !store.current || store.synchronising || !store.status().quorate) return;
    const known = store.get(nodeFencesDoc, node);
    if (known?.last.at === record.at) {
      done = true;
      unsubscribe();
      return;
    }
    writing = true;
    const resets = { ...known?.resets, [record.condition]: (known?.resets[record.condition] ?? 0) + 1 };
    store.put(nodeFencesDoc, node, { last: record, resets }).then(() => {
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

/** Every node's fences as the store has them. */
export function nodeFences(store: Pick<ClusterStore, 'entries'>): Record<string, NodeFences> {
  return Object.fromEntries(store.entries(nodeFencesDoc));
}

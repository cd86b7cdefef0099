/**
 * What each single failure would do to each HA service: keeps running where it is, is recovered
 * on a node of the partition that keeps quorum (once its node's lock lease ran out), or stops
 * because no partition keeps quorum. Pure, over the failure outcomes of quorum-failures.ts and
 * the services as the HA config and the manager see them.
 */
import type { FailureOutcome, PartitionOutcome } from './quorum-failures';

export interface ServiceInput {
  sid: string;
  /** Where it runs (the manager's view) or is configured to run. */
  node: string;
  /** The operator's requested state: only `started` services run. */
  state: string;
}

export type ServiceFate = 'keeps running' | 'fails over' | 'stops' | 'not running';

export interface ServiceOutcome {
  sid: string;
  fate: ServiceFate;
  /** Where it runs afterwards: its node, or the nodes it may be recovered on. */
  nodes: string[];
  text: string;
}

/** The partition that keeps quorum in one way a failure can play out, if any. */
function quorateSide(partitions: PartitionOutcome[]): PartitionOutcome | undefined {
  return partitions.find((p) => p.quorate);
}

function fateIn(partitions: PartitionOutcome[], service: ServiceInput): ServiceOutcome {
  const { sid, node } = service;
  const side = quorateSide(partitions);
  if (side === undefined) return { sid, fate: 'stops', nodes: [], text: `${sid} stops: no partition keeps quorum` };
  if (side.nodes.includes(node)) return { sid, fate: 'keeps running', nodes: [node], text: `${sid} keeps running on ${node}` };
  return {
    sid, fate: 'fails over', nodes: side.nodes,
    text: `${sid} fails over to ${side.nodes.join(' or ')} once ${node}'s lock lease has run out`,
  };
}

/** Per failure, the fate of every service; a failure with several ways to play out lists the worst. */
export function serviceOutcomes(failure: FailureOutcome, services: ServiceInput[]): ServiceOutcome[] {
  const rank: Record<ServiceFate, number> = { 'not running': 0, 'keeps running': 1, 'fails over': 2, stops: 3 };
  return [...services].sort((a, b) => a.sid.localeCompare(b.sid)).map((service) => {
    if (service.state !== 'started') {
      return { sid: service.sid, fate: 'not running' as const, nodes: [], text: `${service.sid} is not running (requested ${service.state})` };
    }
    const ways = failure.outcomes.map((partitions) => fateIn(partitions, service));
    return ways.reduce((worst, w) => (rank[w.fate] > rank[worst.fate] ? w : worst));
  });
}

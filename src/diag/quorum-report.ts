import { table } from '../util/text-table';
import type { MembershipSnapshot } from '../quorum/types';
import type { QuorumConfig } from './quorum-device';
import { singleFailures, type FailureOutcome } from './quorum-failures';
import { serviceOutcomes, type ServiceInput, type ServiceOutcome } from './quorum-services';

/** The HA services the what-ifs cover, and where that list came from. */
export interface HaServicesInput {
  /** "the HA daemon on this node", a file name, or why there is none. */
  source: string;
  services: ServiceInput[] | null;
}

/** What `quorate diag quorum` reports. */
export interface QuorumReport {
  quorate: boolean;
  totalVotes: number;
  expectedVotes: number;
  quorum: number;
  nodes: MembershipSnapshot['nodes'];
  /** Who provides the arbiter vote and how, or null without a quorum device. */
  arbiter: { host: string; algorithm: string; tieBreaker: string; votes: number; voting: boolean } | null;
  twoNode: boolean;
  failures: Array<FailureOutcome & { services: ServiceOutcome[] }>;
  /** Where the HA services came from (daemon, file), or why they are not covered. */
  haServices: string;
}

export function quorumReport(snapshot: MembershipSnapshot, config: QuorumConfig, ha: HaServicesInput = { source: 'not asked for', services: null }): QuorumReport {
  const device = config.device;
  return {
    quorate: snapshot.quorate,
    totalVotes: snapshot.totalVotes,
    expectedVotes: snapshot.expectedVotes,
    quorum: snapshot.quorum,
    nodes: snapshot.nodes,
    arbiter: device === null ? null : {
      host: device.host,
      algorithm: device.algorithm,
      tieBreaker: device.tieBreaker,
      votes: device.votes,
      voting: snapshot.qdevice?.voting ?? false,
    },
    twoNode: config.twoNode,
    failures: singleFailures(snapshot, config).map((f) => ({ ...f, services: ha.services === null ? [] : serviceOutcomes(f, ha.services) })),
    haServices: ha.source,
  };
}

export function renderQuorumReport(r: QuorumReport): string {
  const arbiter = r.arbiter === null
    ? 'none configured'
    : `${r.arbiter.host} (qdevice net, ${r.arbiter.algorithm}, tie_breaker ${r.arbiter.tieBreaker}), ${r.arbiter.votes} vote(s), ${r.arbiter.voting ? 'voting' : 'NOT voting'}`;
  return [
    `quorate:   ${r.quorate ? 'yes' : 'no'}`,
    `votes:     ${r.totalVotes} of ${r.expectedVotes} expected, quorum ${r.quorum}${r.twoNode ? ' (two_node)' : ''}`,
    `arbiter:   ${arbiter}`,
    '',
    table(['id', 'name', 'votes', 'state'], r.nodes.map((n) => [String(n.nodeId), n.name, String(n.votes), n.member ? 'member' : 'absent'])),
    '',
    `single failures (HA services: ${r.haServices}):`,
    ...r.failures.flatMap((f) => [`  ${f.survives ? 'ok  ' : 'LOST'} ${f.verdict}`, ...f.services.map((s) => `         ${s.text}`)]),
  ].join('\n');
}

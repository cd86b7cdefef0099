import { algorithmName, DecisionAlgorithm, heuristicsName, TieBreakerMode, TlsSupported, voteName } from '../protocol/constants';
import type { ArbiterClient } from './client';
import type { ArbiterCore } from './core';

/** One node of a cluster as the status listing shows it. */
export interface ArbiterNodeStatus {
  nodeId: number;
  address: string;
  heartbeatInterval: number;
  configVersion: string | null;
  configNodeList: { nodeId: number; dataCenterId: number }[];
  ringId: string;
  membershipNodeList: number[];
  heuristics: string;
  membershipHeuristics: string;
  regularHeuristics: string;
  tlsActive: boolean;
  tlsCertificateVerified: boolean;
  /** Last vote sent and the last ACK/NACK, null when nothing was sent yet. */
  vote: string | null;
  lastAckNack: string | null;
}

export interface ArbiterClusterStatus {
  name: string;
  algorithm: string;
  keepActivePartition: boolean;
  tieBreaker: string;
  nodes: ArbiterNodeStatus[];
}

export interface ArbiterStatus {
  address: string;
  tls: 'Unsupported' | 'Supported' | 'Required';
  clientCertificateRequired: boolean;
  connectedClients: number;
  connectedClusters: number;
  maxClients: number;
  maxSendSize: number;
  maxReceiveSize: number;
  clusters: ArbiterClusterStatus[];
}

function tieBreakerText(mode: number, nodeId: number): string {
  if (mode === TieBreakerMode.Lowest) return 'Node with lowest node ID';
  if (mode === TieBreakerMode.Highest) return 'Node with highest node ID';
  return `Node with node ID ${nodeId}`;
}

function nodeStatus(c: ArbiterClient): ArbiterNodeStatus {
  return {
    nodeId: c.nodeId,
    address: c.address,
    heartbeatInterval: c.heartbeatInterval,
    configVersion: c.configVersion === undefined ? null : c.configVersion.toString(),
    configNodeList: c.configNodeList.map((n) => ({ nodeId: n.nodeId, dataCenterId: n.dataCenterId })),
    ringId: `${c.lastRingId.nodeId.toString(16)}.${c.lastRingId.seq.toString(16)}`,
    membershipNodeList: c.membershipNodeList.map((n) => n.nodeId),
    heuristics: heuristicsName(c.lastHeuristics),
    membershipHeuristics: heuristicsName(c.lastMembershipHeuristics),
    regularHeuristics: heuristicsName(c.lastRegularHeuristics),
    tlsActive: c.tlsStarted,
    tlsCertificateVerified: c.tlsPeerCertificateVerified,
    vote: c.lastSentVote === 0 ? null : voteName(c.lastSentVote),
    lastAckNack: c.lastSentAckNackVote === 0 ? null : voteName(c.lastSentAckNackVote),
  };
}

/** A snapshot of the arbiter for `status`, `list` and their --json forms. */
export function arbiterStatus(core: ArbiterCore): ArbiterStatus {
  const s = core.settings;
  const wildcard = s.host === '::' || s.host === '0.0.0.0' || s.host === '';
  const clusters = core.registry.all().map((cluster): ArbiterClusterStatus => {
    const first = cluster.clients[0]!;
    return {
      name: cluster.name,
      algorithm: algorithmName(first.algorithm),
      keepActivePartition: cluster.clients.every((c) => c.algorithm === DecisionAlgorithm.Ffsplit && c.keepActivePartition),
      tieBreaker: tieBreakerText(first.tieBreaker.mode, first.tieBreaker.nodeId),
      nodes: cluster.clients.map(nodeStatus),
    };
  });
  return {
    address: `${wildcard ? '*' : s.host}:${s.port}`,
    tls: s.tls === TlsSupported.Unsupported ? 'Unsupported' : s.tls === TlsSupported.Supported ? 'Supported' : 'Required',
    clientCertificateRequired: s.clientCertRequired,
    connectedClients: core.clients.size,
    connectedClusters: clusters.length,
    maxClients: s.maxClients,
    maxSendSize: s.maxSendSize,
    maxReceiveSize: s.maxReceiveSize,
    clusters,
  };
}

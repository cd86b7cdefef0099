import type { ArbiterStatus } from './status';

/*
 * Text in corosync-qnetd-tool's exact format (tabs included): pcs and crmsh parse it.
 */

export function formatStatus(st: ArbiterStatus, verbose: boolean): string {
  const certNote = st.tls !== 'Unsupported' && st.clientCertificateRequired ? ' (client certificate required)' : '';
  const lines = [
    `QNetd address:\t\t\t${st.address}`,
    `TLS:\t\t\t\t${st.tls}${certNote}`,
    `Connected clients:\t\t${st.connectedClients}`,
    `Connected clusters:\t\t${st.connectedClusters}`,
  ];
  if (verbose) {
    if (st.maxClients !== 0) lines.push(`Maximum allowed clients:\t${st.maxClients}`);
    lines.push(`Maximum send/receive size:\t${st.maxSendSize}/${st.maxReceiveSize} bytes`);
  }
  return `${lines.join('\n')}\n`;
}

export function formatList(st: ArbiterStatus, verbose: boolean, cluster?: string): string {
  let out = '';
  for (const c of st.clusters) {
    if (cluster !== undefined && c.name !== cluster) continue;
    out += `Cluster "${c.name}":\n`;
    out += `    Algorithm:\t\t${c.algorithm}${c.keepActivePartition ? ' (KAP Tie-breaker)' : ''}\n`;
    out += `    Tie-breaker:\t${c.tieBreaker}\n`;
    for (const n of c.nodes) {
      out += `    Node ID ${n.nodeId}:\n`;
      out += `        Client address:\t\t${n.address}\n`;
      if (verbose) out += `        HB interval:\t\t${n.heartbeatInterval}ms\n`;
      if (n.configVersion !== null) out += `        Configuration version:\t${n.configVersion}\n`;
      if (n.configNodeList.length > 0) {
        const nodes = n.configNodeList.map((x) => (x.dataCenterId !== 0 ? `${x.nodeId} (${x.dataCenterId})` : String(x.nodeId)));
        out += `        Configured node list:\t${nodes.join(', ')}\n`;
      }
      if (verbose) out += `        Ring ID:\t\t${n.ringId}\n`;
      if (n.membershipNodeList.length > 0) out += `        Membership node list:\t${n.membershipNodeList.join(', ')}\n`;
      if (n.heuristics !== 'Undefined' || verbose) {
        const detail = verbose ? ` (membership: ${n.membershipHeuristics}, regular: ${n.regularHeuristics})` : '';
        out += `        Heuristics:\t\t${n.heuristics}${detail}\n`;
      }
      if (verbose) {
        const tls = n.tlsActive ? (n.tlsCertificateVerified ? 'Yes (client certificate verified)' : 'Yes') : 'No';
        out += `        TLS active:\t\t${tls}\n`;
      }
      if (n.vote !== null) out += `        Vote:\t\t\t${n.vote} (${n.lastAckNack ?? 'No change'})\n`;
    }
  }
  return out;
}

/** `corosync-quorumtool -s` parsed: what tests and `lab status` look at. */
export interface QuorumStatus {
  nodeId: number | undefined;
  quorate: boolean;
  /** Members of the node's current membership. */
  nodes: number;
  ringId: string | undefined;
  expectedVotes: number | undefined;
  totalVotes: number | undefined;
  quorum: number | undefined;
  flags: string[];
  members: { nodeId: number; votes: number; name: string; qdeviceFlags?: string }[];
  /** Votes the quorum device currently contributes (0 when absent or not voting). */
  qdeviceVotes: number;
}

function field(text: string, label: string): string | undefined {
  const match = new RegExp(`^${label}:\\s*(.*?)\\s*$`, 'm').exec(text);
  return match?.[1];
}

function numberField(text: string, label: string): number | undefined {
  const value = field(text, label);
  return value === undefined || value === '' ? undefined : Number.parseInt(value, 10);
}

export function parseQuorumStatus(text: string): QuorumStatus {
  const membership = text.split(/^Membership information\s*\n-+\s*\n/m)[1] ?? '';
  const members: QuorumStatus['members'] = [];
  let qdeviceVotes = 0;
  for (const line of membership.split('\n')) {
    // "  Nodeid  Votes  [Qdevice flags] Name"; the Qdevice row has node id 0.
    const match = /^\s*(\d+)\s+(\d+)\s+(?:([A-Z]+(?:,[A-Z]+)*)\s+)?(.+?)\s*$/.exec(line);
    if (!match) continue;
    const [, id, votes, qflags, name] = match;
    if (Number(id) === 0 && name === 'Qdevice') {
      qdeviceVotes = Number(votes);
      continue;
    }
    members.push({ nodeId: Number(id), votes: Number(votes), name: (name ?? '').replace(/\s*\(local\)$/, ''), ...(qflags ? { qdeviceFlags: qflags } : {}) });
  }
  const flags = (field(text, 'Flags') ?? '').split(/\s+/).filter((f) => f !== '');
  return {
    nodeId: numberField(text, 'Node ID'),
    quorate: field(text, 'Quorate') === 'Yes',
    nodes: numberField(text, 'Nodes') ?? 0,
    ringId: field(text, 'Ring ID'),
    expectedVotes: numberField(text, 'Expected votes'),
    totalVotes: numberField(text, 'Total votes'),
    quorum: numberField(text, 'Quorum'),
    flags,
    members,
    qdeviceVotes,
  };
}

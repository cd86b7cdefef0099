import type { ProbeStats } from './net-stats';

/** What one instance measured towards one peer. */
export interface PairResult {
  from: string;
  to: string;
  address: string;
  /** The peer answered the start-up handshake. */
  reachable: boolean;
  unicast: ProbeStats;
  /** null when multicast could not be set up on this host (the reason is in the report). */
  multicast: ProbeStats | null;
  mtu: ProbeStats;
  mtuBytes: number;
  ok: boolean;
  verdict: string;
}

/** The one sentence an operator needs for a pair, worst problem first. */
export function pairVerdict(p: Omit<PairResult, 'ok' | 'verdict'>): { ok: boolean; verdict: string } {
  const between = `between ${p.from} and ${p.to}`;
  if (!p.reachable || p.unicast.received === 0) {
    return { ok: false, verdict: `no unicast ${between} (${p.address}): UDP is blocked or the address is wrong; corosync cannot form a ring over this path` };
  }
  if (p.unicast.lossPercent > 0) {
    return { ok: false, verdict: `${p.unicast.lossPercent}% unicast loss ${between}: knet will flap the link; check the NIC, cabling and switch` };
  }
  if (p.mtu.received === 0) {
    return { ok: false, verdict: `${p.mtuBytes}-byte packets do not pass ${between} while small ones do: MTU mismatch on the path; fix the MTU or set knet_mtu` };
  }
  if (p.multicast !== null && p.multicast.received === 0) {
    return { ok: false, verdict: `multicast blocked ${between}: use knet unicast or enable IGMP snooping querier` };
  }
  if (p.multicast !== null && p.multicast.lossPercent > 0) {
    return { ok: false, verdict: `${p.multicast.lossPercent}% multicast loss ${between}: use knet unicast or check IGMP snooping` };
  }
  return { ok: true, verdict: `ok ${between}` };
}

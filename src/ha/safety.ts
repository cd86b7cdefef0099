/**
 * Safety assertions in the code itself: breaking one is a bug, never a condition to handle, so
 * they throw and stop the step (the daemon then stops feeding the watchdog and the node resets).
 */
export class SafetyViolation extends Error {
  constructor(message: string) {
    super(`safety violation: ${message}`);
    this.name = 'SafetyViolation';
  }
}

export interface StartPreconditions {
  node: string;
  sid: string;
  quorate: boolean;
  holdsAgentLock: boolean;
  watchdogArmed: boolean;
}

/** A service may start (or arrive by migration) only under the node's agent lock, quorum and an armed watchdog. */
export function assertMayStart(p: StartPreconditions): void {
  const missing = [
    p.quorate ? null : 'quorum',
    p.holdsAgentLock ? null : 'its agent lock',
    p.watchdogArmed ? null : 'an armed watchdog',
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) {
    throw new SafetyViolation(`node '${p.node}' would start '${p.sid}' without ${missing.join(', ')}`);
  }
}

/**
 * The manager recovers a lost node's services only once it holds that node's agent lock, or its
 * copy of the store holds a fence device's confirmed off of that node (fence-device.ts).
 */
export function assertFenced(node: string, lockHolder: string | undefined, master: string, recordedDeviceProof = false): void {
  if (lockHolder !== master && !recordedDeviceProof) {
    throw new SafetyViolation(`recovery from '${node}' without holding its agent lock (holder: ${lockHolder ?? 'none'}) or a device's confirmed off in the store`);
  }
}

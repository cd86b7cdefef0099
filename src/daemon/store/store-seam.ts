/**
 * The seam between the daemon loop and the replicated store. It carries exactly what
 * src/ha/env.ts requires of the store behind StoreView, in the shape of HaStoreAdapter (view,
 * apply), which satisfies it on real corosync and on the simulated CPG in the unit tests. The
 * daemon loop has no other way to read or change HA state.
 */
import type { HaEffect, StoreView } from '../../ha/env';

/** The store effects the CRM and LRM return, carried out in order through the seam. */
export type StoreEffect = Extract<HaEffect, { kind: 'lock' | 'write-manager-status' | 'write-lrm-status' | 'update-resource' }>;

export interface HaStore {
  /** This node's replica now; lock ages by this node's monotonic clock (env.ts). */
  view(): StoreView;
  /**
   * Carries out one effect in the partition's agreed order; false when the store refused it
   * (not quorate, lock not free or not held, manager status without the manager lock).
   */
  apply(effect: StoreEffect): Promise<boolean>;
  /**
   * Takes a lock the previous daemon on this node held for this one; only after re-attaching to
   * the watchdog lease it handed over (no reset in between). False when the lock is not held
   * under this node's id. Without it a previous run's locks are another holder's.
   */
  adopt(lock: string): boolean;
}

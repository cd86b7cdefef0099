/**
 * The simulator's fence devices, one per node, honest as real ones are: an off switches the
 * node off, a status reads what the power is. What differs is how long they take and whether
 * they answer:
 * - `working`: off takes effect 2 s after the request, the status read at 3 s, the result at 4 s
 *   (fence_ipmilan on the lab's BMCs: off and its status poll in 4.5 s).
 * - `slow`: the same off and status, but the result reaches the master only at 30 s: a
 *   confirmation older than what happened since (the node may be back and lost again).
 * - `failing`: answers at 1 s that it could not (a wrong password), switches nothing.
 * - `unreachable`: times out at 20 s, switches nothing.
 * - `dies-with-node`: one power supply for node and BMC: works while the node has power, is
 *   unreachable once it lost it (so a power cut leaves only the lease).
 */
export type FenceModel = 'working' | 'slow' | 'failing' | 'unreachable' | 'dies-with-node';
export const fenceModels: readonly FenceModel[] = ['working', 'slow', 'failing', 'unreachable', 'dies-with-node'];

/** What one off request does, in ms after the request; null: nothing is switched or read. */
export interface FencePlan {
  offAt: number | null;
  statusAt: number | null;
  resultAt: number;
  /** Why it fails when it switches nothing. */
  failure?: string;
}

export function planOff(model: FenceModel, nodePowered: boolean): FencePlan {
  switch (model) {
    case 'working': return { offAt: 2000, statusAt: 3000, resultAt: 4000 };
    case 'slow': return { offAt: 2000, statusAt: 3000, resultAt: 30_000 };
    case 'failing': return { offAt: null, statusAt: null, resultAt: 1000, failure: 'Unable to obtain correct plug status (exit 1)' };
    case 'unreachable': return { offAt: null, statusAt: null, resultAt: 20_000, failure: 'Connection timed out (exit 1)' };
    case 'dies-with-node': return nodePowered ? planOff('working', true) : planOff('unreachable', false);
  }
}

/** Whether the device can power its node on again (a restore after a recorded proof). */
export function canPowerOn(model: FenceModel): boolean {
  return model === 'working' || model === 'slow';
}

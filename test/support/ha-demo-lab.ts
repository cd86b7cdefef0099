import { addDemoService } from '../../src/lab/demo';
import { LabHaCluster } from '../../src/lab/ha-cluster';
import { Lab } from '../../src/lab/lab';
import type { LabOptions } from '../../src/lab/options';
import type { ServiceProbe } from '../../src/lab/service-probe';
import { skipWithoutLab } from './lab';

export interface HaDemoLab {
  lab: Lab;
  ha: LabHaCluster;
  probe: ServiceProbe;
}

/**
 * Mocha hooks of the HA-stack lab tests: a lab (fast profile, integrated quorum device, plus
 * `options`) with the HA stack on every node and the demo service added on node1, probed from
 * outside the cluster; all of it stopped afterwards, also after a failed start. Returns a getter.
 */
export function useHaDemoLab(options: LabOptions = {}): () => HaDemoLab {
  let lab: Lab | undefined;
  let ha: LabHaCluster | undefined;
  let probe: ServiceProbe | undefined;
  before(async function () {
    skipWithoutLab(this);
    lab = await Lab.up({ profile: 'fast', qdevice: 'integrated', ...options });
    ha = await LabHaCluster.start(lab);
    probe = await addDemoService(ha);
  });
  after(async () => {
    await probe?.stop();
    await ha?.stop();
    await lab?.down();
  });
  return () => {
    if (lab === undefined || ha === undefined || probe === undefined) throw new Error('the HA demo lab is not up');
    return { lab, ha, probe };
  };
}

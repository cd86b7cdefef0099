import { addDemoService, demoService } from '../../src/lab/demo';
import { LabHaCluster } from '../../src/lab/ha-cluster';
import { NamespaceLab } from '../../src/lab/namespace-lab';
import type { LabOptions } from '../../src/lab/options';
import { ServiceProbe } from '../../src/lab/service-probe';
import { skipWithoutLab } from './lab';

export interface DemoHa {
  lab: NamespaceLab;
  ha: LabHaCluster;
  probe: ServiceProbe;
}

/**
 * The lab on corosync's fast profile with the integrated quorum device (plus `options`, e.g. the
 * node count) and the HA stack, the demo service added on node1 through the operator CLI, and a
 * probe hitting it from outside.
 */
export async function startDemoHa(options: LabOptions = {}): Promise<DemoHa> {
  const lab = await NamespaceLab.up({ profile: 'fast', qdevice: 'integrated', ...options });
  const ha = await LabHaCluster.start(lab);
  await addDemoService(ha);
  return { lab, ha, probe: await ServiceProbe.start(lab, demoService.address, demoService.port) };
}

/** Tears down whatever startDemoHa got to start. */
async function stopDemoHa(demo: Partial<DemoHa>): Promise<void> {
  await demo.probe?.stop();
  await demo.ha?.stop();
  await demo.lab?.down();
}

/**
 * In a describe block: brings the demo HA lab up before its tests (or skips them where the lab
 * cannot run) and down after them. The returned object is filled in by the `before` hook.
 */
export function useDemoHa(options: LabOptions = {}): DemoHa {
  const demo = {} as DemoHa;
  before(async function () {
    skipWithoutLab(this);
    Object.assign(demo, await startDemoHa(options));
  });
  after(() => stopDemoHa(demo));
  return demo;
}

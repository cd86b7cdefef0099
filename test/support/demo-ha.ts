import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
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
  const logFrom = new Map<string, number>();
  before(async function () {
    skipWithoutLab(this);
    Object.assign(demo, await startDemoHa(options));
  });
  beforeEach(() => {
    for (const node of demo.ha?.nodes ?? []) logFrom.set(node, logSize(demo.ha.logPath(node)));
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && demo.ha !== undefined) await printDaemonLogs(demo.ha, logFrom);
  });
  after(() => stopDemoHa(demo));
  return demo;
}

function logSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** A failed test shows what each daemon logged while it ran (CI keeps no lab directories). */
async function printDaemonLogs(ha: LabHaCluster, logFrom: Map<string, number>, maxLines = 80): Promise<void> {
  for (const node of ha.nodes) {
    const text = await readFile(ha.logPath(node)).then((b) => b.subarray(logFrom.get(node) ?? 0).toString('utf8'), () => '');
    const lines = text.trimEnd().split('\n').filter((l) => l !== '');
    const shown = lines.slice(-maxLines);
    process.stdout.write(`      ${node}'s daemon log during the failed test (${lines.length} lines${shown.length < lines.length ? `, last ${shown.length}` : ''}):\n`);
    for (const line of shown) process.stdout.write(`        ${line}\n`);
  }
}

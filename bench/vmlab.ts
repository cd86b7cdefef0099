import { percentile } from '../src/util/percentile';
import { ensureDemoService, measureFailover, startDemoProbe, vmlabFaults, type VmlabFailover, type VmlabFault } from '../src/vmlab/failover';
import { VmLab, vmlabUnavailableReason } from '../src/vmlab/vmlab';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- vmlab [--runs N]`: the VM lab's failovers with real kernels. One bring-up, then
 * N runs of each fault (link cut, power loss) on the service's node; after each, the faulted guest
 * is powered on again and rejoins. Prints fault → watchdog reset and fault → first answer from the
 * other node (p50/max), and whether every reset came before the takeover. About 3-4 minutes per run
 * on 2 cores (a TCG guest reboots in ~2 minutes).
 */
const seconds = (ms: number | undefined): string => (ms === undefined || Number.isNaN(ms) ? '-' : `${(ms / 1000).toFixed(2)} s`);

function summarize(fault: VmlabFault, runs: VmlabFailover[]): string {
  const answers = runs.map((r) => r.answerAfterMs).sort((a, b) => a - b);
  const line = `${fault.padEnd(10)} ${runs.length} run(s): takeover p50 ${seconds(percentile(answers, 0.5))} max ${seconds(answers.at(-1))}`;
  if (fault !== 'link-cut') return line;
  const resets = runs.map((r) => r.resetAfterMs).filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const ordered = runs.filter((r) => r.resetAfterMs !== undefined && r.resetAfterMs < r.answerAfterMs).length;
  return `${line}; watchdog reset p50 ${seconds(percentile(resets, 0.5))} max ${seconds(resets.at(-1))}; reset before takeover in ${ordered}/${runs.length}`;
}

async function run(runs: number): Promise<void> {
  const reason = vmlabUnavailableReason();
  if (reason !== undefined) {
    process.stdout.write(`vmlab bench skipped: ${reason}\n`);
    return;
  }
  const progress = (m: string): void => { process.stdout.write(`vmlab: ${m}\n`); };
  const started = performance.now();
  const lab = await VmLab.up({ owned: true, progress });
  process.stdout.write(`VM lab up in ${seconds(performance.now() - started)}\n`);
  const probe = startDemoProbe();
  const results = new Map<VmlabFault, VmlabFailover[]>(vmlabFaults.map((f) => [f, []]));
  try {
    for (let i = 0; i < runs; i++) {
      for (const fault of vmlabFaults) {
        const from = await ensureDemoService(lab, probe, 'node1');
        const result = await measureFailover(lab, probe, fault, from);
        results.get(fault)!.push(result);
        process.stdout.write(`${fault} of ${from}: reset ${seconds(result.resetAfterMs)}, ${result.to} answers ${seconds(result.answerAfterMs)}\n`);
        const rebooted = performance.now();
        if (lab.isRunning(from)) lab.powerOff(from);
        await lab.restart(from, progress);
        process.stdout.write(`${from} back in the cluster after ${seconds(performance.now() - rebooted)}\n`);
      }
    }
    for (const [fault, list] of results) process.stdout.write(`${summarize(fault, list)}\n`);
  } finally {
    await probe.stop();
    lab.down();
  }
}

export const benchmark: Benchmark = {
  summary: 'VM lab failovers with real kernels (softdog in qemu): link cut and power loss of the service\'s node',
  estimate: 'about 10 minutes (bring-up 2.5-4 min with the image cached, then 2 faults × 1 run of 3-4 min; the first image build adds 4-5 min)',
  declare: (command) => command.option('--runs <n>', 'runs of each fault', wholeNumber(1), 1),
  run: (options) => run(options.runs as number),
};

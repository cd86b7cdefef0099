import { addDemoService } from '../src/lab/demo';
import { faultDescriptions, faultKinds, injectAndMeasure, restore, servingNode, type FailoverRun, type FaultKind } from '../src/lab/failover';
import { failoverProfiles, type FailoverProfile } from '../src/lab/failover-profiles';
import { LabHaCluster } from '../src/lab/ha-cluster';
import { Lab } from '../src/lab/lab';
import { labUnavailableReason } from '../src/lab/requirements';
import { findDualRuns, readJournal } from '../src/lab/service-journal';
import { ServiceProbe } from '../src/lab/service-probe';
import { percentile } from '../src/util/percentile';

/**
 * `npm run bench -- failover [--runs N] [--faults a,b] [--profiles default,tuned]`: a lab service
 * failing over on real corosync with the HA stack, a probe hitting its floating address every
 * 20 ms from outside the cluster. Per fault kind and profile: N runs, time from the fault to the
 * first answer from the other node (p50/p99/max), the lease in force next to the worst case, and
 * the dual-run check over the service journal.
 */
interface Options {
  runs: number;
  faults: FaultKind[];
  profiles: FailoverProfile[];
}

function parseArgs(args: string[]): Options {
  const options: Options = { runs: 10, faults: faultKinds, profiles: [failoverProfiles.default, failoverProfiles.tuned] };
  for (let i = 0; i < args.length; i += 2) {
    const [flag, value] = [args[i], args[i + 1] ?? ''];
    if (flag === '--runs' && Number.isInteger(Number(value)) && Number(value) > 0) options.runs = Number(value);
    else if (flag === '--faults' && value.split(',').every((f) => faultKinds.includes(f as FaultKind))) options.faults = value.split(',') as FaultKind[];
    else if (flag === '--profiles' && value.split(',').every((p) => p in failoverProfiles)) {
      options.profiles = value.split(',').map((p) => failoverProfiles[p as FailoverProfile['name']]);
    } else {
      throw new Error(`bad argument ${flag ?? ''} ${value}: use --runs N, --faults ${faultKinds.join(',')}, --profiles default,tuned`);
    }
  }
  return options;
}

/** A silence of the probe this long means the service was down, not a lost probe. */
const keptSilenceMs = 2000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function leaseInForce(ha: LabHaCluster): Promise<string> {
  return /safety bound: (.*)/.exec(await ha.log('node1'))?.[1] ?? 'not logged';
}

function summarize(profile: string, fault: FaultKind, runs: FailoverRun[], bound: string): string {
  const moved = runs.map((r) => r.failoverMs).filter((v): v is number => v !== null).sort((a, b) => a - b);
  const head = `${profile.padEnd(7)} ${faultDescriptions[fault]}: ${runs.length} runs`;
  if (fault === 'other-link-cut') {
    // Kept running: answered from its node after the fault, with no silence a failover would explain.
    const kept = runs.filter((r) => r.to === r.from && r.outageMs < keptSilenceMs).length;
    const outages = runs.map((r) => r.outageMs).sort((a, b) => a - b);
    return `${head}; service kept running on its node in ${kept}/${runs.length}${kept < runs.length ? ' (FAILED)' : ''},`
      + ` longest probe silence p50 ${seconds(percentile(outages, 0.5))} max ${seconds(outages.at(-1) ?? 0)}`;
  }
  if (moved.length === 0) return `${head}; the service moved in none (${fault === 'arbiter-down-then-node-loss' ? 'expected: one node of three votes has no quorum' : 'FAILED'})`;
  return `${head}; moved in ${moved.length}/${runs.length}: failover p50 ${seconds(percentile(moved, 0.5))} p99 ${seconds(percentile(moved, 0.99))}`
    + ` max ${seconds(moved.at(-1) ?? 0)} (bound: ${bound})`;
}

export async function run(args: string[]): Promise<void> {
  const reason = labUnavailableReason();
  if (reason !== undefined) throw new Error(`the failover benchmark needs the lab: ${reason}`);
  const options = parseArgs(args);
  const lines: string[] = [];
  for (const profile of options.profiles) {
    const lab = await Lab.up({ name: `bench-failover-${profile.name}`, ...profile.lab });
    let ha: LabHaCluster | undefined;
    let probe: ServiceProbe | undefined;
    try {
      ha = await LabHaCluster.start(lab, { timings: profile.timings });
      probe = await addDemoService(ha);
      await servingNode(probe, ha.nodes, 60_000);
      const bound = await leaseInForce(ha);
      for (const fault of options.faults) {
        const runs: FailoverRun[] = [];
        for (let i = 0; i < options.runs; i++) {
          const result = await injectAndMeasure(ha, probe, fault, 45_000);
          runs.push(result);
          process.stderr.write(`${profile.name} ${fault} run ${i + 1}: ${result.from} → ${result.to ?? 'none'}`
            + ` ${result.failoverMs === null ? '' : seconds(result.failoverMs)}\n`);
          await restore(ha, result);
          await servingNode(probe, ha.nodes, 90_000);
        }
        const line = summarize(profile.name, fault, runs, bound);
        lines.push(line);
        console.log(line);
      }
      const dual = findDualRuns(readJournal(ha.journalPath));
      const check = `${profile.name.padEnd(7)} dual-run check over ${readJournal(ha.journalPath).filter((e) => e.event === 'started').length} service starts: `
        + (dual.length === 0 ? 'no two instances ever ran at once' : `${dual.length} OVERLAPS: ${JSON.stringify(dual)}`);
      lines.push(check);
      console.log(check);
    } finally {
      await probe?.stop();
      await ha?.stop();
      await lab.down();
    }
  }
  console.log('\nfailover summary (monotonic time from the fault to the first answer from the other node):');
  for (const line of lines) console.log(`  ${line}`);
}

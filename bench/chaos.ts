import { InvalidArgumentError, Option } from 'commander';
import { runChaosCampaign } from '../src/lab/chaos-campaign';
import { diskRefusals, faultsByKind, operatorOutcomes } from '../src/lab/chaos-report';
import { chaosFaultKinds, parseChaosKinds } from '../src/lab/chaos-schedule';
import { labUnavailableReason } from '../src/lab/requirements';
import { wholeNumber, type Benchmark } from './benchmark';

/**
 * `npm run bench -- chaos [--nodes N] [--services K] [--faults F] [--seed S] [--kinds a,b]`: the
 * fault campaign (src/lab/chaos-campaign.ts). Prints the faults by kind, the operator's outcomes,
 * the time until every service ran again after the last heal, the violations (none expected) and
 * the run time; exits 1 on a violation, with the seed, the timeline and where the logs are kept.
 */
const say = (line: string): void => { process.stdout.write(`${line}\n`); };

const kindsOption = (value: string) => {
  try {
    return parseChaosKinds(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
};

export const benchmark: Benchmark = {
  summary: 'fault campaign: random overlapping faults and operator commands on the lab with the HA stack, judged by the checker',
  estimate: 'about 5 minutes (40 faults of every kind on 3 nodes; ~7 s a fault, plus ~1 minute of start-up and the final wait)',
  declare: (command) => command
    .option('--nodes <N>', 'lab nodes (2–16)', wholeNumber(2), 3)
    .option('--services <K>', 'lab services added before the first fault', wholeNumber(1), 4)
    .option('--faults <F>', 'faults in the schedule (operator bursts count as faults of kind operator)', wholeNumber(1), 40)
    .option('--seed <S>', 'seed of the schedule', wholeNumber(0), 1)
    .addOption(new Option('--kinds <kinds>', `comma-separated fault kinds: ${chaosFaultKinds.join(', ')}`).argParser(kindsOption).default(chaosFaultKinds, 'all')),
  run: async (options) => {
    const reason = labUnavailableReason();
    if (reason !== undefined) throw new Error(`the chaos campaign needs the lab: ${reason}`);
    const o = options as { nodes: number; services: number; faults: number; seed: number; kinds: typeof chaosFaultKinds[number][] };
    const result = await runChaosCampaign({ ...o, print: say });
    const { record } = result;
    const outcomes = operatorOutcomes(record);
    say('\nchaos campaign summary:');
    say(`  command: npm run bench -- chaos --nodes ${o.nodes} --services ${o.services} --faults ${o.faults} --seed ${o.seed} --kinds ${o.kinds.join(',')}`);
    say(`  faults by kind: ${faultsByKind(record).map(([k, n]) => `${k} ${n}`).join(', ')} (${record.faults.length} in all, ${faultsByKind(record).length} kinds)`);
    say(`  operator commands: ${record.operator.length} (acknowledged ${outcomes.acked}, refused ${outcomes.refused}, of them naming the disk ${diskRefusals(record)}, unanswered ${outcomes.uncertain})`);
    say(`  watchdog resets: ${record.resets.length}; service starts: ${record.journal.filter((e) => e.event === 'started').length}`);
    say(`  every service that should run ran ${result.liveAfterHealMs === null ? `NOT within ${record.liveBoundMs / 1000} s` : `${(result.liveAfterHealMs / 1000).toFixed(1)} s`} after the last heal`);
    if (result.notes.length > 0) say(`  nemesis notes (lab tooling, not HA): ${result.notes.length}`);
    say(`  violations: ${result.violations.length}${result.logsKeptAt === undefined ? '' : ` (logs kept in ${result.logsKeptAt})`}`);
    say(`  run time: ${(result.durationMs / 1000).toFixed(1)} s`);
    if (result.violations.length > 0) throw new Error(`${result.violations.length} violations in the campaign with seed ${o.seed}`);
  },
};

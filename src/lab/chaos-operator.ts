/**
 * The campaign's operator: runs `quorate resource|node` commands through the CLI on some node
 * while the faults go on, and keeps the client-side log the checker judges lost writes by: when
 * each command was sent and answered, by which node, and whether the answer was an
 * acknowledgement (with the service's value in the config it returned), a refusal, or none.
 * Every added service is new (its own sid and address): a removed one keeps running unmanaged,
 * so adding it again would be a second instance by design, not a fault.
 */
import { monotonicNowMs } from '../daemon/resources/lab-service-journal';
import { SeededRandom } from '../util/seeded-random';
import type { OperatorRecord, OperatorVerb, ServiceValue } from './chaos-checker';
import type { LabHaCluster } from './ha-cluster';
import type { NodeHost } from './names';

/** Service addresses: .100 up to .249 of the lab's subnet (hosts are .1–.16 and .20, the client .250). */
const firstServiceOctet = 100;
const lastServiceOctet = 249;
const servicePort = 8080;

interface Planned {
  verb: OperatorVerb;
  args: string[];
  sid?: string;
  intended?: ServiceValue;
}

export class ChaosOperator {
  readonly log: OperatorRecord[] = [];
  private nextService = 0;
  /** Services the operator added and did not remove (what migrate, enable, … pick from). */
  private readonly managed: string[] = [];
  /** Nodes the operator put into maintenance and did not take back. */
  private readonly inMaintenance = new Set<NodeHost>();

  constructor(private readonly ha: LabHaCluster) {}

  /** Adds `count` services spread over the nodes; throws when one is not acknowledged (the lab is healthy then). */
  async addServices(count: number): Promise<void> {
    for (let i = 0; i < count; i++) {
      const node = this.ha.nodes[i % this.ha.nodes.length]!;
      const record = await this.run(node, this.planAdd(node));
      if (record.outcome !== 'acked') throw new Error(`adding ${record.sid ?? '?'} on ${node} failed: ${record.message}`);
    }
  }

  /** One to three commands, drawn from `seed`; `preferNode` (a node whose disk is faulted) gets half of them. */
  async burst(seed: number, preferNode?: NodeHost): Promise<void> {
    const random = new SeededRandom(seed);
    const count = 1 + random.int(3);
    for (let i = 0; i < count; i++) {
      const node = preferNode !== undefined && random.next() < 0.5 ? preferNode : random.pick(this.ha.nodes);
      await this.run(node, this.plan(random, node));
    }
  }

  /** Takes back every maintenance request, so that the end state can be judged with every node in service. */
  async endMaintenance(): Promise<void> {
    for (const target of [...this.inMaintenance]) {
      const on = this.ha.nodes.find((n) => n !== target) ?? target;
      await this.run(on, { verb: 'maintenance', args: ['off', target] });
    }
  }

  private plan(random: SeededRandom, node: NodeHost): Planned {
    const roll = random.int(100);
    const sid = this.managed.length === 0 ? undefined : random.pick(this.managed);
    if (roll < 15 || sid === undefined) return this.planAdd(random.pick(this.ha.nodes));
    if (roll < 25) return { verb: 'remove', args: [sid], sid, intended: 'absent' };
    if (roll < 45) return { verb: 'disable', args: [sid], sid, intended: 'disabled' };
    if (roll < 65) return { verb: 'enable', args: [sid], sid, intended: 'started' };
    if (roll < 75) return { verb: 'migrate', args: [sid, random.pick(this.ha.nodes)], sid };
    if (roll < 85) return { verb: 'relocate', args: [sid, random.pick(this.ha.nodes)], sid };
    // At most one node in maintenance at a time: the others keep the services.
    const [inMaintenance] = this.inMaintenance;
    if (inMaintenance !== undefined) return { verb: 'maintenance', args: ['off', inMaintenance] };
    return { verb: 'maintenance', args: ['on', random.pick(this.ha.nodes.filter((n) => n !== node))] };
  }

  private planAdd(node: NodeHost): Planned {
    const octet = firstServiceOctet + this.nextService;
    if (octet > lastServiceOctet) throw new Error(`the operator ran out of service addresses (${lastServiceOctet - firstServiceOctet + 1})`);
    const sid = `lab:chaos${this.nextService}`;
    this.nextService++;
    return {
      verb: 'add', sid, intended: 'started',
      args: [sid, '--node', node, '--param', `address=10.213.0.${octet}/24`, '--param', `port=${servicePort}`],
    };
  }

  private async run(node: NodeHost, planned: Planned): Promise<OperatorRecord> {
    const argv = planned.verb === 'maintenance' ? ['node', 'maintenance', ...planned.args] : ['resource', planned.verb, ...planned.args];
    const at = monotonicNowMs();
    const result = await this.ha.cli(node, [...argv, '--json']);
    const doneAt = monotonicNowMs();
    const message = (result.code === 0 ? '' : result.stderr.trim() || result.stdout.trim()).split('\n').slice(-2).join(' ');
    const outcome = result.code === 0 ? 'acked' : definitelyRefused(result.code, message) ? 'refused' : 'uncertain';
    const record: OperatorRecord = {
      at, doneAt, node, verb: planned.verb, args: planned.args, outcome, exitCode: result.code, message,
      ...(planned.sid === undefined ? {} : { sid: planned.sid }), ...(planned.intended === undefined ? {} : { intended: planned.intended }),
    };
    if (outcome === 'acked' && planned.sid !== undefined && planned.intended !== undefined) record.acked = ackedValue(result.stdout, planned.sid);
    this.log.push(record);
    this.follow(record);
    return record;
  }

  /** Keeps the operator's picture (which services exist, which node is in maintenance) as far as it knows. */
  private follow(record: OperatorRecord): void {
    if (record.outcome === 'refused') return;
    if (record.verb === 'add' && record.sid !== undefined) this.managed.push(record.sid);
    if (record.verb === 'remove' && record.sid !== undefined && record.outcome === 'acked') this.managed.splice(this.managed.indexOf(record.sid), 1);
    if (record.verb === 'maintenance') {
      const [onOff, target] = record.args as ['on' | 'off', NodeHost];
      if (onOff === 'on') this.inMaintenance.add(target);
      else if (record.outcome === 'acked') this.inMaintenance.delete(target);
    }
  }
}

/**
 * Refused for sure: a usage error, the cluster's refusal, or no daemon to talk to at all. Anything
 * else (a timeout, a connection lost mid-request) may have been applied.
 */
function definitelyRefused(code: number, message: string): boolean {
  return code === 2 || code === 4 || (code === 3 && /ECONNREFUSED|ENOENT|not running|no such file/i.test(message));
}

/** The service's value in the config an acknowledged edit printed (`--json`). */
function ackedValue(stdout: string, sid: string): ServiceValue {
  try {
    const config = JSON.parse(stdout) as { resources?: Record<string, { state?: string }> };
    return config.resources?.[sid]?.state ?? 'absent';
  } catch {
    return 'unreadable acknowledgement';
  }
}

/**
 * Pacemaker 2.1 on the lab's corosync, for the side-by-side failover bench: pacemakerd in each
 * lab node (its netns and private /run and /etc/corosync, plus private /var/lib/pacemaker and
 * /var/log/pacemaker: the CIB must have one writer per node), configured with cibadmin and
 * crm_attribute only: stonith:fence_ipmilan per node against the lab's BMCs, and a group of
 * IPaddr2 with the lab service's responder (ocf:heartbeat:anything) on the floating address.
 * The responder journals its starts and stops like the quorate `lab:` driver's, so the same
 * dual-run check applies. Everything runs inside the lab's namespaces: `lab.down()` ends it all.
 */
import { chmodSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { monotonicClock } from '../util/clock';
import { runChecked } from '../util/run';
import type { NamespaceLab } from './namespace-lab';
import type { NodeHost } from './names';
import { namespacePidsSync, programName } from './processes';

export interface PacemakerService {
  sid: string;
  address: string;
  prefixLength: number;
  port: number;
}

const responderScript = join(__dirname, '../daemon/resources/lab-service-responder.js');

/** XML attribute value. */
function attr(value: string): string {
  return value.replaceAll('&', '&amp;').replaceAll('"', '&quot;').replaceAll('<', '&lt;');
}

function nvpairs(id: string, values: Record<string, string>): string {
  return `<instance_attributes id="${id}-ia">${Object.entries(values).map(([k, v]) => `<nvpair id="${id}-${k}" name="${k}" value="${attr(v)}"/>`).join('')}</instance_attributes>`;
}

export interface FenceTarget {
  node: NodeHost;
  address: string;
  username: string;
  password: string;
}

/** The resources section: a fence_ipmilan device per node, then the service group (address first). */
export function renderResources(targets: FenceTarget[], service: PacemakerService, responder: string): string {
  const stonith = targets.map((t) => `<primitive id="fence-${t.node}" class="stonith" type="fence_ipmilan">`
    // cipher 3: ipmi_sim lacks "Get Channel Cipher Suites", without it lanplus waits 15 s per call.
    + nvpairs(`fence-${t.node}`, { ip: t.address, username: t.username, password: t.password, lanplus: '1', cipher: '3', pcmk_host_list: t.node })
    + `<operations><op id="fence-${t.node}-monitor" name="monitor" interval="60s"/></operations></primitive>`);
  const vip = '<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2">'
    + nvpairs('vip', { ip: service.address, cidr_netmask: String(service.prefixLength) })
    + '<operations><op id="vip-monitor" name="monitor" interval="5s"/></operations></primitive>';
  const web = '<primitive id="web" class="ocf" provider="heartbeat" type="anything">'
    + nvpairs('web', { binfile: responder })
    + '<operations><op id="web-monitor" name="monitor" interval="5s"/></operations></primitive>';
  return `<resources>${stonith.join('')}<group id="svc">${vip}${web}</group></resources>`;
}

/** A node never runs its own fence device. */
export function renderConstraints(nodes: NodeHost[]): string {
  return `<constraints>${nodes.map((n) => `<rsc_location id="fence-${n}-not-self" rsc="fence-${n}" node="${n}" score="-INFINITY"/>`).join('')}</constraints>`;
}

/** Online nodes in `crm_mon -1 --output-as=xml`. */
export function onlineNodes(crmMonXml: string): string[] {
  return [...crmMonXml.matchAll(/<node name="([^"]+)"[^>]*\bonline="true"/g)].map((m) => m[1] as string);
}

/** Every resource in `crm_mon -1 --output-as=xml` started, with no operation in flight. */
export function allResourcesStarted(crmMonXml: string, expected: number): boolean {
  const resources = [...crmMonXml.matchAll(/<resource [^>]*>/g)].map((m) => m[0]);
  return resources.length === expected && resources.every((r) => r.includes('role="Started"') && !r.includes('pending='));
}

export class LabPacemaker {
  private constructor(readonly lab: NamespaceLab, readonly dir: string, readonly service: PacemakerService) {}

  /** Starts pacemakerd on every node, waits until all are online, configures the CIB and waits until all runs. */
  static async start(lab: NamespaceLab, service: PacemakerService, progress: (m: string) => void = () => undefined): Promise<LabPacemaker> {
    // Next to the hosts' directories (lab.down removes them), outside the /run each host binds.
    const pcmk = new LabPacemaker(lab, join(dirname(lab.host('node1').dir), 'pacemaker'), service);
    mkdirSync(pcmk.dir, { recursive: true });
    pcmk.writeResponder();
    const started = monotonicClock.now();
    for (const node of pcmk.nodes) await pcmk.startNode(node);
    await pcmk.waitOnline(pcmk.nodes, 90_000);
    progress(`pacemaker online on ${pcmk.nodes.join(', ')} after ${monotonicClock.now() - started} ms`);
    await pcmk.configure();
    await pcmk.settle(120_000);
    return pcmk;
  }

  get nodes(): NodeHost[] {
    return this.lab.nodes.map((n) => n.name as NodeHost);
  }

  /** Where the responder journals (the same format as the `lab:` driver's journal). */
  get journalPath(): string {
    return join(this.dir, 'service-journal.jsonl');
  }

  /**
   * Starts pacemakerd on a powered-on node. Its /run is emptied of what Pacemaker left there
   * (a tmpfs /run would be empty after a power cycle; stale pidfiles fail the first probe).
   */
  async startNode(node: NodeHost): Promise<void> {
    const host = this.lab.host(node);
    for (const sub of ['crm', 'resource-agents']) rmSync(join(host.runDir, sub), { recursive: true, force: true });
    const lib = join(this.dir, node, 'lib');
    const log = join(this.dir, node, 'log');
    for (const d of ['cib', 'pengine', 'blackbox', 'cores']) mkdirSync(join(lib, d), { recursive: true });
    mkdirSync(log, { recursive: true });
    mkdirSync(join(host.runDir, 'crm'), { recursive: true });
    mkdirSync(join(host.runDir, 'resource-agents'), { recursive: true });
    await runChecked(['chown', '-R', 'hacluster:haclient', lib, log, join(host.runDir, 'crm')]);
    for (const d of [lib, ...readdirSync(lib).map((d) => join(lib, d))]) chmodSync(d, 0o750);
    chmodSync(log, 0o770);
    const child = this.lab.spawn(node, [
      'sh', '-c', 'mount --bind "$1" /var/lib/pacemaker && mount --bind "$2" /var/log/pacemaker && shift 2 && exec "$@"', 'sh',
      lib, log, '/usr/sbin/pacemakerd',
    ], { detached: true, stdio: 'ignore', env: { ...process.env, PCMK_logfile: '/var/log/pacemaker/pacemaker.log' } });
    child.unref();
  }

  /** pacemakerd runs on the node (a power cut by its BMC, a fence, takes it). */
  runsPacemaker(node: NodeHost): boolean {
    return namespacePidsSync(this.lab.host(node).netns).some((pid) => programName(pid) === 'pacemakerd');
  }

  /**
   * Puts the cluster back after a fault while fences may still be under way (a fence that waited
   * for a dead BMC reboots the node once the BMC is back): until every node is powered on, linked,
   * runs pacemakerd and sees all online, it powers on, relinks and starts what is missing.
   */
  async settle(timeoutMs: number): Promise<void> {
    const deadline = monotonicClock.now() + timeoutMs;
    for (;;) {
      // BMC power control runs in processes of its own and changes the lab's state file.
      this.lab.reloadState();
      for (const node of this.nodes) {
        await this.lab.restoreLink(node);
        if (!this.lab.isPoweredOn(node)) await this.lab.powerOn(node);
        if (!this.runsPacemaker(node)) await this.startNode(node);
      }
      const views = await Promise.all(this.nodes.map((n) => this.onlineNodes(n)));
      // Also idle: a fault while a rejoined node still probes and starts its fence device stalls
      // Pacemaker's recovery for minutes, which would be a measurement of the bench's haste.
      if (views.every((online) => this.nodes.every((n) => online.includes(n))) && await this.idle()) return;
      if (monotonicClock.now() > deadline) throw new Error(`pacemaker: cluster not back after ${timeoutMs} ms: ${this.nodes.map((n, i) => `${n} sees ${views[i]?.join(',') || 'none'}`).join('; ')}`);
      await sleep(1000);
    }
  }

  /** The DC's controller is idle (S_IDLE) and every resource runs, none with an operation under way. */
  private async idle(): Promise<boolean> {
    const node = this.nodes[0] as NodeHost;
    const dc = (await this.lab.exec(node, ['crmadmin', '--dc_lookup', '--quiet'], { timeoutMs: 10_000 })).stdout.trim();
    if (dc === '') return false;
    const state = await this.lab.exec(node, ['crmadmin', '--status', dc, '--quiet'], { timeoutMs: 10_000 });
    if (!`${state.stdout}${state.stderr}`.includes('S_IDLE')) return false;
    const mon = await this.lab.exec(node, ['crm_mon', '-1', '--output-as=xml'], { timeoutMs: 10_000 });
    // A fence device per node, the address and the responder.
    return mon.code === 0 && allResourcesStarted(mon.stdout, this.nodes.length + 2);
  }

  /** The node's pacemaker.log (for the bench's failure messages and the step timings). */
  logPath(node: NodeHost): string {
    return join(this.dir, node, 'log', 'pacemaker.log');
  }

  async onlineNodes(from: NodeHost): Promise<string[]> {
    const result = await this.lab.exec(from, ['crm_mon', '-1', '--output-as=xml'], { timeoutMs: 10_000 });
    return result.code === 0 ? onlineNodes(result.stdout) : [];
  }

  /** Until every node in `nodes` sees all of them online (dc-deadtime is 20 s at first start). */
  async waitOnline(nodes: NodeHost[], timeoutMs: number): Promise<void> {
    const deadline = monotonicClock.now() + timeoutMs;
    for (;;) {
      const views = await Promise.all(nodes.map((n) => this.onlineNodes(n)));
      if (views.every((online) => nodes.every((n) => online.includes(n)))) return;
      if (monotonicClock.now() > deadline) throw new Error(`pacemaker: nodes not all online after ${timeoutMs} ms: ${nodes.map((n, i) => `${n} sees ${views[i]?.join(',') || 'none'}`).join('; ')}`);
      await sleep(500);
    }
  }

  private writeResponder(): void {
    // `anything` runs its binfile through `su -`, which clears the environment: a wrapper that
    // asks Pacemaker for the node's name (the lab's hosts share one hostname).
    const path = join(this.dir, 'responder.sh');
    writeFileSync(path, [
      '#!/bin/sh',
      `exec ${process.execPath} ${responderScript} ${this.service.sid} "$(crm_node -n)" ${this.service.address} ${this.service.port} ${this.journalPath}`,
      '',
    ].join('\n'), { mode: 0o755 });
  }

  private async configure(): Promise<void> {
    const node = this.nodes[0] as NodeHost;
    const cli = async (argv: string[], input?: string): Promise<void> => {
      const result = await this.lab.exec(node, argv, { timeoutMs: 30_000, ...(input === undefined ? {} : { input }) });
      if (result.code !== 0) throw new Error(`pacemaker: ${argv.join(' ')} failed (exit ${result.code}): ${result.stderr.trim()}`);
    };
    await cli(['crm_attribute', '--type', 'crm_config', '--name', 'stonith-enabled', '--update', 'true']);
    await cli(['crm_attribute', '--type', 'rsc_defaults', '--name', 'resource-stickiness', '--update', '100']);
    const targets = this.nodes.map((n) => { const b = this.lab.bmc(n); return { node: n, address: b.address, username: b.username, password: b.password }; });
    const resources = join(this.dir, 'resources.xml');
    const constraints = join(this.dir, 'constraints.xml');
    writeFileSync(resources, renderResources(targets, this.service, join(this.dir, 'responder.sh')), { mode: 0o600 });
    writeFileSync(constraints, renderConstraints(this.nodes));
    await cli(['cibadmin', '--replace', '--scope', 'resources', '--xml-file', resources]);
    await cli(['cibadmin', '--replace', '--scope', 'constraints', '--xml-file', constraints]);
  }
}

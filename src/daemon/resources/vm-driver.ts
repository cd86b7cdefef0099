/**
 * The `vm` resource driver: libvirt domains through virsh. The cluster owns the definition: the
 * domain XML is a parameter of the HA resource (replicated with the HA config), and start creates
 * a transient domain from it on the node that runs the VM (`virsh create`). No node keeps a
 * definition, so `virsh start` by hand elsewhere finds nothing to start, and nothing stale is left
 * behind after a power loss or a migration. stop = ACPI shutdown, then destroy when the guest
 * still runs after the timeout; migrate = live migration to the target node's migration address
 * (an IP from the config, never a host name: lab nodes and many clusters do not resolve each
 * other's names); status from domstate, checked against the definition's uuid.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type { DriverParams, ResourceDriver, ResourceState } from './driver';
import { filesOutside, readDomainXml, type DomainDefinition } from './domain-xml';
import type { Virsh } from './virsh-session';

export interface VmDriverOptions {
  virsh: Virsh;
  /** node name → the IP address its libvirtd and qemu accept migrations on. */
  migrationAddresses: Record<string, string>;
  /** The target's libvirt URI; `{address}` is its migration address. */
  migrationUri: string;
  /** Every file a guest uses must lie under this directory, the storage all nodes share. */
  sharedStorage: string;
  /** Migrate with `--unsafe`: libvirt refuses disks on a file system it does not know as shared. */
  trustSharedStorage?: boolean;
  /** Where a definition is written for `virsh create` (root-only). */
  runDir: string;
  /** How often stop looks whether the guest shut down. */
  pollMs?: number;
}

export interface VmService {
  domain: string;
  definition: DomainDefinition;
  xml: string;
}

const domainName = /^[A-Za-z0-9_.+-]{1,64}$/;
const stoppedStates = new Set(['shut off', 'crashed']);
const knownParams = ['domain', 'domainXml'];

export class VmParamsError extends Error {}

/** An address as it goes into a URI: IPv6 in brackets. */
function uriHost(address: string): string {
  return isIP(address) === 6 ? `[${address}]` : address;
}

export class VmDriver implements ResourceDriver {
  readonly type = 'vm';

  constructor(private readonly options: VmDriverOptions) {}

  validate(id: string, params: DriverParams): void {
    this.service(id, params);
  }

  /** A service's domain and definition, checked; the message names the bad parameter. */
  service(id: string, params: DriverParams): VmService {
    for (const key of Object.keys(params)) {
      if (!knownParams.includes(key)) throw new VmParamsError(`vm service parameter '${key}' is unknown (${knownParams.join(', ')})`);
    }
    const domain = params.domain ?? id;
    if (!domainName.test(domain)) throw new VmParamsError(`vm domain name ${JSON.stringify(domain)} must be 1-64 of A-Z a-z 0-9 _ . + -`);
    const xml = params.domainXml;
    if (xml === undefined) throw new VmParamsError(`vm:${id} needs its domain XML (quorate resource add vm:${id} --domain-xml FILE): the cluster keeps the definition`);
    let definition: DomainDefinition;
    try {
      definition = readDomainXml(xml);
    } catch (err) {
      throw new VmParamsError(`vm:${id}: ${(err as Error).message}`);
    }
    if (definition.name !== domain) throw new VmParamsError(`vm:${id}: the domain XML names domain ${JSON.stringify(definition.name)}, but the service is domain ${JSON.stringify(domain)}`);
    const outside = filesOutside(definition, this.options.sharedStorage);
    if (outside.length > 0) {
      throw new VmParamsError(`vm:${id}: ${outside.join(', ')} ${outside.length === 1 ? 'is' : 'are'} outside the shared storage ${this.options.sharedStorage} (drivers.vm.sharedStorage): another node could neither run nor receive this VM`);
    }
    return { domain, definition, xml };
  }

  async start(id: string, params: DriverParams): Promise<void> {
    const vm = this.service(id, params);
    if ((await this.state(vm)) === 'running') return;
    mkdirSync(this.options.runDir, { recursive: true, mode: 0o700 });
    const file = join(this.options.runDir, `${vm.domain}.xml`);
    writeFileSync(file, vm.xml, { mode: 0o600 });
    try {
      await this.must(['create', file], `start of domain ${vm.domain}`);
    } finally {
      rmSync(file, { force: true });
    }
  }

  async stop(id: string, params: DriverParams, timeoutMs: number): Promise<void> {
    const vm = this.service(id, params);
    if ((await this.state(vm)) === 'stopped') return;
    await this.options.virsh.run(['shutdown', vm.domain]);
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if ((await this.state(vm)) === 'stopped') return;
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 500));
    }
    // The guest ignored ACPI for the whole timeout: pull its plug.
    await this.must(['destroy', vm.domain], `destroy of domain ${vm.domain}`);
    if ((await this.state(vm)) !== 'stopped') throw new Error(`domain ${vm.domain} still runs after destroy`);
  }

  async migrate(id: string, params: DriverParams, target: string): Promise<void> {
    const vm = this.service(id, params);
    const address = this.options.migrationAddresses[target];
    if (address === undefined) throw new Error(`live migration of domain ${vm.domain} to ${target}: no migration address for node ${target} (drivers.vm.migrationAddresses)`);
    const host = uriHost(address);
    const uri = this.options.migrationUri.replace('{address}', host);
    // --migrateuri: qemu's data stream goes to the address too, not to the name the target's libvirtd reports.
    const unsafe = this.options.trustSharedStorage === true ? ['--unsafe'] : [];
    const result = await this.options.virsh.run(['migrate', '--live', ...unsafe, vm.domain, uri, '--migrateuri', `tcp://${host}`]);
    if (result.ok) return;
    const here = await this.state(vm).catch((err: unknown) => `unknown (${(err as Error).message})`);
    const left = here === 'running' ? 'it still runs on this node' : `its state on this node: ${here}`;
    throw new Error(`live migration of domain ${vm.domain} to ${target} (${uri}) failed: ${result.output.replace(/^error:\s*/m, '')}; ${left}`);
  }

  async status(id: string, params: DriverParams): Promise<ResourceState> {
    return this.state(this.service(id, params));
  }

  /** A domain of the same name that is not this definition (another uuid) is an error, never "ours". */
  private async state(vm: VmService): Promise<ResourceState> {
    const result = await this.options.virsh.run(['domstate', vm.domain]);
    if (!result.ok) {
      if (/failed to get domain|Domain not found/i.test(result.output)) return 'stopped';
      throw new Error(`domstate of domain ${vm.domain}: ${result.output}`);
    }
    if (stoppedStates.has(result.output.trim())) return 'stopped';
    const uuid = await this.options.virsh.run(['domuuid', vm.domain]);
    if (!uuid.ok) throw new Error(`domuuid of domain ${vm.domain}: ${uuid.output}`);
    if (uuid.output.trim().toLowerCase() !== vm.definition.uuid) {
      throw new Error(`a domain ${vm.domain} runs on this node with uuid ${uuid.output.trim()}, not the cluster's ${vm.definition.uuid}: not this HA resource`);
    }
    return 'running';
  }

  private async must(args: string[], what: string): Promise<void> {
    const result = await this.options.virsh.run(args);
    if (!result.ok) throw new Error(`${what} failed: ${result.output.replace(/^error:\s*/m, '')}`);
  }
}

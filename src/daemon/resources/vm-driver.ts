/**
 * The `vm` resource driver: libvirt domains through virsh. start; stop = shutdown (ACPI), then
 * destroy when the domain is still running after the timeout; migrate = live migration to the
 * target node's libvirt (a URI template, qemu+ssh://{target}/system by default); status from
 * domstate. The domain is the service id (`vm:web` → domain `web`) unless `domain` is given.
 */
import type { DriverParams, ResourceDriver, ResourceState } from './driver';
import type { Virsh } from './virsh-session';

export interface VmDriverOptions {
  virsh: Virsh;
  /** Where a live migration goes; `{target}` is the target node's name. */
  migrateUri: string;
  /** How often stop looks whether the guest shut down. */
  pollMs?: number;
}

const domainName = /^[A-Za-z0-9_.+-]{1,64}$/;
const stoppedStates = new Set(['shut off', 'crashed']);

export class VmParamsError extends Error {}

export class VmDriver implements ResourceDriver {
  readonly type = 'vm';

  constructor(private readonly options: VmDriverOptions) {}

  /** The domain a service maps to; the message names a bad parameter. */
  validate(id: string, params: DriverParams): string {
    for (const key of Object.keys(params)) if (key !== 'domain') throw new VmParamsError(`vm service parameter '${key}' is unknown (domain)`);
    const domain = params.domain ?? id;
    if (!domainName.test(domain)) throw new VmParamsError(`vm domain name ${JSON.stringify(domain)} must be 1-64 of A-Z a-z 0-9 _ . + -`);
    return domain;
  }

  async start(id: string, params: DriverParams): Promise<void> {
    const domain = this.validate(id, params);
    if ((await this.state(domain)) === 'running') return;
    await this.must(['start', domain], `start of domain ${domain}`);
  }

  async stop(id: string, params: DriverParams, timeoutMs: number): Promise<void> {
    const domain = this.validate(id, params);
    if ((await this.state(domain)) === 'stopped') return;
    await this.options.virsh.run(['shutdown', domain]);
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if ((await this.state(domain)) === 'stopped') return;
      await new Promise((r) => setTimeout(r, this.options.pollMs ?? 500));
    }
    // The guest ignored ACPI for the whole timeout: pull its plug.
    await this.must(['destroy', domain], `destroy of domain ${domain}`);
    if ((await this.state(domain)) !== 'stopped') throw new Error(`domain ${domain} still runs after destroy`);
  }

  async migrate(id: string, params: DriverParams, target: string): Promise<void> {
    const domain = this.validate(id, params);
    const uri = this.options.migrateUri.replace('{target}', target);
    await this.must(['migrate', '--live', '--persistent', '--undefinesource', domain, uri], `live migration of domain ${domain} to ${uri}`);
  }

  async status(id: string, params: DriverParams): Promise<ResourceState> {
    return this.state(this.validate(id, params));
  }

  private async state(domain: string): Promise<ResourceState> {
    const result = await this.options.virsh.run(['domstate', domain]);
    if (!result.ok) {
      if (/failed to get domain|Domain not found/i.test(result.output)) return 'stopped';
      throw new Error(`domstate of domain ${domain}: ${result.output}`);
    }
    return stoppedStates.has(result.output.trim()) ? 'stopped' : 'running';
  }

  private async must(args: string[], what: string): Promise<void> {
    const result = await this.options.virsh.run(args);
    if (!result.ok) throw new Error(`${what} failed: ${result.output.replace(/^error:\s*/m, '')}`);
  }
}

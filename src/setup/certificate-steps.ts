/**
 * The quorum device's TLS certificates across the hosts, the way `pvecm qdevice setup` makes them,
 * with our own certs verbs run on each host: the arbiter's CA (kept when it exists), an NSS
 * database with that CA on every node, a cluster certificate requested on the first node and
 * signed by the arbiter, and its bundle imported on the other nodes. The files travel through the
 * runner's stdin and stdout (see src/cli/cert-io.ts), never through a shared file system.
 */
import type { RemoteRunner } from './remote';
import { mustRun, type SetupStep } from './step';

export interface CertificateHosts {
  arbiter: string;
  /** The arbiter's certificate directory (`quorate arbiter run --cert-dir`, or its config's certificate/key/ca). */
  arbiterCertDir: string;
  /** Node addresses; the first one requests the cluster certificate. */
  nodes: string[];
  /** totem.cluster_name: the cluster certificate's CN. */
  cluster: string;
}

export function certificateSteps(runner: RemoteRunner, hosts: CertificateHosts): SetupStep[] {
  const { arbiter, arbiterCertDir: dir, nodes, cluster } = hosts;
  const [first, ...others] = nodes;
  if (first === undefined) throw new Error('certificate steps: no nodes');
  // Each step hands its file to the next; running a step before the one it needs is a bug, not an operator error.
  const made: { ca?: string; request?: string; certificate?: string } = {};
  const need = (file: string | undefined, what: string): string => {
    if (file === undefined) throw new Error(`certificate steps out of order: no ${what} yet`);
    return file;
  };
  return [
    {
      title: `make the arbiter's CA and server certificate in ${dir} on ${arbiter}, keeping a CA that exists`,
      run: async () => {
        made.ca = await mustRun(runner, arbiter, ['quorate', 'arbiter', 'certs', 'init', '-d', dir, '--keep', '--print-ca'],
          `make the arbiter's certificates on ${arbiter}`);
      },
    },
    {
      title: `create the NSS database with the arbiter's CA on ${nodes.join(', ')}, and the certificate request for cluster ${cluster} on ${first}`,
      run: async () => {
        const ca = need(made.ca, "arbiter's CA");
        for (const node of nodes) {
          await mustRun(runner, node, ['quorate', 'qdevice', 'certs', 'init', '--ca', '-', '--replace'], `create the NSS database on ${node}`, ca);
        }
        made.request = await mustRun(runner, first, ['quorate', 'qdevice', 'certs', 'request', '-n', cluster, '--print'],
          `make the certificate request on ${first}`);
      },
    },
    {
      title: `sign the certificate request for cluster ${cluster} on the arbiter ${arbiter}`,
      run: async () => {
        made.certificate = await mustRun(runner, arbiter, ['quorate', 'arbiter', 'certs', 'sign', '--csr', '-', '-n', cluster, '-d', dir, '--print'],
          `sign the certificate request on ${arbiter}`, need(made.request, 'certificate request'));
      },
    },
    {
      title: `import the signed cluster certificate on ${first}${others.length > 0 ? `, and its bundle on ${others.join(', ')}` : ''}`,
      run: async () => {
        const bundle = await mustRun(runner, first, ['quorate', 'qdevice', 'certs', 'import', '--cert', '-', '--print'],
          `import the signed certificate on ${first}`, need(made.certificate, 'signed certificate'));
        for (const node of others) {
          await mustRun(runner, node, ['quorate', 'qdevice', 'certs', 'import-bundle', '--p12', '-'], `import the cluster certificate bundle on ${node}`, bundle);
        }
      },
    },
  ];
}

import { join } from 'node:path';
import type { HostName } from './names';
import type { RunResult } from './run';

/**
 * Certificates for the quorum device's TLS, made the way an operator would with corosync's
 * own tools: the arbiter host creates a CA and its server certificate, the first node gets a
 * cluster certificate signed by that CA, and the other nodes import it. The tools use fixed
 * paths under /etc/corosync, which every lab host has privately (see processes.ts).
 */
export type HostExec = (host: HostName, argv: string[]) => Promise<RunResult>;

export interface TlsHost {
  name: HostName;
  /** The host's /etc/corosync as seen from outside (and from other hosts). */
  etcDir: string;
}

async function step(exec: HostExec, host: HostName, argv: string[]): Promise<void> {
  const result = await exec(host, argv);
  if (result.code !== 0) {
    throw new Error(`TLS set-up: ${host}: ${argv.join(' ')} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
  }
}

export async function provisionTls(exec: HostExec, clusterName: string, arbiter: TlsHost, nodes: TlsHost[]): Promise<void> {
  const [first, ...others] = nodes;
  if (first === undefined) throw new Error('TLS set-up: no nodes');
  const qnetdDb = join(arbiter.etcDir, 'qnetd', 'nssdb');
  const firstNodeDb = join(first.etcDir, 'qdevice', 'net', 'nssdb');
  const caCertificate = join(qnetdDb, 'qnetd-cacert.crt');
  await step(exec, arbiter.name, ['corosync-qnetd-certutil', '-i']);
  await step(exec, first.name, ['corosync-qdevice-net-certutil', '-i', '-c', caCertificate]);
  await step(exec, first.name, ['corosync-qdevice-net-certutil', '-r', '-n', clusterName]);
  await step(exec, arbiter.name, ['corosync-qnetd-certutil', '-s', '-c', join(firstNodeDb, 'qdevice-net-node.crq'), '-n', clusterName]);
  await step(exec, first.name, ['corosync-qdevice-net-certutil', '-M', '-c', join(qnetdDb, `cluster-${clusterName}.crt`)]);
  await Promise.all(others.map(async (node) => {
    await step(exec, node.name, ['corosync-qdevice-net-certutil', '-i', '-c', caCertificate]);
    await step(exec, node.name, ['corosync-qdevice-net-certutil', '-m', '-c', join(firstNodeDb, 'qdevice-net-node.p12')]);
  }));
}

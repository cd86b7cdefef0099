import { join, resolve } from 'node:path';
import type { HostName } from './names';
import type { CertificateTool } from './options';
import type { RunResult } from '../util/run';

/**
 * Certificates for the quorum device's TLS, made the way an operator would: the arbiter host
 * creates a CA and its server certificate, the first node gets a cluster certificate signed by
 * that CA, and the other nodes import it. Either corosync's certutil scripts or our own
 * `quorate arbiter|qdevice certs` make them; both leave NSS databases where corosync-qnetd and
 * corosync-qdevice look (fixed paths under /etc/corosync, which every lab host has privately,
 * see processes.ts), and ours also leave the PEM/PKCS#12 files our arbiter and client read.
 */
export type HostExec = (host: HostName, argv: string[]) => Promise<RunResult>;

export interface TlsHost {
  name: HostName;
  /** The host's /etc/corosync as seen from outside (and from other hosts). */
  etcDir: string;
}

/** Inside the arbiter host: where `quorate arbiter certs init` puts the PEM files our arbiter serves (its --cert-dir). */
export const LAB_ARBITER_CERT_DIR = '/etc/corosync/qnetd/pem';

/** Our CLI, run with this Node (lab hosts share the file system). */
const quorateCli = [process.execPath, resolve(__dirname, '../cli/main.js')];

interface CertificateSteps {
  /** On the arbiter; leaves the CA certificate at `caFile` (relative to the arbiter's /etc/corosync). */
  arbiterInit: string[][];
  caFile: string;
  nodeInit(caCertificate: string): string[];
  request(clusterName: string): string[];
  /** The request the first node made, relative to its /etc/corosync. */
  requestFile: string;
  sign(request: string, clusterName: string): string[];
  /** The signed certificate, relative to the arbiter's /etc/corosync. */
  signedFile(clusterName: string): string;
  importSigned(certificate: string): string[];
  /** The bundle for the other nodes, relative to the first node's /etc/corosync. */
  bundleFile: string;
  importBundle(caCertificate: string, bundle: string): string[][];
}

const nodeDb = join('qdevice', 'net', 'nssdb');

const corosyncSteps: CertificateSteps = {
  arbiterInit: [['corosync-qnetd-certutil', '-i']],
  caFile: join('qnetd', 'nssdb', 'qnetd-cacert.crt'),
  nodeInit: (ca) => ['corosync-qdevice-net-certutil', '-i', '-c', ca],
  request: (cluster) => ['corosync-qdevice-net-certutil', '-r', '-n', cluster],
  requestFile: join(nodeDb, 'qdevice-net-node.crq'),
  sign: (csr, cluster) => ['corosync-qnetd-certutil', '-s', '-c', csr, '-n', cluster],
  signedFile: (cluster) => join('qnetd', 'nssdb', `cluster-${cluster}.crt`),
  importSigned: (crt) => ['corosync-qdevice-net-certutil', '-M', '-c', crt],
  bundleFile: join(nodeDb, 'qdevice-net-node.p12'),
  importBundle: (ca, p12) => [['corosync-qdevice-net-certutil', '-i', '-c', ca], ['corosync-qdevice-net-certutil', '-m', '-c', p12]],
};

const quorateSteps: CertificateSteps = {
  // The PEM directory for our arbiter, and the same PKI as an NSS database for corosync-qnetd.
  arbiterInit: [
    [...quorateCli, 'arbiter', 'certs', 'init', '-d', LAB_ARBITER_CERT_DIR],
    [...quorateCli, 'arbiter', 'certs', 'nssdb', '-d', LAB_ARBITER_CERT_DIR],
  ],
  caFile: join('qnetd', 'pem', 'qnetd-cacert.crt'),
  nodeInit: (ca) => [...quorateCli, 'qdevice', 'certs', 'init', '--ca', ca],
  request: (cluster) => [...quorateCli, 'qdevice', 'certs', 'request', '-n', cluster],
  requestFile: join(nodeDb, 'qdevice-net-node.crq'),
  sign: (csr, cluster) => [...quorateCli, 'arbiter', 'certs', 'sign', '--csr', csr, '-n', cluster, '-d', LAB_ARBITER_CERT_DIR],
  signedFile: (cluster) => join('qnetd', 'pem', `cluster-${cluster}.crt`),
  importSigned: (crt) => [...quorateCli, 'qdevice', 'certs', 'import', '--cert', crt],
  bundleFile: join(nodeDb, 'qdevice-net-node.p12'),
  importBundle: (ca, p12) => [[...quorateCli, 'qdevice', 'certs', 'import-bundle', '--ca', ca, '--p12', p12]],
};

const certificateSteps: Record<CertificateTool, CertificateSteps> = { 'corosync-certutil': corosyncSteps, quorate: quorateSteps };

async function step(exec: HostExec, host: HostName, argv: string[]): Promise<void> {
  const result = await exec(host, argv);
  if (result.code !== 0) {
    throw new Error(`TLS set-up: ${host}: ${argv.join(' ')} failed (exit ${result.code}): ${(result.stderr || result.stdout).trim()}`);
  }
}

export async function provisionTls(exec: HostExec, tool: CertificateTool, clusterName: string, arbiter: TlsHost, nodes: TlsHost[]): Promise<void> {
  const steps = certificateSteps[tool];
  const [first, ...others] = nodes;
  if (first === undefined) throw new Error('TLS set-up: no nodes');
  const caCertificate = join(arbiter.etcDir, steps.caFile);
  for (const argv of steps.arbiterInit) await step(exec, arbiter.name, argv);
  await step(exec, first.name, steps.nodeInit(caCertificate));
  await step(exec, first.name, steps.request(clusterName));
  await step(exec, arbiter.name, steps.sign(join(first.etcDir, steps.requestFile), clusterName));
  await step(exec, first.name, steps.importSigned(join(arbiter.etcDir, steps.signedFile(clusterName))));
  await Promise.all(others.map(async (node) => {
    for (const argv of steps.importBundle(caCertificate, join(first.etcDir, steps.bundleFile))) await step(exec, node.name, argv);
  }));
}

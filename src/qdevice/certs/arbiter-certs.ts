import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CertToolError, runTool } from './run-tool';

/*
 * The arbiter's PKI, in PEM files, replacing corosync-qnetd-certutil: a CA ("QNet CA") that signs
 * the arbiter's server certificate (CN "Qnetd Server", the name corosync-qdevice checks) and
 * one client certificate per cluster (CN = cluster name).
 */

export const SERVER_CN = 'Qnetd Server';
export const CA_CN = 'QNet CA';

export interface ArbiterCertPaths {
  dir: string;
  caKey: string;
  caCert: string;
  serverKey: string;
  serverCert: string;
  /** The CA certificate to copy to the nodes (corosync's name for it). */
  exportedCa: string;
}

export function arbiterCertPaths(dir: string): ArbiterCertPaths {
  return {
    dir,
    caKey: path.join(dir, 'ca.key'),
    caCert: path.join(dir, 'ca.crt'),
    serverKey: path.join(dir, 'server.key'),
    serverCert: path.join(dir, 'server.crt'),
    exportedCa: path.join(dir, 'qnetd-cacert.crt'),
  };
}

function withExtFile<T>(content: string, fn: (file: string) => T): T {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-ext-'));
  try {
    const file = path.join(tmp, 'ext.cnf');
    fs.writeFileSync(file, content);
    return fn(file);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const DAYS = '36500';

/** Creates the CA and the server certificate; refuses to overwrite an existing CA. */
export function initArbiterCerts(dir: string): ArbiterCertPaths {
  const p = arbiterCertPaths(dir);
  if (fs.existsSync(p.caKey)) throw new CertToolError(`${p.caKey} exists already: the arbiter's CA is set up`);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  runTool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.caKey, '-out', p.caCert, '-days', DAYS,
    '-subj', `/CN=${CA_CN}`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const csr = path.join(dir, 'server.csr');
  runTool('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', p.serverKey, '-out', csr, '-subj', `/CN=${SERVER_CN}`]);
  withExtFile('basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n', (ext) =>
    runTool('openssl', ['x509', '-req', '-in', csr, '-CA', p.caCert, '-CAkey', p.caKey, '-set_serial', '100', '-days', DAYS, '-extfile', ext, '-out', p.serverCert]));
  fs.rmSync(csr);
  fs.copyFileSync(p.caCert, p.exportedCa);
  for (const f of [p.caKey, p.serverKey]) fs.chmodSync(f, 0o600);
  return p;
}

/**
 * Signs a node's certificate request (as made by `quorate qdevice certs request` or
 * corosync-qdevice-net-certutil -r) for `cluster`; returns the certificate's path
 * (cluster-NAME.crt, as corosync names it). The request's subject must be CN=cluster.
 */
export function signClusterCertificate(dir: string, csrFile: string, cluster: string, outFile?: string): string {
  const p = arbiterCertPaths(dir);
  if (!/^[A-Za-z0-9._-]+$/.test(cluster)) throw new CertToolError(`cluster name "${cluster}" has characters a certificate name cannot carry`);
  const subject = runTool('openssl', ['req', '-in', csrFile, '-noout', '-subject', '-nameopt', 'RFC2253']).trim();
  if (subject !== `subject=CN=${cluster}`) throw new CertToolError(`request ${csrFile} is for "${subject}", not CN=${cluster}`);
  const serialFile = path.join(dir, 'serial.txt');
  const serial = fs.existsSync(serialFile) ? Number(fs.readFileSync(serialFile, 'utf8').trim()) + 1 : 101;
  fs.writeFileSync(serialFile, `${serial}\n`);
  const out = outFile ?? path.join(dir, `cluster-${cluster}.crt`);
  withExtFile('basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n', (ext) =>
    runTool('openssl', ['x509', '-req', '-in', csrFile, '-CA', p.caCert, '-CAkey', p.caKey, '-set_serial', String(serial),
      '-days', DAYS, '-extfile', ext, '-out', out]));
  return out;
}

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
/** The NSS database real corosync-qnetd reads, and the nickname of its server certificate there. */
export const DEFAULT_QNETD_NSSDB = '/etc/corosync/qnetd/nssdb';
export const QNETD_CERT_NICKNAME = 'QNetd Cert';

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

/**
 * Creates the CA and the server certificate; refuses to overwrite an existing CA, or with
 * `keepExisting` leaves it as it is (a second cluster's set-up reuses the arbiter's CA).
 */
export function initArbiterCerts(dir: string, keepExisting = false): ArbiterCertPaths {
  const p = arbiterCertPaths(dir);
  if (fs.existsSync(p.caKey)) {
    if (keepExisting) return p;
    throw new CertToolError(`${p.caKey} exists already: the arbiter's CA is set up`);
  }
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

/**
 * Writes the NSS database real corosync-qnetd reads (-S nss_db_dir, default /etc/corosync/qnetd/nssdb)
 * from our PEM files: the CA as "QNet CA" (trusted CT,,) and the server certificate with its key as
 * "QNetd Cert", so corosync-qnetd and our arbiter can serve the same PKI.
 */
export function exportQnetdNssDb(dir: string, nssDir = DEFAULT_QNETD_NSSDB): string {
  const p = arbiterCertPaths(dir);
  if (!fs.existsSync(p.serverCert)) throw new CertToolError(`${p.serverCert} is missing: run 'quorate arbiter certs init' first`);
  if (fs.existsSync(path.join(nssDir, 'cert9.db'))) throw new CertToolError(`${nssDir} holds an NSS database already`);
  fs.mkdirSync(nssDir, { recursive: true, mode: 0o700 });
  const pwd = path.join(nssDir, 'pwdfile.txt');
  fs.writeFileSync(pwd, '', { mode: 0o600 });
  const db = `sql:${nssDir}`;
  runTool('certutil', ['-N', '-d', db, '-f', pwd]);
  runTool('certutil', ['-A', '-d', db, '-n', CA_CN, '-t', 'CT,,', '-a', '-i', p.caCert]);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-p12-'));
  try {
    const p12 = path.join(tmp, 'server.p12');
    runTool('openssl', ['pkcs12', '-export', '-in', p.serverCert, '-inkey', p.serverKey, '-name', QNETD_CERT_NICKNAME, '-passout', 'pass:', '-out', p12]);
    runTool('pk12util', ['-d', db, '-i', p12, '-W', '', '-k', pwd]);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  fs.copyFileSync(p.exportedCa, path.join(nssDir, 'qnetd-cacert.crt'));
  return nssDir;
}

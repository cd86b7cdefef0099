import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { CertToolError, runTool } from './run-tool';

/*
 * The node side, replacing corosync-qdevice-net-certutil: an NSS database that corosync-qdevice
 * reads (-S net_nss_db_dir, default /etc/corosync/qdevice/net/nssdb) holding the arbiter's CA
 * ("QNet CA", trusted CT,c,c) and the cluster certificate ("Cluster Cert") with its key.
 */

export const DEFAULT_NODE_NSSDB = '/etc/corosync/qdevice/net/nssdb';
export const CA_NICKNAME = 'QNet CA';
export const CLUSTER_CERT_NICKNAME = 'Cluster Cert';

const db = (dir: string) => `sql:${dir}`;

/**
 * The NSS-free copies our commands leave beside the database, for our own device client (Node's
 * TLS cannot read NSS): the arbiter's CA in PEM and the cluster certificate with its key as PKCS#12
 * (empty password).
 */
export interface NodeTlsFiles {
  caCert: string;
  clientP12: string;
}

export function nodeTlsFiles(dir: string): NodeTlsFiles {
  return { caCert: path.join(dir, 'qnetd-cacert.crt'), clientP12: path.join(dir, 'qdevice-net-node.p12') };
}

const hasDb = (dir: string) => fs.existsSync(path.join(dir, 'cert9.db'));

/**
 * Creates the database (empty password) and imports the arbiter's CA certificate. An existing
 * database is refused, or with `replace` removed first (a new cluster certificate follows).
 */
export function initNodeDb(dir: string, caFile: string, replace = false): void {
  if (hasDb(dir)) {
    if (!replace) throw new CertToolError(`${dir} holds an NSS database already`);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.writeFileSync(path.join(dir, 'pwdfile.txt'), '', { mode: 0o600 });
  runTool('certutil', ['-N', '-d', db(dir), '-f', path.join(dir, 'pwdfile.txt')]);
  runTool('certutil', ['-A', '-d', db(dir), '-n', CA_NICKNAME, '-t', 'CT,c,c', '-a', '-i', caFile]);
  copyUnlessSame(caFile, nodeTlsFiles(dir).caCert);
}

function copyUnlessSame(from: string, to: string): void {
  if (path.resolve(from) !== path.resolve(to)) fs.copyFileSync(from, to);
}

/** Makes the key pair and a request for CN=<cluster>; returns the request file (PEM). */
export function requestClusterCertificate(dir: string, cluster: string, outFile = path.join(dir, 'qdevice-net-node.crq')): string {
  const noise = path.join(dir, 'noise.txt');
  fs.writeFileSync(noise, crypto.randomBytes(2048), { mode: 0o600 });
  try {
    runTool('certutil', ['-R', '-d', db(dir), '-s', `CN=${cluster}`, '-o', outFile, '-a', '-z', noise, '-f', path.join(dir, 'pwdfile.txt')]);
  } finally {
    fs.rmSync(noise, { force: true });
  }
  return outFile;
}

/** Imports the signed certificate as "Cluster Cert" and exports it with its key as PKCS#12 for the other nodes. */
export function importClusterCertificate(dir: string, certFile: string, p12File = nodeTlsFiles(dir).clientP12): string {
  runTool('certutil', ['-A', '-d', db(dir), '-n', CLUSTER_CERT_NICKNAME, '-t', ',,', '-a', '-i', certFile]);
  runTool('pk12util', ['-d', db(dir), '-o', p12File, '-W', '', '-n', CLUSTER_CERT_NICKNAME, '-k', path.join(dir, 'pwdfile.txt')]);
  copyUnlessSame(p12File, nodeTlsFiles(dir).clientP12);
  return p12File;
}

/**
 * On the other nodes: imports the PKCS#12 from the first node, into a database created here with
 * the CA, or without `caFile` into the one `initNodeDb` made already.
 */
export function importNodeBundle(dir: string, caFile: string | undefined, p12File: string): void {
  if (caFile !== undefined) initNodeDb(dir, caFile);
  else if (!hasDb(dir)) throw new CertToolError(`${dir} holds no NSS database: give the arbiter's CA certificate to create it`);
  runTool('pk12util', ['-d', db(dir), '-i', p12File, '-W', '', '-k', path.join(dir, 'pwdfile.txt')]);
  copyUnlessSame(p12File, nodeTlsFiles(dir).clientP12);
}

import { X509Certificate } from 'node:crypto';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type winston from 'winston';
import { chainProblem, parsePemBundle } from './cert-chain';
import type { ArbiterClient } from './client';
import type { ArbiterCore, TlsHooks } from './core';
import type { Connection } from './server';

/** PEM material of the arbiter: its certificate (CN "Qnetd Server"), key, and the CA of the clusters. */
export interface ArbiterTlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
}

/**
 * Hands the bytes read so far, then the socket's, to a TLS server socket. A Duplex in between
 * lets the ClientHello start in the same read as STARTTLS without losing it.
 */
function streamWithPrefix(socket: Duplex, prefix: Buffer): Duplex {
  const inner: Duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  if (prefix.length > 0) inner.push(prefix);
  socket.on('data', (d: Buffer) => {
    if (!inner.push(d)) socket.pause();
  });
  socket.on('end', () => inner.push(null));
  socket.on('close', () => inner.destroy());
  socket.on('error', (e) => inner.destroy(e));
  socket.resume();
  return inner;
}

/** Names a certificate answers to: SAN DNS entries if any, else the CN (NSS CERT_VerifyCertName). */
export function certificateNames(cert: tls.PeerCertificate): string[] {
  const san = (cert.subjectaltname ?? '').split(/,\s*/).filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4));
  if (san.length > 0) return san;
  const cn = cert.subject?.CN;
  return Array.isArray(cn) ? cn : cn ? [cn] : [];
}

/** A connection as TLS sees it: its TLS socket once STARTTLS came, and whether the chain was checked and good. */
interface TlsEntry {
  conn: Connection;
  socket: tls.TLSSocket | null;
  chainVerified: boolean;
}

/**
 * STARTTLS on the arbiter's connections and the client-certificate check: the chain to the CA
 * when the handshake completes (cert-chain.ts), then CN = cluster name on the first message.
 */
export class ArbiterTls implements TlsHooks {
  private readonly context: tls.SecureContext;
  private readonly trusted: X509Certificate[];
  private readonly connections = new Map<ArbiterClient, TlsEntry>();

  /** `core` hears of every handshake (its observer counts them). */
  constructor(material: ArbiterTlsMaterial, private readonly clientCertRequired: boolean, private readonly log: winston.Logger, private readonly core?: ArbiterCore) {
    this.context = tls.createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
    this.trusted = parsePemBundle(material.ca);
    if (this.trusted.length === 0) throw new Error('the CA file holds no PEM certificate: client certificates could not be verified');
  }

  track(conn: Connection, client: ArbiterClient): void {
    this.connections.set(client, { conn, socket: null, chainVerified: false });
    conn.socket.once('close', () => this.connections.delete(client));
  }

  startTls(client: ArbiterClient): boolean {
    const entry = this.connections.get(client);
    if (!entry) return false;
    const rest = entry.conn.beginSwitch();
    const socket = new tls.TLSSocket(streamWithPrefix(entry.conn.socket, rest), {
      isServer: true,
      secureContext: this.context,
      requestCert: this.clientCertRequired,
      rejectUnauthorized: this.clientCertRequired,
    });
    let secure = false;
    socket.on('secure', () => {
      secure = true;
      this.core?.observer.tlsHandshake(true);
      this.log.debug('TLS established', { client: client.address, protocol: socket.getProtocol() });
      if (this.clientCertRequired) this.checkChain(client, entry, socket);
    });
    socket.once('close', () => {
      if (!secure) this.core?.observer.tlsHandshake(false);
    });
    entry.socket = socket;
    client.tlsStarted = true;
    client.tlsPeerCertificateVerified = false;
    entry.conn.attach(socket);
    return true;
  }

  /** Closes the connection unless the client's certificate chains to the CA (qnetd's handshake refuses it). */
  private checkChain(client: ArbiterClient, entry: TlsEntry, socket: tls.TLSSocket): void {
    const cert = socket.getPeerX509Certificate();
    const problem = cert ? chainProblem(cert, this.trusted, Date.now()) : 'no client certificate';
    if (problem) {
      this.log.warn('client certificate refused, disconnecting', { client: client.address, cluster: client.clusterName, reason: problem });
      client.transport.close();
      return;
    }
    entry.chainVerified = true;
  }

  verifyPeerCertificate(client: ArbiterClient): boolean {
    const entry = this.connections.get(client);
    // Only a certificate that chains to the CA gets here (checkChain ran when the handshake ended).
    const cert = entry?.chainVerified ? entry.socket?.getPeerCertificate() : undefined;
    const cluster = client.clusterName?.toLowerCase() ?? '';
    if (!cert) {
      this.log.warn('client has no certificate verified against the CA, disconnecting', { client: client.address });
      client.transport.close();
      return false;
    }
    if (!certificateNames(cert).some((n) => n.toLowerCase() === cluster)) {
      this.log.warn('client certificate does not match the cluster name, disconnecting', { client: client.address, names: certificateNames(cert) });
      client.transport.close();
      return false;
    }
    client.tlsPeerCertificateVerified = true;
    return true;
  }
}

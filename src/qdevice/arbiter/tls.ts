import { Duplex } from 'node:stream';
import tls from 'node:tls';
import type winston from 'winston';
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

/** STARTTLS on the arbiter's connections and the client-certificate check (CN = cluster name). */
export class ArbiterTls implements TlsHooks {
  private readonly context: tls.SecureContext;
  private readonly connections = new Map<ArbiterClient, { conn: Connection; socket: tls.TLSSocket | null }>();

  /** `core` hears of every handshake (its observer counts them). */
  constructor(material: ArbiterTlsMaterial, private readonly clientCertRequired: boolean, private readonly log: winston.Logger, private readonly core?: ArbiterCore) {
    this.context = tls.createSecureContext({ cert: material.cert, key: material.key, ca: material.ca });
  }

  track(conn: Connection, client: ArbiterClient): void {
    this.connections.set(client, { conn, socket: null });
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

  verifyPeerCertificate(client: ArbiterClient): boolean {
    const entry = this.connections.get(client);
    const cert = entry?.socket?.getPeerCertificate();
    const cluster = client.clusterName?.toLowerCase() ?? '';
    if (!entry || !cert || Object.keys(cert).length === 0) {
      this.log.warn('client sent no certificate, disconnecting', { client: client.address });
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

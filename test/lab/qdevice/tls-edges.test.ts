import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { startArbiter, ArbiterServer } from '../../../src/qdevice/arbiter';
import * as b from '../../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, TlsSupported } from '../../../src/qdevice/protocol/constants';
import { initArbiterCerts } from '../../../src/qdevice/certs/arbiter-certs';
import { runTool } from '../../../src/qdevice/certs/run-tool';
import { createLogger } from '../../../src/util/logger';

/*
 * TLS answers as real qnetd gives them (reference Appendix B): plaintext after PREINIT in
 * `required` mode → SERVER_ERROR(3) and the connection stays open; a certificate for another
 * cluster → closed without a message; no certificate → handshake refused.
 */

const HOST = '127.0.0.1';
const init = b.init({ seq: 3, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
  heartbeatInterval: 8000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } });

function read(sock: net.Socket | tls.TLSSocket, ms: number): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    let data = '';
    let closed = false;
    sock.on('data', (d: Buffer) => { data += d.toString('hex'); });
    sock.on('close', () => { closed = true; });
    sock.on('error', () => { closed = true; });
    setTimeout(() => resolve({ data, closed }), ms);
  });
}

describe('arbiter TLS edge cases (loopback, openssl-made certificates)', function () {
  this.timeout(30000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-tls-'));
  let server: ArbiterServer | null = null;
  let port = 0;
  const clientCert = (cluster: string) => {
    const key = path.join(dir, `${cluster}.key`);
    const csr = path.join(dir, `${cluster}.csr`);
    const crt = path.join(dir, `${cluster}.crt`);
    runTool('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', `/CN=${cluster}`]);
    runTool('openssl', ['x509', '-req', '-in', csr, '-CA', path.join(dir, 'ca.crt'), '-CAkey', path.join(dir, 'ca.key'), '-set_serial', '7', '-out', crt]);
    return { key: fs.readFileSync(key), cert: fs.readFileSync(crt) };
  };

  before(async () => {
    const p = initArbiterCerts(dir);
    server = await startArbiter({ host: HOST, port: 0, tls: TlsSupported.Required }, createLogger('arbiter', 'error'),
      { cert: fs.readFileSync(p.serverCert), key: fs.readFileSync(p.serverKey), ca: fs.readFileSync(p.caCert) });
    port = server.address()!.port;
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function startTls(cluster: string, cert?: { key: Buffer; cert: Buffer }): Promise<tls.TLSSocket> {
    const raw = net.connect({ host: HOST, port });
    await new Promise((r) => raw.once('connect', r));
    raw.write(Buffer.concat([b.preinit(1, cluster), b.startTls(2)]));
    await new Promise((r) => raw.once('data', r));
    return tls.connect({ socket: raw, ca: fs.readFileSync(path.join(dir, 'ca.crt')),
      checkServerIdentity: (_h, c) => (c.subject.CN === 'Qnetd Server' ? undefined : new Error('wrong server')), ...cert });
  }

  it('required mode: plaintext INIT after PREINIT gets SERVER_ERROR 3 with seq; the connection stays open', async () => {
    const sock = net.connect({ host: HOST, port });
    const r = read(sock, 300);
    sock.write(Buffer.concat([b.preinit(1, 'c'), init]));
    const { data, closed } = await r;
    sock.destroy();
    assert.equal(data, `${b.preinitReply(1, 2, true).toString('hex')}${b.serverError(3, 3).toString('hex')}`);
    assert.equal(closed, false);
  });

  it('a valid certificate for the cluster: INIT_REPLY inside TLS, status shows it verified', async () => {
    const sock = await startTls('good', clientCert('good'));
    await new Promise((r) => sock.once('secureConnect', r));
    const r = read(sock, 300);
    sock.write(init);
    const { data } = await r;
    assert.match(data, /^0004/);
    assert.ok([...server!.core.clients].some((c) => c.tlsPeerCertificateVerified));
    sock.destroy();
  });

  it('a certificate for another cluster: closed without any message', async () => {
    const sock = await startTls('mine', clientCert('theirs'));
    await new Promise((r) => sock.once('secureConnect', r));
    const r = read(sock, 500);
    sock.write(init);
    const { data, closed } = await r;
    assert.equal(data, '');
    assert.equal(closed, true);
  });

  it('no client certificate: the handshake is refused', async () => {
    const sock = await startTls('nocert');
    const { data, closed } = await read(sock, 500);
    assert.equal(data, '');
    assert.equal(closed, true);
  });
});

import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { startArbiter, ArbiterServer } from '../../../src/qdevice/arbiter';
import * as b from '../../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS, MsgType, TlsSupported } from '../../../src/qdevice/protocol/constants';
import { Framer } from '../../../src/qdevice/protocol/framing';
import { initArbiterCerts, signClusterCertificate } from '../../../src/qdevice/certs/arbiter-certs';
import { runTool } from '../../../src/qdevice/certs/run-tool';
import { createLogger } from '../../../src/util/logger';

/*
 * TLS answers as real qnetd gives them (reference Appendix B and §1.11): plaintext after PREINIT
 * in `required` mode → SERVER_ERROR(3) and the connection stays open; a certificate that does not
 * chain to the arbiter's CA, is out of its validity, is not a client certificate or names another
 * cluster → closed without a message; no certificate → handshake refused. Real TLS clients
 * (Node's) against our arbiter on loopback; the certificates are made with openssl.
 */

const HOST = '127.0.0.1';
const init = b.init({ seq: 3, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
  heartbeatInterval: 8000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n } });

interface KeyPair { key: Buffer; cert: Buffer }

/** The message types `sock` receives until it has `count` of them (then it is destroyed) or closes. */
function messages(sock: net.Socket | tls.TLSSocket, count: number): Promise<{ types: number[]; closed: boolean }> {
  return new Promise((resolve) => {
    const types: number[] = [];
    const framer = new Framer(32768);
    sock.on('data', (d: Buffer) => {
      framer.push(d);
      for (let ev = framer.next(); ev; ev = framer.next()) if (ev.kind === 'message') types.push(ev.type);
      if (types.length >= count) {
        resolve({ types, closed: false });
        sock.destroy();
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => resolve({ types, closed: true }));
  });
}

describe('arbiter TLS edge cases (loopback, openssl-made certificates)', function () {
  this.timeout(30000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quorate-tls-'));
  const otherCaDir = path.join(dir, 'other-ca');
  let server: ArbiterServer | null = null;
  let port = 0;
  const file = (name: string) => path.join(dir, name);
  const read = (name: string) => fs.readFileSync(file(name));
  const newRequest = (name: string, cn: string) =>
    runTool('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${cn}`]);
  /** A cluster certificate signed by the arbiter's CA (or another CA) the way `quorate arbiter certs sign` does. */
  const clusterCert = (cluster: string, caDir = dir): KeyPair => {
    const name = `${path.basename(caDir)}-${cluster}`;
    newRequest(name, cluster);
    signClusterCertificate(caDir, file(`${name}.csr`), cluster, file(`${name}.crt`));
    return { key: read(`${name}.key`), cert: read(`${name}.crt`) };
  };
  const expiredCert = (cluster: string): KeyPair => {
    newRequest('expired', cluster);
    // -days -1: valid until a day before it was made.
    runTool('openssl', ['x509', '-req', '-in', file('expired.csr'), '-CA', file('ca.crt'), '-CAkey', file('ca.key'), '-set_serial', '9', '-days', '-1', '-out', file('expired.crt')]);
    return { key: read('expired.key'), cert: read('expired.crt') };
  };
  const selfSignedCert = (cluster: string): KeyPair => {
    runTool('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', file('self.key'), '-out', file('self.crt'), '-days', '30', '-subj', `/CN=${cluster}`]);
    return { key: read('self.key'), cert: read('self.crt') };
  };

  before(async () => {
    const p = initArbiterCerts(dir);
    initArbiterCerts(otherCaDir);
    server = await startArbiter({ host: HOST, port: 0, tls: TlsSupported.Required }, createLogger('arbiter', 'error'),
      { cert: fs.readFileSync(p.serverCert), key: fs.readFileSync(p.serverKey), ca: fs.readFileSync(p.caCert) });
    port = server.address()!.port;
  });

  after(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** PREINIT and STARTTLS in plaintext, then a TLS client with `cert` that sends INIT once the handshake is done. */
  async function initOverTls(cluster: string, cert?: KeyPair): Promise<{ types: number[]; closed: boolean }> {
    const raw = net.connect({ host: HOST, port });
    await new Promise((r) => raw.once('connect', r));
    raw.write(Buffer.concat([b.preinit(1, cluster), b.startTls(2)]));
    await new Promise((r) => raw.once('data', r));
    const sock = tls.connect({ socket: raw, ca: read('ca.crt'),
      checkServerIdentity: (_h, c) => (c.subject.CN === 'Qnetd Server' ? undefined : new Error('wrong server')), ...cert });
    sock.once('secureConnect', () => sock.write(init));
    return messages(sock, 1);
  }

  const refused = { types: [], closed: true };

  it('required mode: plaintext INIT after PREINIT gets SERVER_ERROR 3 with seq; the connection stays open', async () => {
    const sock = net.connect({ host: HOST, port });
    const got = messages(sock, 3);
    sock.write(Buffer.concat([b.preinit(1, 'c'), init, b.echoRequest(4)]));
    assert.deepEqual(await got, { types: [MsgType.PreinitReply, MsgType.ServerError, MsgType.ServerError], closed: false });
  });

  it('a certificate for the cluster signed by the CA: INIT_REPLY inside TLS, status shows it verified', async () => {
    assert.deepEqual(await initOverTls('good', clusterCert('good')), { types: [MsgType.InitReply], closed: false });
    assert.ok([...server!.core.clients].some((c) => c.tlsPeerCertificateVerified));
  });

  it('a certificate for another cluster: closed without any message', async () => {
    assert.deepEqual(await initOverTls('mine', clusterCert('theirs')), refused);
  });

  it('no client certificate: the handshake is refused', async () => {
    assert.deepEqual(await initOverTls('nocert'), refused);
  });

  it('a certificate for the cluster signed by another CA: closed without any message', async () => {
    assert.deepEqual(await initOverTls('foreign', clusterCert('foreign', otherCaDir)), refused);
  });

  it('a self-signed certificate with the cluster name: closed without any message', async () => {
    assert.deepEqual(await initOverTls('selfie', selfSignedCert('selfie')), refused);
  });

  it('an expired certificate for the cluster signed by the CA: closed without any message', async () => {
    assert.deepEqual(await initOverTls('old', expiredCert('old')), refused);
  });

  it("the arbiter's own server certificate, for a cluster named like it: closed (not a client certificate)", async () => {
    assert.deepEqual(await initOverTls('Qnetd Server', { key: read('server.key'), cert: read('server.crt') }), refused);
  });

  it('the CA certificate itself, for a cluster named like it: closed (a CA is not a client)', async () => {
    assert.deepEqual(await initOverTls('QNet CA', { key: read('ca.key'), cert: read('ca.crt') }), refused);
  });

  it('PREINIT, STARTTLS and the ClientHello in one write: PREINIT_REPLY comes first, then the handshake', async () => {
    const raw = net.connect({ host: HOST, port });
    await new Promise((r) => raw.once('connect', r));
    let first = true;
    let head = Buffer.alloc(0);
    let firstReply: number | null = null;
    // The TLS client's transport: its first flight rides with PREINIT and STARTTLS, and the plaintext
    // reply in front of the server's handshake is taken off before TLS reads.
    const transport: Duplex = new Duplex({
      read() { /* pushed from raw's data */ },
      write(chunk: Buffer, _enc, cb) {
        raw.write(first ? Buffer.concat([b.preinit(1, 'onewrite'), b.startTls(2), chunk]) : chunk, cb);
        first = false;
      },
    });
    raw.on('data', (d: Buffer) => {
      if (firstReply !== null) return void transport.push(d);
      head = Buffer.concat([head, d]);
      if (head.length < 6) return;
      firstReply = head.readUInt16BE(0);
      const size = firstReply === MsgType.PreinitReply ? 6 + head.readUInt32BE(2) : 0;
      transport.push(head.subarray(size));
    });
    const sock = tls.connect({ socket: transport, ca: read('ca.crt'), checkServerIdentity: () => undefined, ...clusterCert('onewrite') });
    sock.once('secureConnect', () => sock.write(init));
    assert.deepEqual(await messages(sock, 1), { types: [MsgType.InitReply], closed: false });
    raw.destroy();
    assert.equal(firstReply, MsgType.PreinitReply);
  });

  it('none of the refused connections is in a cluster', () => {
    const refusedNames = ['mine', 'nocert', 'foreign', 'selfie', 'old', 'Qnetd Server', 'QNet CA'];
    assert.deepEqual(server!.core.registry.all().map((c) => c.name).filter((n) => refusedNames.includes(n)), []);
  });
});

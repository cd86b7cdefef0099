import { Writable } from 'node:stream';
import winston from 'winston';
import { ArbiterClient, ClientTransport } from '../../src/qdevice/arbiter/client';
import { ArbiterCore, TlsHooks } from '../../src/qdevice/arbiter/core';
import { ArbiterSettings, defaultArbiterSettings } from '../../src/qdevice/arbiter/settings';
import * as b from '../../src/qdevice/protocol/builders';
import { ALL_MESSAGE_TYPES, ALL_OPTIONS } from '../../src/qdevice/protocol/constants';
import { Framer } from '../../src/qdevice/protocol/framing';

/*
 * The arbiter's core without sockets, at its transport and TLS seams: what a client is sent is
 * collected, a close runs the disconnect path as the server does, and STARTTLS "succeeds" with a
 * certificate the test names (the real handshake is tested over loopback elsewhere).
 */

/** A silent logger that keeps what was logged at `level` and above, for the assertions. */
export function memoryLogger(level = 'warn'): { log: winston.Logger; lines: string[] } {
  const lines: string[] = [];
  const log = winston.createLogger({
    level,
    format: winston.format.printf(({ level, message, ...meta }) => `${level} ${String(message)} ${JSON.stringify(meta)}`),
    transports: [new winston.transports.Stream({ stream: new Writable({
      write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString().trim()); cb(); },
    }) })],
  });
  return { log, lines };
}

export class MemoryTransport implements ClientTransport {
  readonly sent: Buffer[] = [];
  closed = false;
  client!: ArbiterClient;
  /** The connection's framer: a message may span feeds, as it spans reads. */
  readonly framer: Framer;

  constructor(private readonly core: ArbiterCore) {
    this.framer = new Framer(core.settings.maxReceiveSize);
  }

  send(message: Buffer): void {
    if (!this.closed) this.sent.push(message);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.core.disconnect(this.client);
  }

  /** The message types sent so far, in order. */
  types(): number[] {
    return this.sent.map((m) => m.readUInt16BE(0));
  }
}

/** STARTTLS marks the client as running TLS; the certificate's name is whatever `certName` says. */
export class FakeTls implements TlsHooks {
  constructor(private readonly certName: (client: ArbiterClient) => string | null) {}

  startTls(client: ArbiterClient): boolean {
    client.tlsStarted = true;
    client.tlsPeerCertificateVerified = false;
    return true;
  }

  verifyPeerCertificate(client: ArbiterClient): boolean {
    if (this.certName(client) !== client.clusterName) {
      client.transport.close();
      return false;
    }
    client.tlsPeerCertificateVerified = true;
    return true;
  }
}

export class CoreHarness {
  readonly core: ArbiterCore;
  private next = 0;

  constructor(settings: Partial<ArbiterSettings> = {}, log: winston.Logger = memoryLogger().log) {
    this.core = new ArbiterCore({ ...defaultArbiterSettings, dpdEnabled: false, ...settings }, log);
  }

  connect(): MemoryTransport {
    const t = new MemoryTransport(this.core);
    t.client = this.core.connect(`10.0.0.${++this.next}:5403`, t);
    return t;
  }

  /** Feeds bytes as the server does: framed, one event at a time, until the connection closes. */
  feed(t: MemoryTransport, bytes: Buffer): void {
    t.framer.push(bytes);
    for (let ev = t.framer.next(); ev && !t.closed; ev = t.framer.next()) this.core.receive(t.client, ev);
  }

  close(): void {
    this.core.shutdown();
  }
}

export const initMessage = (seq: number, over: Partial<b.InitFields> = {}): Buffer => b.init({
  seq, supportedMessages: ALL_MESSAGE_TYPES, supportedOptions: ALL_OPTIONS, nodeId: 1, algorithm: 1,
  heartbeatInterval: 8000, tieBreaker: { mode: 1, nodeId: 0 }, ringId: { nodeId: 1, seq: 1n }, ...over,
});

/**
 * Everything the arbiter keeps about a client, as plain data: two snapshots compare equal when a
 * message changed nothing. The transport, timers and the dead-peer stamp are left out.
 */
export function clientState(c: ArbiterClient): Record<string, unknown> {
  const { transport: _t, algoTimer: _a, lastMessageAt: _l, cluster, ...fields } = c;
  return { ...structuredClone(fields), cluster: cluster?.name ?? null, clusterMembers: cluster?.clients.map((m) => m.nodeId) ?? [] };
}

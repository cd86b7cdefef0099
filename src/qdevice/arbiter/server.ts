import net from 'node:net';
import type { Duplex } from 'node:stream';
import type winston from 'winston';
import { Framer } from '../protocol/framing';
import { ArbiterClient, type ClientTransport } from './client';
import { ArbiterCore } from './core';
import { ArbiterSettings } from './settings';
import type { ArbiterTls } from './tls';

/** Formats a peer address as qnetd does: IPv4 on a dual-stack socket shows as ::ffff:a.b.c.d. */
function peerAddress(socket: net.Socket): string {
  return `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
}

/** How long a closed connection may take to hand its last replies to a peer that does not read. */
const CLOSE_LINGER_MS = 2000;

/**
 * Connections holding replies until the running callback ends: one nextTick per turn for all of
 * them, not a cork, a closure and an uncork per connection and message.
 */
const toFlush: Connection[] = [];

function flushAll(): void {
  for (let i = 0; i < toFlush.length; i++) toFlush[i]!.flush();
  toFlush.length = 0;
}

/**
 * One client connection: feeds the framer, writes replies, and lets STARTTLS swap the byte
 * stream for a TLS one while keeping the bytes already read. It is the client's transport itself
 * (no adapter object and closures per client: an arbiter holds 10,000 of these).
 */
export class Connection implements ClientTransport {
  stream: Duplex;
  readonly framer: Framer;
  client!: ArbiterClient;
  private closed = false;
  /** True from STARTTLS until the TLS stream is attached: stop taking frames off the framer. */
  private switching = false;
  private detach: () => void = () => undefined;
  /** Replies of this turn, written as one buffer at its end; and the stream they are for. */
  private pending: Buffer | Buffer[] | null = null;
  private pendingStream: Duplex | null = null;

  /** `onClosed` runs once, after the client's disconnect path. */
  constructor(
    readonly socket: net.Socket,
    private readonly core: ArbiterCore,
    private readonly settings: ArbiterSettings,
    private readonly onClosed: (conn: Connection) => void,
  ) {
    this.stream = socket;
    this.framer = new Framer(settings.maxReceiveSize);
  }

  start(): void {
    this.client = this.core.connect(peerAddress(this.socket), this);
    this.attach(this.socket);
  }

  /** Reads from `stream` from now on (the raw socket, later the TLS socket). */
  attach(stream: Duplex): void {
    this.stream = stream;
    this.switching = false;
    const onData = (chunk: Buffer) => {
      this.framer.push(chunk);
      this.pump();
    };
    const onError = (err: Error) => {
      this.core.log.debug('connection error', { client: this.client.address, error: err.message });
      this.close();
    };
    const onClose = () => this.close();
    stream.on('data', onData);
    stream.on('error', onError);
    stream.on('close', onClose);
    stream.on('end', onClose);
    this.detach = () => {
      stream.off('data', onData);
      stream.off('error', onError);
      stream.off('close', onClose);
      stream.off('end', onClose);
    };
  }

  /**
   * Called by STARTTLS: stops reading frames and returns the bytes read past STARTTLS. Replies
   * to the messages before STARTTLS leave first, in plaintext, ahead of the TLS handshake.
   */
  beginSwitch(): Buffer {
    this.flush();
    this.switching = true;
    this.socket.pause();
    this.detach();
    return this.framer.takeRemainder();
  }

  pump(): void {
    for (let ev = this.framer.next(); ev && !this.closed && !this.switching; ev = this.switching ? null : this.framer.next()) {
      this.core.receive(this.client, ev);
    }
  }

  send(message: Buffer): void {
    if (this.closed) return;
    if (this.stream.writableLength > this.settings.maxSendQueueBytes) {
      this.core.log.warn('client does not read its replies, disconnecting', { client: this.client.address });
      this.close();
      return;
    }
    // Replies and pushed votes of one callback leave in one write, not one syscall each.
    if (this.pending !== null && this.pendingStream !== this.stream) this.flush(); // STARTTLS swapped the stream
    if (this.pending === null) {
      this.pending = message;
      this.pendingStream = this.stream;
      if (toFlush.push(this) === 1) process.nextTick(flushAll);
    } else if (Array.isArray(this.pending)) {
      this.pending.push(message);
    } else {
      this.pending = [this.pending, message];
    }
  }

  /** Writes the replies held for the end of this callback. */
  flush(): void {
    const out = this.pending;
    const stream = this.pendingStream;
    this.pending = null;
    this.pendingStream = null;
    if (out === null || stream === null || this.closed || !stream.writable) return;
    stream.write(Array.isArray(out) ? Buffer.concat(out) : out);
  }

  /**
   * Ends the connection. Replies queued in this turn are sent first (as qnetd sends what it
   * queued before a disconnect), then the stream is ended; a peer that does not take them is
   * cut off after CLOSE_LINGER_MS. What it sends meanwhile is read and dropped: unread input
   * would make the kernel answer with a reset that can discard the replies at the peer.
   */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.core.disconnect(this.client);
    this.detach();
    const stream = this.stream;
    const destroy = () => {
      stream.destroy();
      this.socket.destroy();
    };
    stream.on('error', destroy);
    stream.on('data', () => undefined);
    const linger = setTimeout(destroy, CLOSE_LINGER_MS);
    linger.unref();
    stream.once('close', () => {
      clearTimeout(linger);
      this.socket.destroy();
    });
    if (stream.writable) stream.end();
    else destroy();
    this.onClosed(this);
  }
}

/** The arbiter's TCP listener (IPv4 and IPv6 on the wildcard), with a large accept backlog. */
export class ArbiterServer {
  private readonly server: net.Server;
  readonly connections = new Set<Connection>();
  /** TLS wiring (STARTTLS); null when the arbiter runs without certificates. */
  tls: ArbiterTls | null = null;
  private readonly forget = (conn: Connection) => this.connections.delete(conn);

  constructor(readonly core: ArbiterCore, private readonly log: winston.Logger) {
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  get settings(): ArbiterSettings {
    return this.core.settings;
  }

  listen(): Promise<net.AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.settings.host, port: this.settings.port, backlog: this.settings.listenBacklog }, () => {
        this.server.off('error', reject);
        const addr = this.server.address() as net.AddressInfo;
        this.log.info('arbiter listening', { address: addr.address, port: addr.port });
        resolve(addr);
      });
    });
  }

  address(): net.AddressInfo | null {
    return this.server.address() as net.AddressInfo | null;
  }

  close(): Promise<void> {
    this.core.shutdown();
    for (const c of this.connections) c.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    if (this.settings.maxClients > 0 && this.connections.size >= this.settings.maxClients) {
      this.log.warn('maximum number of clients reached, refusing a connection', { from: socket.remoteAddress });
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, this.core, this.settings, this.forget);
    this.connections.add(conn);
    conn.start();
    this.tls?.track(conn, conn.client);
  }
}

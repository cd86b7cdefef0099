import type { Clock } from '../util/clock';
import { applyOperation, type ApplyResult } from './apply';
import type { DocumentRegistry, DocumentType } from './documents';
import type { StoreDisk } from './disk';
import { BadMessageError, CorruptStateError, InvalidDocumentError, NotRecordedError, NotWritableError, StoreDiskError, WriteAbortedError } from './errors';
import { pickWinner, type Candidate } from './heal-rule';
import { decodeMessage, encodeMessage, type Operation, type StoreMessage, type Summary } from './messages';
import { loadState, StateLog, type StateDelta } from './persistence';
import type { QuorumProvider } from './quorum';
import { cloneState, emptyState, stateDigest, type StoreState } from './state';
import type { CpgMembershipChange, CpgTransport } from './transport';

export type StoreLog = (level: 'info' | 'warn' | 'error', message: string, meta?: Record<string, unknown>) => void;

export interface StoreOptions {
  transport: CpgTransport;
  quorum: QuorumProvider;
  registry: DocumentRegistry;
  /** Directory of this node's persisted state (store.json). */
  dir: string;
  /** The file operations on `dir`; node:fs unless a test injects disk faults. */
  disk?: StoreDisk;
  clock: Clock;
  /** Lock lifetime L; take it from leaseFromTimings() so the safety inequality is checked. */
  leaseMs: number;
  /** How often the expiry judge looks at the locks; leaseMs / 4 by default. */
  expiryCheckMs?: number;
  log?: StoreLog;
  /**
   * How many nodes the cluster has. A started node's copy is current only once it synchronised
   * with a member whose copy is current, or with this many members; until then writes are
   * refused and `current` is false (env.ts: report not quorate). Omitted: current after the first sync.
   */
  clusterSize?: number;
}

export interface LockView {
  holder: number;
  generation: number;
  /** Milliseconds since this node first saw this generation (its local monotonic clock). */
  ageMs: number;
  /** Held under this node's id, but granted to an earlier run of it, not to this process (see ownLocks). */
  previousRun: boolean;
  /**
   * For a lock this process holds: ms since it sent the request that granted the current
   * generation, the holder's own measure of freshness. `ageMs` counts from when this copy first
   * saw the generation, which an adopted state or a restart moves later: right for a taker (it
   * waits longer), too fresh for the holder. Null for other holders' locks and when this process
   * does not know (a lock adopted from the previous daemon, before its first own renewal).
   */
  confirmedAgeMs: number | null;
}

export interface StoreStatus {
  nodeId: number;
  members: number[];
  quorate: boolean;
  /** True between a membership change and the end of the state exchange: writes are refused. */
  syncing: boolean;
  epoch: number;
  version: number;
  digest: string;
  demoted: boolean;
  /** False after a start until this copy synchronised with a current copy or with the whole cluster. */
  current: boolean;
  /** Set when the persisted file was corrupt at start: the reason, until a peer's state replaced it. */
  corruptFile: string | null;
  /** Set while this node cannot record HA state on its disk (the disk error): writes are refused until a record succeeds again. */
  diskProblem: string | null;
}

interface Pending {
  resolve: (result: ApplyResult & { version: number }) => void;
  reject: (err: Error) => void;
  /** Local monotonic time the request was handed to CPG. */
  sentAt: number;
}

/**
 * A replicated, persisted document store over CPG. Writes are CPG messages applied in agreed
 * order on every member and persisted before they count as applied; a write's promise resolves
 * once the local node applied it. After a membership change the members exchange summaries
 * (epoch, version, digest) and adopt one state chosen by the heal rule before writes resume.
 */
export class ClusterStore {
  private state: StoreState;
  private members: number[] = [];
  private syncing = true;
  private summaries = new Map<number, Summary>();
  /** The first applied write after a sync starts a new epoch. */
  private epochPending = false;
  private readonly pending = new Map<number, Pending>();
  private nextRequest = 1;
  /** Lock name → local monotonic time this node first saw the current generation. */
  private readonly lockSeenAt = new Map<string, number>();
  /**
   * Locks held under this node's id that this process was granted (or adopted). Lock holders are
   * node ids, so a node that comes back after a reset finds its previous run's locks under its
   * own id, their ages counted from its boot. Those are not its own: renewing one would keep a
   * lock alive that nobody on this node earned, and using it would start services the moment the
   * node rejoins, on a lock whose real age only the others know. They count as another holder's
   * (HA adapter) and are neither renewed, released nor used as a guard by this process, so they
   * expire like a dead node's and the node starts only under a lock it claimed anew
   * (docs/design/safety.md: a node that rejoins after a reset waits for the manager).
   */
  private readonly ownLocks = new Set<string>();
  /** Lock name → generation → when this process sent the request that got it granted (confirmedAgeMs). */
  private readonly ownSentAt = new Map<string, Map<number, number>>();
  /** Lock name → generation for which this node already sent an expiry. */
  private readonly expirySent = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private isCurrent = false;
  private corruptFile: string | null = null;
  /** Group commit: changes applied in one turn of the event loop reach disk in one write. */
  private flushScheduled = false;
  private dirty = false;
  /** A record failed: the next one writes the whole state (the deltas since are not on disk). */
  private wholeStateDue = false;
  /** The last disk error while the disk refuses to record; null while records succeed. */
  private diskError: StoreDiskError | null = null;
  private readonly unpersistedReplies: Array<{ resolve: () => void; reject: (err: Error) => void }> = [];
  /** Write-ahead log: a group commit appends what it changed; a replaced state is written whole. */
  private readonly wal: StateLog;
  private readonly touchedDocs = new Map<string, [string, string]>();
  private readonly touchedLocks = new Set<string>();
  private closed = false;
  private cancelTimer: () => void = () => undefined;
  private readonly unsubscribeQuorum: () => void;
  private readonly log: StoreLog;

  constructor(private readonly opts: StoreOptions) {
    this.log = opts.log ?? (() => undefined);
    this.wal = new StateLog(opts.dir, opts.disk);
    this.state = this.loadOwnState();
    this.unsubscribeQuorum = opts.quorum.onChange((quorate) => this.onQuorumChange(quorate));
    opts.transport.join({
      deliver: (sender, data) => this.onDeliver(sender, data),
      confchg: (change) => this.onConfchg(change),
    });
    this.scheduleExpiryCheck();
  }

  get nodeId(): number {
    return this.opts.transport.localNodeId;
  }

  // ---- reads (local) ----

  get<T>(type: DocumentType<T>, key: string): T | undefined {
    return this.state.docs[type.name]?.[key] as T | undefined;
  }

  /** All documents of a type, keys ascending. */
  entries<T>(type: DocumentType<T>): Array<[string, T]> {
    return Object.entries(this.state.docs[type.name] ?? {}).sort(([a], [b]) => a.localeCompare(b)) as Array<[string, T]>;
  }

  lock(name: string): LockView | undefined {
    const rec = this.state.locks[name];
    if (rec === undefined) return undefined;
    return {
      holder: rec.holder, generation: rec.generation, ageMs: this.opts.clock.now() - (this.lockSeenAt.get(name) ?? this.opts.clock.now()),
      previousRun: this.isPreviousRun(name), confirmedAgeMs: this.confirmedAge(name, rec.generation),
    };
  }

  locks(): Record<string, LockView> {
    const out: Record<string, LockView> = {};
    for (const name of Object.keys(this.state.locks).sort()) out[name] = this.lock(name) as LockView;
    return out;
  }

  /** See StoreOptions.clusterSize: the HA layer reports quorate only while this is true. */
  get current(): boolean {
    return this.isCurrent;
  }

  /** Why this node cannot record HA state now (its disk error), or null: the HA layer takes no new work meanwhile. */
  get diskProblem(): string | null {
    return this.diskError?.message ?? null;
  }

  /** True between a membership change and the end of the state exchange (cheap; status() hashes the state). */
  get synchronising(): boolean {
    return this.syncing;
  }

  status(): StoreStatus {
    return {
      nodeId: this.nodeId, members: [...this.members], quorate: this.opts.quorum.isQuorate(), syncing: this.syncing,
      epoch: this.state.epoch, version: this.state.version, digest: stateDigest(this.state), demoted: this.state.demoted,
      corruptFile: this.corruptFile, current: this.isCurrent, diskProblem: this.diskProblem,
    };
  }

  /** A copy of the whole replicated state (for tests, the CLI and the HA adapter's snapshots). */
  snapshot(): StoreState {
    return cloneState(this.state);
  }

  /** Called after every applied change, membership change (writes pause) and completed sync. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  // ---- writes (replicated) ----

  /** Sets a document; resolves with the version at which every member applies it. */
  async put<T>(type: DocumentType<T>, key: string, value: T): Promise<number> {
    this.opts.registry.check(type.name, key, value);
    return this.mustApply({ kind: 'put', type: type.name, key, value });
  }

  async delete<T>(type: DocumentType<T>, key: string): Promise<number> {
    return this.mustApply({ kind: 'delete', type: type.name, key });
  }

  /** Appends to a queue document (type validated as an array of items). */
  async append<T>(type: DocumentType<T[]>, key: string, item: T): Promise<number> {
    return this.mustApply({ kind: 'append', type: type.name, key, item });
  }

  /** Removes the first `count` items of a queue document, e.g. the commands a consumer handled. */
  async shift<T>(type: DocumentType<T[]>, key: string, count: number): Promise<number> {
    return this.mustApply({ kind: 'shift', type: type.name, key, count });
  }

  private confirmedAge(name: string, generation: number): number | null {
    const sentAt = this.ownLocks.has(name) ? this.ownSentAt.get(name)?.get(generation) : undefined;
    return sentAt === undefined ? null : this.opts.clock.now() - sentAt;
  }

  /** Whether this process holds `name` (granted to it, or adopted). */
  ownsLock(name: string): boolean {
    return this.state.locks[name]?.holder === this.nodeId && this.ownLocks.has(name);
  }

  private isPreviousRun(name: string): boolean {
    return this.state.locks[name]?.holder === this.nodeId && !this.ownLocks.has(name);
  }

  /**
   * Takes a lock held under this node's id for this process: only for a daemon restart without a
   * node reset, which took over its predecessor's watchdog lease (the node stayed self-fenced
   * throughout, lrm.ts handOver). False when the lock is not held under this id.
   */
  adoptLock(name: string): boolean {
    if (this.state.locks[name]?.holder !== this.nodeId) return false;
    this.ownLocks.add(name);
    return true;
  }

  /** Acquires or renews a lock for this node; false when another node (or a previous run of this one) holds it. */
  async acquireLock(name: string): Promise<boolean> {
    if (this.isPreviousRun(name)) return false;
    return (await this.submit({ kind: 'acquire', lock: name })).ok;
  }

  /** Acquires a free lock only (not even one this node's id holds: a previous run may hold it). */
  async claimLock(name: string): Promise<boolean> {
    return (await this.submit({ kind: 'claim', lock: name })).ok;
  }

  /** Renews a lock this node holds; false when it holds it no longer (expired or released) or a previous run holds it. */
  async renewLock(name: string): Promise<boolean> {
    if (this.isPreviousRun(name)) return false;
    return (await this.submit({ kind: 'renew', lock: name })).ok;
  }

  /** Sets a document only if this node holds `lock` where the write falls in the agreed order. */
  async putGuarded<T>(type: DocumentType<T>, key: string, value: T, lock: string): Promise<number> {
    this.opts.registry.check(type.name, key, value);
    if (this.isPreviousRun(lock)) throw new InvalidDocumentError(`write of ${type.name}/${key} needs lock ${lock}, which a previous run of this node holds`);
    return this.mustApply({ kind: 'put', type: type.name, key, value, guardLock: lock });
  }

  /**
   * Changes a document by its type's patcher at the patch's place in the agreed order (see
   * DocumentType.patch); with `guardLock`, only while this node holds that lock there. Resolves
   * with the version and the value the patch produced; rejects with the patcher's reason.
   */
  async patch<T>(type: DocumentType<T>, key: string, patch: unknown, guardLock?: string): Promise<{ version: number; value: T }> {
    if (guardLock !== undefined && this.isPreviousRun(guardLock)) throw new InvalidDocumentError(`patch of ${type.name}/${key} needs lock ${guardLock}, which a previous run of this node holds`);
    const op: Operation = guardLock === undefined ? { kind: 'patch', type: type.name, key, patch } : { kind: 'patch', type: type.name, key, patch, guardLock };
    const result = await this.submit(op);
    if (!result.ok) throw new InvalidDocumentError(result.reason ?? 'refused');
    return { version: result.version, value: result.value as T };
  }

  /** Releases a lock this node holds; false when it did not hold it. */
  async releaseLock(name: string): Promise<boolean> {
    if (this.isPreviousRun(name)) return false;
    return (await this.submit({ kind: 'release', lock: name })).ok;
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.cancelTimer();
    this.unsubscribeQuorum();
    this.abortPending('the store was closed');
    this.opts.transport.leave();
    try {
      this.wal.close();
    } catch (err) {
      if (!(err instanceof StoreDiskError)) throw err;
      this.log('error', `closing the store: ${err.message}`);
    }
  }

  private async mustApply(op: Operation): Promise<number> {
    const result = await this.submit(op);
    if (!result.ok) throw new InvalidDocumentError(result.reason ?? 'refused');
    return result.version;
  }

  private submit(op: Operation): Promise<ApplyResult & { version: number }> {
    if (this.closed) return Promise.reject(new NotWritableError('the store is closed'));
    if (this.syncing) return Promise.reject(new NotWritableError(`node ${this.nodeId} is synchronising state after a membership change; retry`));
    if (!this.opts.quorum.isQuorate()) return Promise.reject(new NotWritableError(`node ${this.nodeId} is not in a quorate partition; the store is read-only`));
    if (!this.isCurrent) return Promise.reject(new NotWritableError(`node ${this.nodeId} has not yet joined a current copy of the store or the whole cluster since it started`));
    if (this.corruptFile !== null) return Promise.reject(new NotWritableError(`node ${this.nodeId} has not yet replaced its corrupt state from a peer (${this.corruptFile})`));
    // An expiry is the judge's verdict by its clock, not a write it needs acknowledged: the other
    // members record it, and without it no member could take a dead node's lock meanwhile. A
    // renewal of a lock this process holds likewise: it is confirmed by its delivery in the agreed
    // order, the others record it, and this node never relies on its own record of a lock (a
    // restart makes it a previous run's, ownLocks), so the services it protects keep running.
    if (this.diskError !== null && op.kind !== 'expire' && !(op.kind === 'renew' && this.ownsLock(op.lock))) return Promise.reject(new NotWritableError(`node ${this.nodeId} cannot record HA state (${this.diskError.message}); writes are refused until its disk accepts them again`));
    const req = this.nextRequest++;
    return new Promise((resolve, reject) => {
      this.pending.set(req, { resolve, reject, sentAt: this.opts.clock.now() });
      try {
        this.send({ t: 'op', req, op });
      } catch (err) {
        this.pending.delete(req);
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private send(message: StoreMessage): void {
    this.opts.transport.mcast(encodeMessage(message));
  }

  // ---- the agreed stream ----

  private onDeliver(sender: number, data: Buffer): void {
    if (this.closed) return;
    let message: StoreMessage;
    try {
      message = decodeMessage(data);
    } catch (err) {
      if (!(err instanceof BadMessageError)) throw err;
      this.log('warn', `dropped a message from node ${sender}: ${err.message}`);
      return;
    }
    switch (message.t) {
      case 'op': this.onOperation(sender, message.req, message.op); break;
      case 'summary': this.onSummary(sender, message); break;
      case 'snapshot': this.onSnapshot(sender, message.members, message.state); break;
    }
  }

  private onOperation(sender: number, req: number, op: Operation): void {
    // Every member is syncing at the same point of the stream (virtual synchrony), so every
    // member discards the same operations here; their senders already rejected them.
    if (this.syncing) return;
    const own = sender === this.nodeId ? this.pending.get(req) : undefined;
    const result = applyOperation(this.state, this.opts.registry, sender, op);
    if (result.changed) {
      this.state.demoted = false;
      if (this.epochPending) {
        this.state.epoch += 1;
        this.state.epochMembers = [...this.members];
        this.epochPending = false;
      }
      this.trackLock(op, own?.sentAt);
      this.trackOwnLock(sender, op, own?.sentAt);
      this.touch(op);
      this.dirty = true;
    }
    if (own !== undefined) {
      this.pending.delete(req);
      const reply = { ...result, version: this.state.version };
      // Acknowledged only once on disk: the reply waits for the group commit.
      this.unpersistedReplies.push({ resolve: () => own.resolve(reply), reject: own.reject });
    }
    this.scheduleFlush();
    if (result.changed) this.notify();
  }

  private touch(op: Operation): void {
    if ('type' in op) this.touchedDocs.set(`${op.type}\0${op.key}`, [op.type, op.key]);
    else this.touchedLocks.add(op.lock);
  }

  /**
   * A lock's age counts from when this node saw its generation granted or renewed; this node's
   * own grant or renewal counts from when it sent the request, which bounds how long after it
   * lost contact a cut-off node can still hold a fresh lock (startup-check.ts, renewStaleMs).
   */
  private trackLock(op: Operation, sentAt: number | undefined): void {
    if (op.kind === 'acquire' || op.kind === 'claim' || op.kind === 'renew') this.lockSeenAt.set(op.lock, sentAt ?? this.opts.clock.now());
    else if (op.kind === 'release' || op.kind === 'expire') this.lockSeenAt.delete(op.lock);
  }

  /**
   * Own grants and renewals (this process's requests) make a lock this run's and record when each
   * granted generation was sent; any other change ends that. The generations of the last lease
   * are kept: a state adopted on a heal holds one of them (nobody else renews this node's lock).
   */
  private trackOwnLock(sender: number, op: Operation, sentAt: number | undefined): void {
    if ('type' in op) return;
    const generation = this.state.locks[op.lock]?.generation;
    if (sentAt !== undefined && generation !== undefined && (op.kind === 'acquire' || op.kind === 'claim' || op.kind === 'renew')) {
      this.ownLocks.add(op.lock);
      const sent = this.ownSentAt.get(op.lock) ?? new Map<number, number>();
      for (const [g, at] of sent) if (at < sentAt - this.opts.leaseMs) sent.delete(g);
      this.ownSentAt.set(op.lock, sent.set(generation, sentAt));
    } else if (sender !== this.nodeId || op.kind === 'release' || op.kind === 'expire') {
      this.ownLocks.delete(op.lock);
      this.ownSentAt.delete(op.lock);
    }
  }

  private onConfchg(change: CpgMembershipChange): void {
    if (this.closed) return;
    this.members = [...new Set(change.members)].sort((a, b) => a - b);
    this.syncing = true;
    this.summaries.clear();
    this.abortPending('the membership changed before the request was applied; it had no effect, retry');
    this.notify();
    if (!this.members.includes(this.nodeId)) return;
    this.log('info', 'membership changed, exchanging state', { members: this.members, left: change.left, joined: change.joined });
    this.send({ t: 'summary', members: this.members, ...this.summary() });
  }

  private summary(): Summary {
    const s = this.state;
    return { epoch: s.epoch, epochMembers: s.epochMembers, version: s.version, digest: stateDigest(s), demoted: s.demoted, current: this.isCurrent };
  }

  private sameMembers(members: number[]): boolean {
    return members.length === this.members.length && members.every((m, i) => m === this.members[i]);
  }

  private onSummary(sender: number, message: Summary & { members: number[] }): void {
    if (!this.syncing || !this.sameMembers(message.members) || !this.members.includes(sender)) return;
    this.summaries.set(sender, message);
    if (this.summaries.size < this.members.length) return;
    const winner = this.winner();
    if ([...this.summaries.values()].every((s) => s.digest === winner.digest)) {
      this.finishSync(winner);
    } else if (winner.nodeId === this.nodeId) {
      this.send({ t: 'snapshot', members: this.members, state: this.state });
    }
  }

  private winner(): Candidate {
    return pickWinner([...this.summaries].map(([nodeId, s]) => ({ nodeId, ...s })));
  }

  private onSnapshot(sender: number, members: number[], state: StoreState): void {
    if (!this.syncing || !this.sameMembers(members) || this.summaries.size < this.members.length) return;
    const winner = this.winner();
    if (sender !== winner.nodeId) return;
    if (stateDigest(this.state) !== winner.digest) {
      if (stateDigest(state) !== winner.digest) {
        this.log('error', `snapshot from node ${sender} does not match its announced digest; waiting for the next membership change`);
        return;
      }
      this.log('info', `adopting the state of node ${sender}`, { epoch: state.epoch, version: state.version, was: { epoch: this.state.epoch, version: this.state.version } });
      this.state = cloneState(state);
      this.corruptFile = null;
      // Renewals in an adopted state were not seen here: their ages count from now.
      this.lockSeenAt.clear();
    }
    this.finishSync(winner);
  }

  private finishSync(winner: Candidate): void {
    this.syncing = false;
    this.isCurrent ||= [...this.summaries.values()].some((s) => s.current) || this.members.length >= (this.opts.clusterSize ?? 0);
    this.epochPending = true;
    // A lock this member saw granted or renewed keeps its age: its copy was already the agreed
    // one. Locks it did not see (an adopted state, a copy loaded from disk) count from now, so no
    // member expires a lock sooner than L after it first saw it.
    const now = this.opts.clock.now();
    this.expirySent.clear();
    for (const name of this.lockSeenAt.keys()) if (this.state.locks[name] === undefined) this.lockSeenAt.delete(name);
    for (const name of this.ownLocks) {
      if (this.state.locks[name]?.holder === this.nodeId) continue;
      this.ownLocks.delete(name);
      this.ownSentAt.delete(name);
    }
    for (const name of Object.keys(this.state.locks)) if (!this.lockSeenAt.has(name)) this.lockSeenAt.set(name, now);
    this.persist();
    this.log('info', 'state synchronised', { winner: winner.nodeId, epoch: this.state.epoch, version: this.state.version });
    this.notify();
  }

  private onQuorumChange(quorate: boolean): void {
    if (quorate || this.closed || this.state.demoted) return;
    // This node may have been on the wrong side of a split while it believed it was quorate.
    this.state.demoted = true;
    this.persist();
  }

  // ---- lock expiry: judged by the lowest-id member, applied in agreed order ----

  private scheduleExpiryCheck(): void {
    if (this.closed) return;
    this.cancelTimer = this.opts.clock.setTimer(this.opts.expiryCheckMs ?? Math.max(1, Math.floor(this.opts.leaseMs / 4)), () => {
      // A disk that refused is tried again at this pace; the first record that succeeds ends the refusal.
      if (this.diskError !== null) this.record();
      this.judgeExpiry();
      this.scheduleExpiryCheck();
    });
  }

  private judgeExpiry(): void {
    if (this.syncing || this.members[0] !== this.nodeId || !this.opts.quorum.isQuorate()) return;
    const now = this.opts.clock.now();
    for (const [name, rec] of Object.entries(this.state.locks)) {
      const seen = this.lockSeenAt.get(name) ?? now;
      if (now - seen <= this.opts.leaseMs || this.expirySent.get(name) === rec.generation) continue;
      this.expirySent.set(name, rec.generation);
      this.log('info', `lock ${name} of node ${rec.holder} expired`, { generation: rec.generation, ageMs: now - seen });
      this.submit({ kind: 'expire', lock: name, generation: rec.generation }).catch(() => this.expirySent.delete(name));
    }
  }

  // ---- local state ----

  private loadOwnState(): StoreState {
    try {
      return loadState(this.opts.dir, (message) => this.log('warn', message), this.opts.disk) ?? emptyState();
    } catch (err) {
      if (!(err instanceof CorruptStateError)) throw err;
      this.log('error', err.message);
      this.corruptFile = err.message;
      // Loses to every peer's state under the heal rule; replaced at the first sync with one.
      return { ...emptyState(), epoch: -1, version: -1, demoted: true };
    }
  }

  /** Writes the whole state (after a sync or a flag change): a snapshot, the log emptied. */
  private persist(): void {
    this.wholeStateDue = true;
    this.record();
  }

  /** What the operations since the last commit changed. */
  private delta(): StateDelta {
    return {
      epoch: this.state.epoch, epochMembers: this.state.epochMembers, version: this.state.version, demoted: this.state.demoted,
      docs: [...this.touchedDocs.values()].map(([type, key]) => {
        const docs = this.state.docs[type];
        return docs !== undefined && key in docs ? [type, key, docs[key]] : [type, key];
      }),
      locks: [...this.touchedLocks].map((name) => [name, this.state.locks[name] ?? null]),
    };
  }

  /**
   * Brings the disk up to the state in memory: one log append with what changed (the log folded
   * once it is long), or the whole state when one is due. False when the disk refused: then the
   * next record writes the whole state, and the refusal is logged once, not once per write.
   */
  private record(): boolean {
    try {
      if (this.wholeStateDue || !this.wal.append(this.delta())) this.wal.compact(this.state);
    } catch (err) {
      if (!(err instanceof StoreDiskError)) throw err;
      this.wholeStateDue = true;
      this.dirty = true;
      this.touchedDocs.clear();
      this.touchedLocks.clear();
      const first = this.diskError === null;
      this.diskError = err;
      if (first) {
        this.log('error', `cannot record HA state: ${err.message}; this node refuses writes and takes no new HA work until its disk accepts them again`, { code: err.code });
        this.notify();
      }
      return false;
    }
    this.wholeStateDue = false;
    this.dirty = false;
    this.touchedDocs.clear();
    this.touchedLocks.clear();
    if (this.diskError !== null) {
      this.log('info', `HA state recorded again (the whole state, version ${this.state.version}) after: ${this.diskError.message}`);
      this.diskError = null;
      this.notify();
    }
    return true;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes the state once for everything applied since the last flush, then acknowledges; a refused record is reported to each writer instead. */
  private flush(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    const recorded = !this.dirty || this.record();
    for (const reply of this.unpersistedReplies.splice(0)) {
      if (recorded) reply.resolve();
      else reply.reject(new NotRecordedError(`node ${this.nodeId} could not record the write on its disk (${this.diskError?.message}): it is not acknowledged; the other members may have applied it`));
    }
  }

  private abortPending(reason: string): void {
    for (const waiter of this.pending.values()) waiter.reject(new WriteAbortedError(reason));
    this.pending.clear();
  }

  private notify(): void {
    for (const listener of this.listeners) listener();
  }
}

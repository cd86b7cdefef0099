/**
 * Runs inside a lab node (`node dist/test/lab/native/probes/probe.js`) and drives the addon's
 * wrappers for a test in the root namespace. Protocol, one JSON document per line:
 *   stdin:  {"id": 1, "op": "cpg.join", "args": {...}}
 *   stdout: {"id": 1, "ok": true, "result": ...} | {"id": 1, "ok": false, "error": {...}}
 *           {"event": "cpg.deliver", "data": {...}}   (asynchronous library events)
 * bigints travel as strings.
 */
import { readdirSync } from 'node:fs';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Cmap } from '../../../../src/native/cmap';
import { Cpg } from '../../../../src/native/cpg';
import { Quorum } from '../../../../src/native/quorum';
import type { RingId } from '../../../../src/native/ring-id';
import { Votequorum } from '../../../../src/native/votequorum';
import { CorosyncMembership } from '../../../../src/quorum/corosync-membership';
import { sendLine, serveProbe } from './serve';

type Args = Record<string, unknown>;

const send = sendLine;

const event = (name: string) => (data: unknown) => send({ event: name, data });

let cpg: Cpg | undefined;
let quorum: Quorum | undefined;
let votequorum: Votequorum | undefined;
let ringId: RingId | undefined;
let cmap: Cmap | undefined;

function need<T>(handle: T | undefined, what: string): T {
  if (handle === undefined) throw new Error(`${what} is not open`);
  return handle;
}

const ops: Record<string, (args: Args) => unknown> = {
  'cpg.open': ({ group }) => {
    cpg = Cpg.open();
    cpg.on('deliver', (m) => event('cpg.deliver')({ nodeId: m.nodeId, text: m.data.toString() }));
    cpg.on('confchg', event('cpg.confchg'));
    cpg.on('totemConfchg', event('cpg.totemConfchg'));
    cpg.on('error', (err) => event('cpg.error')({ message: err.message }));
    cpg.join(String(group));
    return cpg.localNodeId();
  },
  /**
   * Sends count messages "<prefix><i>", yielding briefly after every ten so that bursts from two
   * nodes overlap in time (retrying while corosync says TRY_AGAIN).
   */
  'cpg.burst': async ({ prefix, count }) => {
    const handle = need(cpg, 'cpg');
    for (let i = 0; i < Number(count); i++) {
      if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 1));
      for (;;) {
        try {
          handle.send(`${String(prefix)}${i}`);
          break;
        } catch (err) {
          if ((err as { code?: unknown }).code !== 'CS_ERR_TRY_AGAIN') throw err;
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      }
    }
    return count;
  },
  /** The next delivery closes the handle from inside the deliver listener. */
  'cpg.closeOnNextDeliver': () => {
    const handle = need(cpg, 'cpg');
    handle.once('deliver', () => {
      handle.close();
      event('cpg.closedInCallback')({ closed: handle.closed });
    });
    return true;
  },
  'quorum.open': () => {
    quorum = Quorum.open();
    quorum.on('quorum', event('quorum.quorum'));
    quorum.trackStart();
    return quorum.quorate();
  },
  'votequorum.open': () => {
    votequorum = Votequorum.open();
    votequorum.on('nodelist', (n) => {
      ringId = n.ringId;
      event('votequorum.nodelist')(n);
    });
    votequorum.trackStart();
    return true;
  },
  'votequorum.getInfo': ({ nodeId }) => need(votequorum, 'votequorum').getInfo(Number(nodeId)),
  'votequorum.register': ({ name }) => need(votequorum, 'votequorum').qdeviceRegister(String(name)),
  'votequorum.unregister': ({ name }) => need(votequorum, 'votequorum').qdeviceUnregister(String(name)),
  'votequorum.update': ({ oldName, newName }) => need(votequorum, 'votequorum').qdeviceUpdate(String(oldName), String(newName)),
  'votequorum.masterWins': ({ name, allow }) => need(votequorum, 'votequorum').qdeviceMasterWins(String(name), allow === true),
  'votequorum.poll': ({ name, castVote }) =>
    need(votequorum, 'votequorum').qdevicePoll(String(name), castVote === true, need(ringId, 'ring id')),
  'cmap.open': () => {
    cmap = Cmap.open();
    cmap.on('change', event('cmap.change'));
    return true;
  },
  'cmap.get': ({ key }) => need(cmap, 'cmap').get(String(key)),
  'cmap.iterate': ({ prefix }) => need(cmap, 'cmap').iterate(String(prefix)),
  'cmap.track': ({ key }) => need(cmap, 'cmap').track(String(key)),
  /**
   * Opens CPG handles, unrefs them and drops them without close(): garbage collection must
   * finalize them. A referenced handle stays alive like a socket (it keeps the process alive).
   */
  'gc.abandon': ({ count }) => {
    for (let i = 0; i < Number(count); i++) Cpg.open().setRef(false);
    return openFds();
  },
  /** Collects garbage (the probe runs with --expose-gc) and reports the open fds afterwards. */
  'gc.collect': async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    if (gc === undefined) throw new Error('the probe runs without --expose-gc');
    for (let round = 0; round < 3; round++) {
      gc();
      await nextTurn();
    }
    return openFds();
  },
  'fds': () => openFds(),
  'membership.snapshot': async () => {
    const membership = await CorosyncMembership.open();
    try {
      return membership.current();
    } finally {
      membership.close();
    }
  },
};

function openFds(): number {
  return readdirSync('/proc/self/fd').length;
}

// The test closes stdin to end the probe; handles are finalized on the way out.
serveProbe(ops, () => {
  for (const h of [cpg, quorum, votequorum, cmap]) h?.close();
});

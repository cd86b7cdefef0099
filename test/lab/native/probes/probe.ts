/**
 * Runs inside a lab node (`node dist/test/lab/native/probes/probe.js`) and drives the addon's
 * wrappers for a test in the root namespace. Protocol, one JSON document per line:
 *   stdin:  {"id": 1, "op": "cpg.join", "args": {...}}
 *   stdout: {"id": 1, "ok": true, "result": ...} | {"id": 1, "ok": false, "error": {...}}
 *           {"event": "cpg.deliver", "data": {...}}   (asynchronous library events)
 * bigints travel as strings.
 */
import { createInterface } from 'node:readline';
import { Cmap } from '../../../../src/native/cmap';
import { Cpg } from '../../../../src/native/cpg';
import { Quorum } from '../../../../src/native/quorum';
import type { RingId } from '../../../../src/native/ring-id';
import { Votequorum } from '../../../../src/native/votequorum';
import { CorosyncMembership } from '../../../../src/quorum/corosync-membership';

type Args = Record<string, unknown>;

function send(message: object): void {
  process.stdout.write(`${JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
}

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
  /** Sends count messages "<prefix><i>" back to back (retrying while corosync says TRY_AGAIN). */
  'cpg.burst': async ({ prefix, count }) => {
    const handle = need(cpg, 'cpg');
    for (let i = 0; i < Number(count); i++) {
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
  'membership.snapshot': async () => {
    const membership = await CorosyncMembership.open();
    try {
      return membership.current();
    } finally {
      membership.close();
    }
  },
};

async function handle(line: string): Promise<void> {
  let id: unknown;
  try {
    const request = JSON.parse(line) as { id: unknown; op: string; args?: Args };
    id = request.id;
    const op = ops[request.op];
    if (op === undefined) throw new Error(`unknown probe op ${request.op}`);
    send({ id, ok: true, result: (await op(request.args ?? {})) ?? null });
  } catch (err) {
    const e = err as Error & { code?: unknown; call?: unknown };
    send({ id, ok: false, error: { name: e.name, message: e.message, code: e.code, call: e.call } });
  }
}

const input = createInterface({ input: process.stdin });
input.on('line', (line) => void handle(line));
// The test closes stdin to end the probe; handles are finalized on the way out.
input.on('close', () => {
  for (const h of [cpg, quorum, votequorum, cmap]) h?.close();
  process.exit(0);
});
send({ event: 'ready', data: process.pid });

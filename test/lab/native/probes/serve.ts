import { createInterface } from 'node:readline';

/** One operation a probe offers; its result is sent back as JSON. */
export type ProbeOps = Record<string, (args: Record<string, unknown>) => unknown>;

/** Writes one JSON document per line to stdout (bigints as strings). */
export function sendLine(message: object): void {
  process.stdout.write(`${JSON.stringify(message, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}\n`);
}

/**
 * The probes' JSON-lines protocol: answers each stdin request {"id","op","args"} with
 * {"id","ok":true,"result"} or {"id","ok":false,"error"}; when the test closes stdin, runs
 * `onClose` and exits. Announces {"event":"ready"} once listening.
 */
export function serveProbe(ops: ProbeOps, onClose: () => void): void {
  const handle = async (line: string): Promise<void> => {
    let id: unknown;
    try {
      const request = JSON.parse(line) as { id: unknown; op: string; args?: Record<string, unknown> };
      id = request.id;
      const op = ops[request.op];
      if (op === undefined) throw new Error(`unknown probe op ${request.op}`);
      sendLine({ id, ok: true, result: (await op(request.args ?? {})) ?? null });
    } catch (err) {
      const e = err as Error & { code?: unknown; call?: unknown };
      sendLine({ id, ok: false, error: { name: e.name, message: e.message, code: e.code, call: e.call } });
    }
  };
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => void handle(line));
  input.on('close', () => {
    onClose();
    process.exit(0);
  });
  sendLine({ event: 'ready', data: process.pid });
}

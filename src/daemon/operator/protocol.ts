/**
 * The operator socket's wire format: newline-delimited JSON. A request is
 * `{"id": 1, "verb": "status" | "queue-command" | "edit-config", "args": {...}}`; the answer
 * echoes the id with `{"ok": true, "result": ...}` or `{"ok": false, "error": "...", "code": ...}`.
 */
import { fail, fields } from '../../ha/shape';

export const operatorVerbs = ['status', 'queue-command', 'edit-config'] as const;
export type OperatorVerb = (typeof operatorVerbs)[number];

/** invalid: bad request or arguments; refused: the cluster cannot take it now; internal: a daemon fault. */
export type OperatorErrorCode = 'invalid' | 'refused' | 'internal';

export interface OperatorRequest {
  id: number | string;
  verb: OperatorVerb;
  args: Record<string, unknown>;
}

export function parseOperatorRequest(message: unknown): OperatorRequest {
  const f = fields(message, 'request');
  if (typeof f.id !== 'string' && !Number.isSafeInteger(f.id)) fail('request id must be an integer or a string');
  const verb = f.verb as OperatorVerb;
  if (!operatorVerbs.includes(verb)) fail(`verb must be one of ${operatorVerbs.join(', ')}, not ${JSON.stringify(f.verb)}`);
  return { id: f.id as number | string, verb, args: f.args === undefined ? {} : fields(f.args, 'args') };
}

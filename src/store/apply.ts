import type { DocumentRegistry } from './documents';
import type { Operation } from './messages';
import type { StoreState } from './state';

/** What applying one operation did: `changed` bumps the version; `ok` is false for a refused lock request. */
export interface ApplyResult {
  changed: boolean;
  ok: boolean;
  /** Why a request was refused or ignored. */
  reason?: string;
  /** For a patch: the document's value it produced. */
  value?: unknown;
}

function docsOf(state: StoreState, type: string): Record<string, unknown> {
  let docs = state.docs[type];
  if (docs === undefined) {
    docs = {};
    state.docs[type] = docs;
  }
  return docs;
}

/**
 * Applies one operation from `sender` to `state` in place. Pure and deterministic: every member
 * applies the same operations in the same order and reaches the same state. Values are validated
 * again here, so a bad value from the wire is refused identically everywhere.
 */
export function applyOperation(state: StoreState, registry: DocumentRegistry, sender: number, op: Operation): ApplyResult {
  const nextVersion = state.version + 1;
  const refuse = (reason: string): ApplyResult => ({ changed: false, ok: false, reason });
  const done = (): ApplyResult => {
    state.version = nextVersion;
    return { changed: true, ok: true };
  };
  switch (op.kind) {
    case 'put':
    case 'patch':
    case 'append':
    case 'delete':
    case 'shift': {
      if (!registry.has(op.type)) return refuse(`unknown document type ${op.type}`);
      if ((op.kind === 'put' || op.kind === 'patch') && op.guardLock !== undefined && state.locks[op.guardLock]?.holder !== sender) {
        return refuse(`write of ${op.type}/${op.key} needs lock ${op.guardLock}, which node ${sender} does not hold`);
      }
      const docs = docsOf(state, op.type);
      try {
        if (op.kind === 'put') docs[op.key] = registry.check(op.type, op.key, op.value);
        else if (op.kind === 'patch') {
          const read = (type: string, key: string): unknown => structuredClone(state.docs[type]?.[key]);
          docs[op.key] = registry.patch(op.type, op.key, read(op.type, op.key), op.patch, { sender, read });
          state.version = nextVersion;
          return { changed: true, ok: true, value: structuredClone(docs[op.key]) };
        } else if (op.kind === 'delete') delete docs[op.key];
        else {
          const queue = docs[op.key] ?? [];
          if (!Array.isArray(queue)) return refuse(`${op.type}/${op.key} is not a queue`);
          const next = op.kind === 'append' ? [...queue, op.item] : queue.slice(op.count);
          docs[op.key] = registry.check(op.type, op.key, next);
        }
      } catch (err) {
        return refuse(err instanceof Error ? err.message : String(err));
      }
      return done();
    }
    case 'acquire': {
      const held = state.locks[op.lock];
      if (held !== undefined && held.holder !== sender) return refuse(`lock ${op.lock} is held by node ${held.holder}`);
      state.locks[op.lock] = { holder: sender, generation: nextVersion };
      return done();
    }
    case 'claim': {
      const held = state.locks[op.lock];
      if (held !== undefined) return refuse(`lock ${op.lock} is held by node ${held.holder}`);
      state.locks[op.lock] = { holder: sender, generation: nextVersion };
      return done();
    }
    case 'renew': {
      const held = state.locks[op.lock];
      if (held === undefined || held.holder !== sender) return refuse(`lock ${op.lock} is not held by node ${sender}`);
      state.locks[op.lock] = { holder: sender, generation: nextVersion };
      return done();
    }
    case 'release': {
      const held = state.locks[op.lock];
      if (held === undefined || held.holder !== sender) return refuse(`lock ${op.lock} is not held by node ${sender}`);
      delete state.locks[op.lock];
      return done();
    }
    case 'expire': {
      const held = state.locks[op.lock];
      if (held === undefined || held.generation !== op.generation) return refuse(`lock ${op.lock} was renewed or released since the expiry was judged`);
      delete state.locks[op.lock];
      return done();
    }
  }
}

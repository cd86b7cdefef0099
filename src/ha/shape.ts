/**
 * Checks for operator input that arrives as untyped JSON (the operator socket, config patches
 * from the store's wire). Each failure throws an InputError that names the bad argument.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

export function fail(message: string): never {
  throw new InputError(message);
}

export type Fields = Record<string, unknown>;

export function fields(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object`);
  return value as Fields;
}

export function text(value: unknown, what: string, pattern?: RegExp, hint?: string): string {
  if (typeof value !== 'string') fail(`${what} must be a string`);
  if (pattern !== undefined && !pattern.test(value)) fail(`${what} ${JSON.stringify(value)} is not valid${hint === undefined ? '' : `: ${hint}`}`);
  return value;
}

export function count(value: unknown, what: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) fail(`${what} must be a whole number >= 0, not ${JSON.stringify(value)}`);
  return value as number;
}

export function flag(value: unknown, what: string): boolean {
  if (typeof value !== 'boolean') fail(`${what} must be true or false`);
  return value;
}

export function oneOf<T extends string>(value: unknown, allowed: readonly T[], what: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    fail(`${what} must be one of ${allowed.join(', ')}, not ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function list<T>(value: unknown, what: string, item: (v: unknown, what: string) => T): T[] {
  if (!Array.isArray(value)) fail(`${what} must be a list`);
  return value.map((v, i) => item(v, `${what}[${i}]`));
}

export function record<T>(value: unknown, what: string, item: (v: unknown, what: string) => T): Record<string, T> {
  return Object.fromEntries(Object.entries(fields(value, what)).map(([k, v]) => [k, item(v, `${what}.${k}`)]));
}

/** An optional field: undefined stays undefined, anything else goes through `check`. */
export function optional<T>(value: unknown, what: string, check: (v: unknown, what: string) => T): T | undefined {
  return value === undefined ? undefined : check(value, what);
}

/**
 * JSON from operators (config files, scenario files, socket requests): parsed like JSON.parse,
 * but with the two things it lets through refused by name. A key that names part of an object's
 * prototype chain (`__proto__`, `constructor`, `prototype`) is never a setting of ours, and
 * copied with a spread or a merge it can change every object of the process; a number beyond a
 * double's range becomes Infinity and would reach a validator as a nonsense value. A leading
 * UTF-8 byte order mark (editors on other systems write one) is accepted.
 */

/** Keys that reach an object's prototype when assigned or merged: no setting is named like this. */
export const prototypeKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export class JsonInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonInputError';
  }
}

const byteOrderMark = '\uFEFF';

/** JSON.parse without a leading BOM, then `checkJsonValue`; every error names where. */
export function parseStrictJson(text: string): unknown {
  const body = text.startsWith(byteOrderMark) ? text.slice(byteOrderMark.length) : text;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new JsonInputError(`not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  checkJsonValue(value);
  return value;
}

/** Throws for a prototype key or an overflowed number anywhere in a parsed value, naming its path. */
export function checkJsonValue(value: unknown, path = ''): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new JsonInputError(`${path || 'the value'}: number out of range (beyond ±1.8e308)`);
  }
  if (typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkJsonValue(item, `${path}[${i}]`));
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    const where = path === '' ? key : `${path}.${key}`;
    if (prototypeKeys.has(key)) throw new JsonInputError(`${where}: unknown key (a prototype key is never a setting)`);
    checkJsonValue(item, where);
  }
}

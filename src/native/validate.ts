/** Argument checks shared by the wrappers: clear messages before anything reaches corosync. */

export function requireName(what: string, value: unknown, maxBytes: number, minBytes = 1): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string, got ${typeof value}`);
  const bytes = Buffer.byteLength(value);
  if (bytes < minBytes || bytes > maxBytes) {
    throw new RangeError(`${what} must be ${minBytes}..${maxBytes} bytes long, got ${bytes}: ${JSON.stringify(value)}`);
  }
  if (value.includes('\0')) throw new RangeError(`${what} must not contain NUL characters`);
  return value;
}

export function requireUint32(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`${what} must be an integer in 0..4294967295, got ${String(value)}`);
  }
  return value;
}

import { constants } from 'node:os';

/** corosync's cs_error_t values (corotypes.h) by number. */
export const csErrorNames: Readonly<Record<number, string>> = {
  1: 'CS_OK',
  2: 'CS_ERR_LIBRARY',
  3: 'CS_ERR_VERSION',
  4: 'CS_ERR_INIT',
  5: 'CS_ERR_TIMEOUT',
  6: 'CS_ERR_TRY_AGAIN',
  7: 'CS_ERR_INVALID_PARAM',
  8: 'CS_ERR_NO_MEMORY',
  9: 'CS_ERR_BAD_HANDLE',
  10: 'CS_ERR_BUSY',
  11: 'CS_ERR_ACCESS',
  12: 'CS_ERR_NOT_EXIST',
  13: 'CS_ERR_NAME_TOO_LONG',
  14: 'CS_ERR_EXIST',
  15: 'CS_ERR_NO_SPACE',
  16: 'CS_ERR_INTERRUPT',
  17: 'CS_ERR_NAME_NOT_FOUND',
  18: 'CS_ERR_NO_RESOURCES',
  19: 'CS_ERR_NOT_SUPPORTED',
  20: 'CS_ERR_BAD_OPERATION',
  21: 'CS_ERR_FAILED_OPERATION',
  22: 'CS_ERR_MESSAGE_ERROR',
  23: 'CS_ERR_QUEUE_FULL',
  24: 'CS_ERR_QUEUE_NOT_AVAILABLE',
  25: 'CS_ERR_BAD_FLAGS',
  26: 'CS_ERR_TOO_BIG',
  27: 'CS_ERR_NO_SECTIONS',
  28: 'CS_ERR_CONTEXT_NOT_FOUND',
  30: 'CS_ERR_TOO_MANY_GROUPS',
  100: 'CS_ERR_SECURITY',
};

export function csErrorName(code: number): string {
  return csErrorNames[code] ?? `CS_ERR_UNKNOWN_${code}`;
}

/** A corosync library call returned something other than CS_OK. */
export class CorosyncError extends Error {
  /** The cs_error_t name, e.g. "CS_ERR_TRY_AGAIN". */
  readonly code: string;
  /** The cs_error_t number. */
  readonly csError: number;
  /** The library call that failed, e.g. "cpg_mcast_joined". */
  readonly call: string;

  constructor(call: string, csError: number) {
    const code = csErrorName(csError);
    super(CorosyncError.describe(call, csError, code));
    this.name = 'CorosyncError';
    this.code = code;
    this.csError = csError;
    this.call = call;
  }

  /** True for errors worth retrying after a short wait (corosync busy, syncing, queue full). */
  get retryable(): boolean {
    return this.code === 'CS_ERR_TRY_AGAIN' || this.code === 'CS_ERR_QUEUE_FULL';
  }

  private static describe(call: string, csError: number, code: string): string {
    // CS_ERR_LIBRARY from an initialize means the IPC socket is not there: libqb's sockets are
    // abstract and so per network namespace.
    if (csError === 2 && /_initialize/.test(call)) {
      return `corosync is not running in this network namespace (${code} from ${call})`;
    }
    if (csError === 2 || csError === 9) {
      return `lost the connection to corosync (${code} from ${call})`;
    }
    return `${call} failed: ${code} (${csError})`;
  }
}

const errnoNames = new Map<number, string>(
  Object.entries(constants.errno).map(([name, value]) => [value, name]),
);

/** A system call on a device failed (the watchdog). */
export class DeviceError extends Error {
  /** The errno name, e.g. "ENOENT". */
  readonly code: string;
  readonly errno: number;
  readonly call: string;
  readonly path: string;

  constructor(call: string, errno: number, path: string) {
    const code = errnoNames.get(errno) ?? `E${errno}`;
    super(DeviceError.describe(call, errno, code, path));
    this.name = 'DeviceError';
    this.code = code;
    this.errno = errno;
    this.call = call;
    this.path = path;
  }

  private static describe(call: string, errno: number, code: string, path: string): string {
    if (call === 'open' && code === 'ENOENT') {
      return `watchdog device ${path} does not exist (ENOENT from open); load a driver such as softdog`;
    }
    if (code === 'ENOTTY') {
      return `${path} is not a watchdog device (ENOTTY from ${call})`;
    }
    if (call === 'open' && code === 'EBUSY') {
      return `watchdog device ${path} is already open by another process (EBUSY from open)`;
    }
    return `${call} on ${path} failed: ${code} (errno ${errno})`;
  }
}

/** A call on a handle after close(). */
export class HandleClosedError extends Error {
  readonly code = 'ERR_HANDLE_CLOSED';

  constructor(readonly call: string) {
    super(`${call} called on a closed handle`);
    this.name = 'HandleClosedError';
  }
}

/** What the addon reports for a failure (native/errors.cc). */
export interface NativeErrorDetails {
  kind: 'corosync' | 'errno' | 'closed';
  call: string;
  code: number;
  path?: string;
}

/** Registered with the addon so every native failure arrives as one of the classes above. */
export function createNativeError(details: NativeErrorDetails): Error {
  switch (details.kind) {
    case 'corosync':
      return new CorosyncError(details.call, details.code);
    case 'errno':
      return new DeviceError(details.call, details.code, details.path ?? '');
    case 'closed':
      return new HandleClosedError(details.call);
  }
}

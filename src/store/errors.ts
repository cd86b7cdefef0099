/** Errors the store reports to callers; each names what was refused and why. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A write or lock request made outside a quorate, synchronised partition. */
export class NotWritableError extends StoreError {}

/** A request sent before a membership change that was never applied; its effect did not happen. */
export class WriteAbortedError extends StoreError {}

/** A value that its document type's validator rejected, or an unknown document type. */
export class InvalidDocumentError extends StoreError {}

/** The persisted state file exists but cannot be trusted (bad checksum, truncated, wrong format). */
export class CorruptStateError extends StoreError {
  constructor(readonly file: string, reason: string) {
    super(`store state file ${file} is corrupt: ${reason}; it is ignored and replaced from a peer`);
  }
}

/**
 * The disk refused a step of reading or recording the store's files (ENOSPC, EROFS, EIO, a short
 * write): names the step, the file and the system error. Nothing it concerned was acknowledged.
 */
export class StoreDiskError extends StoreError {
  constructor(readonly action: string, readonly file: string, readonly systemError: unknown) {
    super(`${action} ${file} failed: ${systemError instanceof Error ? systemError.message : String(systemError)}`);
  }

  /** The system error code (ENOSPC, EROFS, EIO, ...), when there is one. */
  get code(): string | undefined {
    return (this.systemError as NodeJS.ErrnoException | undefined)?.code;
  }
}

/**
 * A write this node sent and the cluster applied in its agreed order, but that this node could not
 * record on its disk: it is not acknowledged (the other members may have recorded it).
 */
export class NotRecordedError extends StoreError {}

/** A wire message that does not parse; the message is dropped and the sender named. */
export class BadMessageError extends StoreError {}

/** The configured lease is too short for the safety inequality of docs/design/safety.md. */
export class LeaseTooShortError extends StoreError {}

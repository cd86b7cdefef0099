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

/** A wire message that does not parse; the message is dropped and the sender named. */
export class BadMessageError extends StoreError {}

/** The configured lease is too short for the safety inequality of design/safety.md. */
export class LeaseTooShortError extends StoreError {}

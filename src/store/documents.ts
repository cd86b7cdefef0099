import { InvalidDocumentError } from './errors';

/**
 * A typed document family: values are stored under (type name, key) and checked by `validate`
 * on every write and on every value received from the wire, so the HA layer plugs its own types.
 */
export interface DocumentType<T> {
  readonly name: string;
  /** Returns the value typed, or throws an Error naming what is wrong. */
  validate(value: unknown): T;
  /**
   * Computes a document's next value from a patch, evaluated where the patch falls in the agreed
   * order on every member, so concurrent patches from different nodes all take effect. Must be
   * deterministic (only its arguments); throws an Error naming the problem to refuse the patch.
   */
  patch?(current: T | undefined, patch: unknown, context: PatchContext): T;
}

/** What a patcher may look at besides the current value: read-only copies of other documents. */
export interface PatchContext {
  sender: number;
  read(type: string, key: string): unknown;
}

export type DocumentPatcher<T> = (current: T | undefined, patch: unknown, context: PatchContext) => T;

export function defineDocument<T>(name: string, validate: (value: unknown) => T, patch?: DocumentPatcher<T>): DocumentType<T> {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name)) throw new InvalidDocumentError(`document type name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`);
  return patch === undefined ? { name, validate } : { name, validate, patch };
}

/** The document types one store accepts; writes and wire values of other types are refused. */
export class DocumentRegistry {
  private readonly types = new Map<string, DocumentType<unknown>>();

  register<T>(type: DocumentType<T>): DocumentType<T> {
    if (this.types.has(type.name)) throw new InvalidDocumentError(`document type ${type.name} is registered twice`);
    this.types.set(type.name, type);
    return type;
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  /** Applies a patch to a document of type `name` and validates the result; errors name type and key. */
  patch(name: string, key: string, current: unknown, patch: unknown, context: PatchContext): unknown {
    const type = this.types.get(name);
    if (type?.patch === undefined) throw new InvalidDocumentError(`document type ${JSON.stringify(name)} takes no patches`);
    let next: unknown;
    try {
      next = type.patch(current, patch, context);
    } catch (err) {
      throw new InvalidDocumentError(`patch of ${name}/${key} refused: ${err instanceof Error ? err.message : String(err)}`);
    }
    return this.check(name, key, next);
  }

  /** Validates `value` as a document of type `name`; the error names the type and key. */
  check(name: string, key: string, value: unknown): unknown {
    const type = this.types.get(name);
    if (type === undefined) throw new InvalidDocumentError(`unknown document type ${JSON.stringify(name)}`);
    try {
      return type.validate(value);
    } catch (err) {
      throw new InvalidDocumentError(`invalid ${name}/${key}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}

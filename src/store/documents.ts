import { InvalidDocumentError } from './errors';

/**
 * A typed document family: values are stored under (type name, key) and checked by `validate`
 * on every write and on every value received from the wire, so the HA layer plugs its own types.
 */
export interface DocumentType<T> {
  readonly name: string;
  /** Returns the value typed, or throws an Error naming what is wrong. */
  validate(value: unknown): T;
}

export function defineDocument<T>(name: string, validate: (value: unknown) => T): DocumentType<T> {
  if (!/^[a-z][a-z0-9-]{0,63}$/.test(name)) throw new InvalidDocumentError(`document type name ${JSON.stringify(name)} must be lowercase letters, digits and dashes`);
  return { name, validate };
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

/**
 * What of an object is stored encrypted, applied by the store on every way in and out (objects
 * and change log alike): Kubernetes' storage value transformer. Kubernetes seals a whole Secret;
 * Keyway seals its `data`, so that its `type` and annotations stay queryable in SQL. Each sealed
 * value is bound to its object (`<resource>/<namespace>/<name>`): moved elsewhere, it does not open.
 */
import { KINDS, type Kind } from '../apis/kinds.js';
import type { Envelope } from './envelope.js';

/** The field of each kind that is stored sealed. */
const SEALED_FIELD: Partial<Record<Kind, string>> = { Secret: 'data' };

interface Stored {
  kind: string;
  metadata: { namespace?: string; name: string };
}

export class StorageTransformer {
  constructor(readonly envelope: Envelope) {}

  static context(kind: string, namespace: string, name: string): string {
    return `${KINDS[kind as Kind]?.resource ?? kind}/${namespace}/${name}`;
  }

  /** The field of `kind` that is stored sealed, if any. */
  static sealedField(kind: string): string | undefined {
    return SEALED_FIELD[kind as Kind];
  }

  /** The object as it is stored: its sealed field, if present, replaced by its ciphertext. */
  toStorage<T extends Stored>(obj: T): T {
    const field = StorageTransformer.sealedField(obj.kind);
    const value = field === undefined ? undefined : (obj as unknown as Record<string, unknown>)[field];
    if (field === undefined || value === undefined) return obj;
    const context = StorageTransformer.context(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    return { ...obj, [field]: this.envelope.seal(JSON.stringify(value), context) };
  }

  /** The object as stored, opened (a field stored before encryption was on is read as it is). */
  fromStorage<T extends Stored>(obj: T): T {
    const field = StorageTransformer.sealedField(obj.kind);
    const value = field === undefined ? undefined : (obj as unknown as Record<string, unknown>)[field];
    if (typeof value !== 'string') return obj;
    const context = StorageTransformer.context(obj.kind, obj.metadata.namespace ?? '', obj.metadata.name);
    return { ...obj, [field as string]: JSON.parse(this.envelope.open(value, context)) };
  }

  /** Seals a field that is not part of an object (a signing key's private key), bound to `context`. */
  seal(plaintext: string, context: string): string {
    return this.envelope.seal(plaintext, context);
  }

  open(value: string, context: string): string {
    return this.envelope.open(value, context);
  }

  /** Whether a stored value is sealed by the key that seals now (what re-encryption leaves alone). */
  isCurrent(value: string): boolean {
    return value.startsWith(this.envelope.writePrefix);
  }
}

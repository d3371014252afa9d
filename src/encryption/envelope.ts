/**
 * Kubernetes' `aesgcm` provider (apiserver/pkg/storage/value/encrypt/aes): values are sealed with
 * AES-256-GCM under a named key, a fresh 12-byte nonce per value, and the value's location as
 * authenticated data, so a ciphertext copied onto another object does not open. A sealed value
 * reads `k8s:enc:aesgcm:v1:<key name>:<base64 of nonce, ciphertext, tag>`; the key name says which
 * key opens it. The first key seals; every key opens. A value without the prefix was stored
 * before encryption (Kubernetes' `identity` provider) and is read as it is.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const PREFIX = 'k8s:enc:aesgcm:v1:';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
export const KEY_BYTES = 32;
export const KEY_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export interface EncryptionKey {
  name: string;
  /** 32 bytes. */
  secret: Buffer;
}

/** A value that cannot be opened: its key is not configured, or it was altered or moved. */
class DecryptionError extends Error {}

export class Envelope {
  private readonly byName: Map<string, Buffer>;

  /** @param keys the first one seals; all of them open. */
  constructor(readonly keys: readonly EncryptionKey[]) {
    if (keys.length === 0) throw new Error('encryption needs at least one key');
    this.byName = new Map();
    for (const key of keys) {
      if (!KEY_NAME.test(key.name)) throw new Error(`encryption key name ${JSON.stringify(key.name)} is not valid`);
      if (key.secret.length !== KEY_BYTES) throw new Error(`encryption key ${key.name} is not ${KEY_BYTES} bytes`);
      if (this.byName.has(key.name)) throw new Error(`encryption key ${key.name} is listed twice`);
      this.byName.set(key.name, key.secret);
    }
  }

  /** The prefix of every value the first key seals. */
  get writePrefix(): string {
    return `${PREFIX}${this.keys[0].name}:`;
  }

  /** Whether a stored value is sealed (by any key); one that is not is plaintext. */
  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }

  /** Seals `plaintext` under the first key; `context` (where it is stored) must be given again to open it. */
  seal(plaintext: string, context: string): string {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0].secret, nonce);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return this.writePrefix + Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('base64');
  }

  /** The plaintext of a sealed value stored at `context`; a value that is not sealed is returned as it is. */
  open(value: string, context: string): string {
    if (!Envelope.isSealed(value)) return value;
    const rest = value.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const name = colon < 0 ? '' : rest.slice(0, colon);
    const secret = this.byName.get(name);
    if (!secret) {
      throw new DecryptionError(
        `a stored value is sealed with encryption key ${JSON.stringify(name)}, which is not among the configured ` +
          'keys (KEYWAY_ENCRYPTION_KEYS: every replica needs the same keys)',
      );
    }
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    if (raw.length < NONCE_BYTES + TAG_BYTES)
      throw new DecryptionError(`a stored value sealed with ${name} is truncated`);
    const decipher = createDecipheriv('aes-256-gcm', secret, raw.subarray(0, NONCE_BYTES));
    decipher.setAAD(Buffer.from(context));
    decipher.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    try {
      return Buffer.concat([
        decipher.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch {
      throw new DecryptionError(
        `a stored value sealed with ${name} does not authenticate (altered, or moved from ${context})`,
      );
    }
  }
}

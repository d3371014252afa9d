/** SHA-256, one-shot (`crypto.hash`: no Hash object, cheaper on the request path). */
import { hash } from 'node:crypto';

export function sha256(value: string | Buffer): Buffer {
  return hash('sha256', value, 'buffer') as unknown as Buffer;
}

/** The digest as text, for map keys and ids. */
export function sha256Text(value: string | Buffer, encoding: 'base64' | 'base64url' | 'hex' = 'base64url'): string {
  return hash('sha256', value, encoding);
}

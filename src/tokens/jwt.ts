/**
 * Compact JWS on node:crypto: sign with a KeyObject, split and check a token without trusting
 * it. Kubernetes' header is `{"alg","kid"}` and nothing else. Parsing never throws: a token that
 * is not three base64url JSON parts is null.
 */
import { sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export type Algorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

const HASH: Record<Algorithm, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };

/** Longer tokens are refused before any parsing: nothing we issue comes near. */
const MAX_TOKEN_LENGTH = 16 * 1024;

const B64URL = /^[A-Za-z0-9_-]*$/;

export interface ParsedJwt {
  header: { alg?: unknown; kid?: unknown; [k: string]: unknown };
  payload: Record<string, unknown>;
  /** `header.payload`, the bytes the signature covers. */
  signingInput: string;
  signature: Buffer;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signJwt(payload: object, key: { kid: string; algorithm: Algorithm; privateKey: KeyObject }): string {
  const signingInput = `${encode({ alg: key.algorithm, kid: key.kid })}.${encode(payload)}`;
  const signature = cryptoSign(HASH[key.algorithm], Buffer.from(signingInput), {
    key: key.privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${signingInput}.${signature.toString('base64url')}`;
}

function decodeJson(part: string): Record<string, unknown> | null {
  if (!B64URL.test(part) || part.length === 0) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** Splits a compact JWS; null unless it is three parts with JSON objects for header and payload. */
export function parseJwt(token: string): ParsedJwt | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts;
  const header = decodeJson(h);
  const payload = decodeJson(p);
  if (!header || !payload || !B64URL.test(s)) return null;
  return { header, payload, signingInput: `${h}.${p}`, signature: Buffer.from(s, 'base64url') };
}

/** The unverified `iss` of a token, or null; `hasCorrectIssuer` reads only this. */
export function unverifiedIssuer(token: string): string | null {
  if (token.length > MAX_TOKEN_LENGTH || token.startsWith('{')) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const iss = decodeJson(parts[1])?.iss;
  return typeof iss === 'string' ? iss : null;
}

/** Checks the signature with one key of a known algorithm; the header's `alg` must match it. */
export function verifySignature(jwt: ParsedJwt, key: { algorithm: Algorithm; publicKey: KeyObject }): boolean {
  if (jwt.header.alg !== key.algorithm) return false;
  try {
    return cryptoVerify(
      HASH[key.algorithm],
      Buffer.from(jwt.signingInput),
      { key: key.publicKey, dsaEncoding: 'ieee-p1363' },
      jwt.signature,
    );
  } catch {
    return false;
  }
}

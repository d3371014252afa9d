/** Token helpers for tests: issue, decode, review, and forge (for the bad-token tables). */
import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';
import type { TestApp } from './app.js';

export const b64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

export function decode(token: string): { header: any; payload: any } {
  const [h, p] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    payload: JSON.parse(Buffer.from(p, 'base64url').toString()),
  };
}

const ISSUE = `mutation ($ns: String!, $name: String!, $input: TokenRequestInput) {
  createServiceAccountToken(namespace: $ns, name: $name, input: $input) { token expirationTimestamp warnings } }`;

export async function issue(
  t: TestApp,
  ns: string,
  name: string,
  input: Record<string, unknown> = {},
  as?: string | null,
) {
  const res = await t.gql(ISSUE, { ns, name, input }, as);
  return res;
}

export async function token(
  t: TestApp,
  ns: string,
  name: string,
  input: Record<string, unknown> = {},
): Promise<string> {
  const res = await issue(t, ns, name, input);
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!.createServiceAccountToken.token;
}

export async function review(t: TestApp, tok: string, audiences?: string[]) {
  const data = await t.ok(
    'query ($token: String!, $audiences: [String!]) { tokenReview(input: { token: $token, audiences: ' +
      '$audiences }) { authenticated user { username uid groups extra } audiences error } }',
    { token: tok, audiences },
  );
  return data.tokenReview as { authenticated: boolean; user: any; audiences: string[]; error: string | null };
}

/** The caller as a token presents it: the whoami, or the HTTP status if refused. */
export async function whoami(t: TestApp, tok: string) {
  const res = await t.gql('{ whoami { username uid groups extra } }', {}, tok);
  return { status: res.status, user: res.data?.whoami, errors: res.errors };
}

const HASH: Record<string, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };

/** Signs any header and payload with a private key (or, for HS256, with an HMAC secret). */
export function forge(header: object, payload: object, key: KeyObject | Buffer | null): string {
  const input = `${b64url(header)}.${b64url(payload)}`;
  const alg = (header as { alg?: string }).alg ?? 'none';
  if (!key || alg === 'none') return `${input}.`;
  if (alg === 'HS256')
    return `${input}.${createHmac('sha256', key as Buffer)
      .update(input)
      .digest('base64url')}`;
  const sig = cryptoSign(HASH[alg], Buffer.from(input), { key: key as KeyObject, dsaEncoding: 'ieee-p1363' });
  return `${input}.${sig.toString('base64url')}`;
}

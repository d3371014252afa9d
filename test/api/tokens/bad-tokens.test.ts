/**
 * Tokens that must not authenticate: forged, tampered, malformed, out of time, for the wrong
 * issuer or audience, or naming objects that are gone. Each is a 401 as a bearer token and
 * `authenticated: false` in a TokenReview, and the server goes on serving.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { b64url, decode, forge, review, token, whoami } from '../../helpers/tokens.js';
import { namespace, pod, secret, serviceAccount } from '../../helpers/fixtures.js';

/** What the bad tokens are made from (set up once per engine). */
interface Setup {
  good: string;
  key: { kid: string; privateKey: KeyObject };
  claims: (over?: Record<string, unknown>) => Record<string, unknown>;
  header: { alg: string; kid: string };
  sign: (payload: object, header?: object, key?: KeyObject | Buffer | null) => string;
  /** The good token's three parts. */
  h: string;
  p: string;
  s: string;
  stranger: KeyObject;
  rsa: KeyObject;
  publicPem: string;
  podToken: string;
  deletedPodToken: string;
  secretToken: string;
  goneToken: string;
  rebornToken: string;
  revoked: string;
}

/** Each bad token, made from what `beforeAll` set up: the one list the tests below run. */
const BAD: [name: string, make: (x: Setup) => string][] = [
  ['alg none', (x) => x.sign(x.claims(), { alg: 'none', kid: x.key.kid }, null)],
  ['alg none, signature kept', (x) => `${b64url({ alg: 'none', kid: x.key.kid })}.${x.p}.${x.s}`],
  [
    'HS256 keyed with our public key',
    (x) => x.sign(x.claims(), { alg: 'HS256', kid: x.key.kid }, Buffer.from(x.publicPem)),
  ],
  ['RS256 header on our ES256 key', (x) => x.sign(x.claims(), { alg: 'RS256', kid: x.key.kid }, x.rsa)],
  [
    'tampered payload',
    (x) => `${x.h}.${b64url({ ...decode(x.good).payload, sub: 'system:serviceaccount:kube-system:default' })}.${x.s}`,
  ],
  ['tampered header', (x) => `${b64url({ alg: 'ES256', kid: x.key.kid, typ: 'JWT' })}.${x.p}.${x.s}`],
  ['unknown kid', (x) => x.sign(x.claims(), { alg: 'ES256', kid: 'no-such-key' })],
  ['no kid, foreign key', (x) => x.sign(x.claims(), { alg: 'ES256' }, x.stranger)],
  ['our kid, foreign key', (x) => x.sign(x.claims(), x.header, x.stranger)],
  ['wrong issuer', (x) => x.sign(x.claims({ iss: 'https://evil.example.com' }))],
  ['wrong audience', (x) => x.sign(x.claims({ aud: ['https://elsewhere'] }))],
  ['expired beyond leeway', (x) => x.sign(x.claims({ exp: Math.floor(Date.now() / 1000) - 61 - 5 }))],
  ['not yet valid beyond leeway', (x) => x.sign(x.claims({ nbf: Math.floor(Date.now() / 1000) + 120 }))],
  ['issued in the future beyond leeway', (x) => x.sign(x.claims({ iat: Math.floor(Date.now() / 1000) + 120 }))],
  ['no kubernetes.io claims', (x) => x.sign({ ...x.claims(), 'kubernetes.io': undefined })],
  [
    'claims for another account',
    (x) =>
      x.sign(
        x.claims({
          'kubernetes.io': {
            namespace: 'dev',
            serviceaccount: { name: 'victim', uid: '00000000-0000-4000-8000-000000000000' },
          },
        }),
      ),
  ],
  ['deleted and recreated Pod', (x) => x.podToken],
  ['deleted Pod', (x) => x.deletedPodToken],
  ['deleted Secret', (x) => x.secretToken],
  ['deleted ServiceAccount', (x) => x.goneToken],
  ['recreated ServiceAccount', (x) => x.rebornToken],
  ['revoked jti', (x) => x.revoked],
  ['truncated', (x) => x.good.slice(0, -10)],
  ['signature of another token', (x) => `${x.h}.${x.p}.${x.revoked.split('.')[2]}`],
  ['oversized', (x) => x.sign(x.claims({ padding: 'x'.repeat(20_000) }))],
  ['non-JSON header', (x) => `${b64url('not json')}.${x.p}.${x.s}`],
  ['non-JSON payload', (x) => `${x.h}.${b64url('not json')}.${x.s}`],
  ['payload is an array', (x) => `${x.h}.${b64url([1, 2])}.${x.s}`],
  ['two segments', (x) => `${x.h}.${x.p}`],
  ['four segments', (x) => `${x.good}.${x.s}`],
  ['empty signature', (x) => `${x.h}.${x.p}.`],
  ['signature not base64url', (x) => `${x.h}.${x.p}.${x.s.slice(0, -4)}+/==`],
  ['JSON instead of JWS', (x) => JSON.stringify(decode(x.good).payload)],
  [
    'legacy issuer, forged',
    (x) => x.sign({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:dev:victim' }, x.header, x.stranger),
  ],
  ['garbage', () => 'not-a-token-at-all'],
];

describe.each(ENGINES)('bad tokens (%s)', (engine) => {
  let t: TestApp;
  let good: string;
  let key: { kid: string; privateKey: KeyObject };
  let claims: (over?: Record<string, unknown>) => Record<string, unknown>;
  let x: Setup;
  const bad = (name: string) => BAD.find(([n]) => n === name)![1](x);

  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'dev');
    const uid = await serviceAccount(t, 'dev', 'victim');
    good = await token(t, 'dev', 'victim');
    key = t.app.keys.active();
    const now = Math.floor(Date.now() / 1000);
    const base = decode(good).payload;
    claims = (over = {}) => ({ ...base, iat: now, nbf: now, exp: now + 3600, ...over });
    const header = { alg: 'ES256', kid: key.kid };
    const sign = (payload: object, h: object = header, k: KeyObject | Buffer | null = key.privateKey) =>
      forge(h, payload, k);
    const [h, p, s] = good.split('.');
    const stranger = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const publicPem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }) as string;

    // objects that go away
    await pod(t, 'dev', 'pod-a', 'victim');
    const podToken = await token(t, 'dev', 'victim', { boundObjectRef: { kind: 'Pod', name: 'pod-a' } });
    await t.ok('mutation { deletePod(namespace: "dev", name: "pod-a") { id } }');
    await pod(t, 'dev', 'pod-a', 'victim');
    await pod(t, 'dev', 'pod-b', 'victim');
    const deletedPodToken = await token(t, 'dev', 'victim', { boundObjectRef: { kind: 'Pod', name: 'pod-b' } });
    await t.ok('mutation { deletePod(namespace: "dev", name: "pod-b") { id } }');
    await secret(t, 'dev', 'sec');
    const secretToken = await token(t, 'dev', 'victim', { boundObjectRef: { kind: 'Secret', name: 'sec' } });
    await t.ok('mutation { deleteSecret(namespace: "dev", name: "sec") { id } }');
    await serviceAccount(t, 'dev', 'gone');
    const goneToken = await token(t, 'dev', 'gone');
    await t.ok('mutation { deleteServiceAccount(namespace: "dev", name: "gone") { id } }');
    await serviceAccount(t, 'dev', 'reborn');
    const rebornToken = await token(t, 'dev', 'reborn');
    await t.ok('mutation { deleteServiceAccount(namespace: "dev", name: "reborn") { id } }');
    await serviceAccount(t, 'dev', 'reborn');
    const revoked = await token(t, 'dev', 'victim');
    await t.ok('mutation ($j: String!) { revokeServiceAccountToken(jti: $j) { id } }', {
      j: decode(revoked).payload.jti,
    });

    x = {
      good,
      key,
      claims,
      header,
      sign,
      h,
      p,
      s,
      stranger,
      rsa,
      publicPem,
      podToken,
      deletedPodToken,
      secretToken,
      goneToken,
      rebornToken,
      revoked,
    };
    void uid;
  });
  afterAll(() => t.close());

  it('has at least 25 cases', () => {
    expect(BAD.length).toBeGreaterThanOrEqual(25);
  });

  it.each(BAD)('%s: 401, not authenticated, and the server keeps serving', async (_name, make) => {
    const tok = make(x);
    const me = await whoami(t, tok);
    expect(me.status).toBe(401);
    expect(me.errors).toEqual([{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }]);
    const r = await review(t, tok);
    expect(r.authenticated).toBe(false);
    expect(r.user).toBeNull();
    expect(r.error).toMatch(/^(invalid bearer token|\[invalid bearer token, .+\])$/);
    expect((await whoami(t, good)).status).toBe(200);
  });

  it.each([
    ['expired 30 s ago', { exp: -30 }],
    ['valid from 30 s ahead', { nbf: 30 }],
    ['issued 30 s ahead', { iat: 30 }],
  ])('accepts a token %s (60 s leeway)', async (_what, offsets) => {
    const now = Math.floor(Date.now() / 1000);
    const shifted = Object.fromEntries(Object.entries(offsets).map(([k, v]) => [k, now + v]));
    const tok = forge({ alg: 'ES256', kid: key.kid }, claims(shifted), key.privateKey);
    expect((await whoami(t, tok)).status).toBe(200);
  });

  it('explains why in the review', async () => {
    expect((await review(t, bad('expired beyond leeway'))).error).toBe(
      '[invalid bearer token, service account token has expired]',
    );
    expect((await review(t, bad('not yet valid beyond leeway'))).error).toBe(
      '[invalid bearer token, service account token is not valid yet]',
    );
    expect((await review(t, bad('issued in the future beyond leeway'))).error).toBe(
      '[invalid bearer token, service account token is issued in the future]',
    );
    expect((await review(t, bad('unknown kid'))).error).toBe(
      '[invalid bearer token, invalid signature, no keys found]',
    );
    expect((await review(t, bad('wrong issuer'))).error).toBe('invalid bearer token');
    expect((await review(t, bad('claims for another account'))).error).toMatch(
      /service account UID \(.+\) does not match claim \(00000000-0000-4000-8000-000000000000\)/,
    );
  });
});

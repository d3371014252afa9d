/**
 * Tokens that must not authenticate: forged, tampered, malformed, out of time, for the wrong
 * issuer or audience, or naming objects that are gone. Each is a 401 as a bearer token and
 * `authenticated: false` in a TokenReview, and the server goes on serving.
 */
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { b64url, decode, forge, namespace, pod, review, secret, serviceAccount, token, whoami } from '../../helpers/tokens.js';

describe.each(ENGINES)('bad tokens (%s)', (engine) => {
  let t: TestApp;
  let good: string;
  let key: { kid: string; privateKey: KeyObject };
  let claims: (over?: Record<string, unknown>) => Record<string, unknown>;
  const bad: Record<string, string> = {};

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
    const sign = (payload: object, h: object = header, k: KeyObject | Buffer | null = key.privateKey) => forge(h, payload, k);
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
    await t.ok('mutation ($j: String!) { revokeServiceAccountToken(jti: $j) { id } }', { j: decode(revoked).payload.jti });

    Object.assign(bad, {
      'alg none': sign(claims(), { alg: 'none', kid: key.kid }, null),
      'alg none, signature kept': `${b64url({ alg: 'none', kid: key.kid })}.${p}.${s}`,
      'HS256 keyed with our public key': sign(claims(), { alg: 'HS256', kid: key.kid }, Buffer.from(publicPem)),
      'RS256 header on our ES256 key': sign(claims(), { alg: 'RS256', kid: key.kid }, rsa),
      'tampered payload': `${h}.${b64url({ ...decode(good).payload, sub: 'system:serviceaccount:kube-system:default' })}.${s}`,
      'tampered header': `${b64url({ alg: 'ES256', kid: key.kid, typ: 'JWT' })}.${p}.${s}`,
      'unknown kid': sign(claims(), { alg: 'ES256', kid: 'no-such-key' }),
      'no kid, foreign key': sign(claims(), { alg: 'ES256' }, stranger),
      'our kid, foreign key': sign(claims(), header, stranger),
      'wrong issuer': sign(claims({ iss: 'https://evil.example.com' })),
      'wrong audience': sign(claims({ aud: ['https://elsewhere'] })),
      'expired beyond leeway': sign(claims({ exp: Math.floor(Date.now() / 1000) - 61 - 5 })),
      'not yet valid beyond leeway': sign(claims({ nbf: Math.floor(Date.now() / 1000) + 120 })),
      'issued in the future beyond leeway': sign(claims({ iat: Math.floor(Date.now() / 1000) + 120 })),
      'no kubernetes.io claims': sign({ ...claims(), 'kubernetes.io': undefined }),
      'claims for another account': sign(claims({ 'kubernetes.io': { namespace: 'dev', serviceaccount: { name: 'victim', uid: '00000000-0000-4000-8000-000000000000' } } })),
      'deleted and recreated Pod': podToken,
      'deleted Pod': deletedPodToken,
      'deleted Secret': secretToken,
      'deleted ServiceAccount': goneToken,
      'recreated ServiceAccount': rebornToken,
      'revoked jti': revoked,
      truncated: good.slice(0, -10),
      'signature of another token': `${h}.${p}.${(revoked.split('.')[2])}`,
      oversized: sign(claims({ padding: 'x'.repeat(20_000) })),
      'non-JSON header': `${b64url('not json')}.${p}.${s}`,
      'non-JSON payload': `${h}.${b64url('not json')}.${s}`,
      'payload is an array': `${h}.${b64url([1, 2])}.${s}`,
      'two segments': `${h}.${p}`,
      'four segments': `${good}.${s}`,
      'empty signature': `${h}.${p}.`,
      'signature not base64url': `${h}.${p}.${s.slice(0, -4)}+/==`,
      'JSON instead of JWS': JSON.stringify(decode(good).payload),
      'legacy issuer, forged': sign({ iss: 'kubernetes/serviceaccount', sub: 'system:serviceaccount:dev:victim' }, header, stranger),
      garbage: 'not-a-token-at-all',
    });
    void uid;
  });
  afterAll(() => t.close());

  it('has at least 25 cases', () => {
    expect(Object.keys(bad).length).toBeGreaterThanOrEqual(25);
  });

  it.each([
    'alg none', 'alg none, signature kept', 'HS256 keyed with our public key', 'RS256 header on our ES256 key', 'tampered payload',
    'tampered header', 'unknown kid', 'no kid, foreign key', 'our kid, foreign key', 'wrong issuer', 'wrong audience',
    'expired beyond leeway', 'not yet valid beyond leeway', 'issued in the future beyond leeway', 'no kubernetes.io claims',
    'claims for another account', 'deleted and recreated Pod', 'deleted Pod', 'deleted Secret', 'deleted ServiceAccount',
    'recreated ServiceAccount', 'revoked jti', 'truncated', 'signature of another token', 'oversized', 'non-JSON header',
    'non-JSON payload', 'payload is an array', 'two segments', 'four segments', 'empty signature', 'signature not base64url',
    'JSON instead of JWS', 'legacy issuer, forged', 'garbage',
  ])('%s: 401, not authenticated, and the server keeps serving', async (name) => {
    const tok = bad[name];
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
    expect((await review(t, bad['expired beyond leeway'])).error).toBe('[invalid bearer token, service account token has expired]');
    expect((await review(t, bad['not yet valid beyond leeway'])).error).toBe('[invalid bearer token, service account token is not valid yet]');
    expect((await review(t, bad['issued in the future beyond leeway'])).error).toBe('[invalid bearer token, service account token is issued in the future]');
    expect((await review(t, bad['unknown kid'])).error).toBe('[invalid bearer token, invalid signature, no keys found]');
    expect((await review(t, bad['wrong issuer'])).error).toBe('invalid bearer token');
    expect((await review(t, bad['claims for another account'])).error).toMatch(/service account UID \(.+\) does not match claim \(00000000-0000-4000-8000-000000000000\)/);
  });
});

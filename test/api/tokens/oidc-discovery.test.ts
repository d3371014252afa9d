/**
 * OIDC discovery: the two public documents Kubernetes serves, with its fields, content types
 * and caching; and a verifier that knows nothing of Keyway (node:crypto, no jose) checks our
 * tokens from them alone.
 */
import { createPublicKey, verify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { token } from '../../helpers/tokens.js';
import { serviceAccount } from '../../helpers/fixtures.js';

const HASH: Record<string, string> = { ES256: 'sha256', ES384: 'sha384', ES512: 'sha512', RS256: 'sha256' };

/** A minimal OIDC verifier: discovery → JWKS → key by kid → signature → iss, aud, exp. */
async function verifyWithDiscovery(
  fetchDoc: (path: string) => Promise<Response>,
  issuer: string,
  audience: string,
  jwt: string,
) {
  const config = (await (await fetchDoc('/.well-known/openid-configuration')).json()) as {
    issuer: string;
    jwks_uri: string;
  };
  if (config.issuer !== issuer) throw new Error('issuer mismatch');
  const { keys } = (await (await fetchDoc(new URL(config.jwks_uri).pathname)).json()) as {
    keys: (JsonWebKey & { kid: string; alg: string })[];
  };
  const [h, p, s] = jwt.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
  const jwk = keys.find((k) => k.kid === header.kid);
  if (!jwk || jwk.alg !== header.alg) throw new Error('no key');
  const ok = verify(
    HASH[header.alg],
    Buffer.from(`${h}.${p}`),
    {
      key: createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }),
      dsaEncoding: 'ieee-p1363',
    },
    Buffer.from(s, 'base64url'),
  );
  if (!ok) throw new Error('bad signature');
  if (payload.iss !== config.issuer) throw new Error('bad iss');
  if (!payload.aud.includes(audience)) throw new Error('bad aud');
  if (payload.exp < Date.now() / 1000) throw new Error('expired');
  return payload;
}

describe.each(['ES256', 'RS256'] as const)('OIDC discovery (%s)', (signingAlgorithm) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { controllers: false, issuer: 'https://keyway.example.com', signingAlgorithm });
    await serviceAccount(t, 'default', 'ci');
  });
  afterAll(() => t.close());

  it('serves the configuration document', async () => {
    const res = await t.fetch('/.well-known/openid-configuration');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(await res.json()).toEqual({
      issuer: 'https://keyway.example.com',
      jwks_uri: 'https://keyway.example.com/openid/v1/jwks',
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: [signingAlgorithm],
    });
  });

  it('serves the JWKS: public keys only', async () => {
    const res = await t.fetch('/openid/v1/jwks');
    expect(res.headers.get('content-type')).toBe('application/jwk-set+json');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    const body = await res.json();
    expect(body.keys).toHaveLength(1);
    const key = body.keys[0];
    expect(key).toMatchObject({ use: 'sig', kid: t.app.keys.active().kid, alg: signingAlgorithm });
    for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(key).not.toHaveProperty(secret);
  });

  it('is public: no token needed, and a bad one is not asked for', async () => {
    expect((await t.fetch('/openid/v1/jwks')).status).toBe(200);
    expect((await t.fetch('/openid/v1/jwks', { headers: { authorization: 'Bearer nonsense' } })).status).toBe(200);
  });

  it('lets a verifier that is not Keyway (nor jose) check our tokens from discovery alone', async () => {
    const tok = await token(t, 'default', 'ci', { audiences: ['vault'] });
    const claims = await verifyWithDiscovery((path) => t.fetch(path), 'https://keyway.example.com', 'vault', tok);
    expect(claims.sub).toBe('system:serviceaccount:default:ci');
    const tampered = `${tok.slice(0, -6)}AAAAAA`;
    await expect(
      verifyWithDiscovery((path) => t.fetch(path), 'https://keyway.example.com', 'vault', tampered),
    ).rejects.toThrow();
  });
});

/**
 * External issuers (KEYWAY_OIDC_ISSUERS), configured as kube-apiserver's structured
 * authentication configuration: JWTs from another identity provider, checked against its keys
 * (a JWKS file, a JWKS URL, or OIDC discovery), mapped to users and groups with prefixes.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../../src/app.js';
import { createLogger } from '../../../src/log.js';
import { startTestApp, TEST_ENCRYPTION_KEYS, type TestApp } from '../../helpers/app.js';
import { createTestDatabase } from '../../helpers/engines.js';
import { forge, review, whoami } from '../../helpers/tokens.js';

const idpKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const jwk = { ...createPublicKey(idpKey).export({ format: 'jwk' }), kid: 'idp-1', alg: 'RS256', use: 'sig' };

function idpToken(iss: string, over: Record<string, unknown> = {}): string {
  const now = Math.floor(Date.now() / 1000);
  return forge(
    { alg: 'RS256', kid: 'idp-1' },
    { iss, aud: 'keyway', sub: 'alice', groups: ['dev', 'ops'], iat: now, exp: now + 600, ...over },
    idpKey,
  );
}

describe('external issuers', () => {
  let server: Server;
  let base: string;
  let t: TestApp;
  const FILE_ISSUER = 'https://file-idp.example.com';
  let URL_ISSUER: string;
  let DISCOVERY_ISSUER: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
      } else if (req.url === '/discover/.well-known/openid-configuration') {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ issuer: DISCOVERY_ISSUER, jwks_uri: `${base}/jwks` }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    URL_ISSUER = `${base}/url`;
    DISCOVERY_ISSUER = `${base}/discover`;

    const dir = await mkdtemp(join(tmpdir(), 'keyway-idp-'));
    await writeFile(join(dir, 'jwks.json'), JSON.stringify({ keys: [jwk] }));
    await writeFile(
      join(dir, 'issuers.yaml'),
      `apiVersion: apiserver.config.k8s.io/v1beta1
kind: AuthenticationConfiguration
jwt:
  - issuer:
      url: ${FILE_ISSUER}
      audiences: [keyway]
      jwksFile: ${join(dir, 'jwks.json')}
    claimMappings:
      username: { claim: sub, prefix: "file:" }
      groups: { claim: groups, prefix: "file:" }
      uid: { claim: sub }
  - issuer:
      url: ${URL_ISSUER}
      audiences: [keyway, other]
      jwksURL: ${base}/jwks
    claimMappings:
      username: { claim: email, prefix: "" }
  - issuer:
      url: ${DISCOVERY_ISSUER}
      audiences: [keyway]
    claimMappings:
      username: { claim: sub, prefix: "disco:" }
      groups: { claim: groups }
`,
    );
    t = await startTestApp('pglite', { oidcIssuersFile: join(dir, 'issuers.yaml'), controllers: false });
  });
  afterAll(async () => {
    await t.close();
    server.close();
  });

  it('accepts a token checked against a JWKS file, with prefixes', async () => {
    const me = await whoami(t, idpToken(FILE_ISSUER));
    expect(me.user).toEqual({
      username: 'file:alice',
      uid: 'alice',
      groups: ['file:dev', 'file:ops', 'system:authenticated'],
      extra: {},
    });
  });

  it('accepts a token checked against a JWKS URL', async () => {
    const me = await whoami(t, idpToken(URL_ISSUER, { email: 'alice@example.com', aud: ['other'] }));
    expect(me.user).toMatchObject({ username: 'alice@example.com', groups: ['system:authenticated'] });
  });

  it('finds the keys by OIDC discovery', async () => {
    expect((await whoami(t, idpToken(DISCOVERY_ISSUER))).user).toMatchObject({
      username: 'disco:alice',
      groups: ['dev', 'ops', 'system:authenticated'],
    });
  });

  it('reviews external tokens like any other', async () => {
    expect(await review(t, idpToken(FILE_ISSUER))).toMatchObject({
      authenticated: true,
      audiences: ['http://localhost:4000'],
    });
    expect((await review(t, idpToken(FILE_ISSUER), ['vault'])).error).toBe('invalid bearer token');
  });

  it.each([
    ['the wrong audience', () => idpToken(FILE_ISSUER, { aud: 'someone-else' })],
    ['an expired token', () => idpToken(FILE_ISSUER, { exp: Math.floor(Date.now() / 1000) - 120 })],
    ['a token with no exp (it would be good forever)', () => idpToken(FILE_ISSUER, { exp: undefined })],
    ['a token not valid for another hour', () => idpToken(FILE_ISSUER, { nbf: Math.floor(Date.now() / 1000) + 3600 })],
    ['a token issued an hour from now', () => idpToken(FILE_ISSUER, { iat: Math.floor(Date.now() / 1000) + 3600 })],
    [
      'another key',
      () =>
        forge(
          { alg: 'RS256', kid: 'idp-1' },
          { iss: FILE_ISSUER, aud: 'keyway', sub: 'x', exp: 9e9 },
          generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey,
        ),
    ],
    ['a missing username claim', () => idpToken(URL_ISSUER)],
    [
      'a system: username',
      () =>
        idpToken(DISCOVERY_ISSUER.replace('discover', 'url'), { email: 'system:serviceaccount:kube-system:default' }),
    ],
    ['an unknown issuer', () => idpToken('https://unknown.example.com')],
  ])('refuses %s with 401', async (_what, make) => {
    expect((await whoami(t, make())).status).toBe(401);
  });

  it('never lets an external issuer grant system: groups', async () => {
    const me = await whoami(t, idpToken(DISCOVERY_ISSUER, { groups: ['system:masters', 'dev'] }));
    expect(me.user.groups).toEqual(['dev', 'system:authenticated']);
  });

  it.each([
    [
      'jwt: [{ issuer: { url: "https://x" }, claimMappings: { username: { claim: sub, prefix: "" } } }]',
      'jwt.0.issuer.audiences',
    ],
    [
      'jwt: [{ issuer: { url: "https://x", audiences: [a] }, claimMappings: { username: { claim: sub } } }]',
      'jwt.0.claimMappings.username.prefix',
    ],
    [
      '{"jwt": [{"issuer": {"url": "not a url", "audiences": ["a"]}, "claimMappings": {"username": ' +
        '{"claim": "sub", "prefix": ""}}}]}',
      'jwt.0.issuer.url',
    ],
  ])('refuses a bad configuration naming the field (%#)', async (text, field) => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-idp-'));
    await writeFile(join(dir, 'bad.yaml'), text);
    const db = await createTestDatabase('pglite');
    try {
      await expect(
        App.create({
          database: db.database,
          log: createLogger('silent'),
          adminToken: 'x'.repeat(32),
          encryptionKeys: TEST_ENCRYPTION_KEYS,
          oidcIssuersFile: join(dir, 'bad.yaml'),
        }),
      ).rejects.toThrow(`KEYWAY_OIDC_ISSUERS: ${field}`);
    } finally {
      await db.drop();
    }
  });
});

/**
 * Signing keys: ES256 by default, RS256 by setting, a PEM file if given; one key for every
 * replica; rotation keeps old keys verifying until nothing they signed can still be valid.
 */
import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IssuedTokensController } from '../../../src/controllers/issuedTokens.js';
import { createLogger } from '../../../src/log.js';
import { eventually, startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { decode, review, token, whoami } from '../../helpers/tokens.js';
import { namespace, serviceAccount } from '../../helpers/fixtures.js';

const jwks = async (t: TestApp) => (await (await t.fetch('/openid/v1/jwks')).json()) as { keys: any[] };

describe.each(ENGINES)('signing keys (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'dev');
    await serviceAccount(t, 'dev', 'ci');
  });
  afterAll(() => t.close());

  it('generates an ES256 key once and every replica signs with it', async () => {
    const replica = await t.replica();
    try {
      expect(replica.app.keys.active().kid).toBe(t.app.keys.active().kid);
      expect(t.app.keys.active().algorithm).toBe('ES256');
      const tok = await token(replica, 'dev', 'ci');
      expect((await whoami(t, tok)).status).toBe(200);
    } finally {
      await replica.close();
    }
  });

  it('rotates: new tokens use the new key, old ones still verify, JWKS lists both', async () => {
    const oldKid = t.app.keys.active().kid;
    const old = await token(t, 'dev', 'ci');
    const replica = await t.replica();
    try {
      const data = await t.ok('mutation { rotateSigningKey { kid algorithm active } }');
      const { kid } = data.rotateSigningKey;
      expect(kid).not.toBe(oldKid);
      expect(data.rotateSigningKey).toMatchObject({ algorithm: 'ES256', active: true });
      expect(decode(await token(t, 'dev', 'ci')).header.kid).toBe(kid);
      // the other replica hears of the new key (NOTIFY) and signs with it
      const fresh = await eventually(async () => {
        const tok = await token(replica, 'dev', 'ci');
        expect(decode(tok).header.kid).toBe(kid);
        return tok;
      });
      for (const app of [t, replica]) {
        expect((await review(app, old)).authenticated).toBe(true);
        expect((await review(app, fresh)).authenticated).toBe(true);
      }
      expect((await jwks(t)).keys.map((k) => k.kid).sort()).toEqual([kid, oldKid].sort());
      const keys = await t.ok('{ signingKeys { kid active retiredAt } }');
      expect(keys.signingKeys.find((k: any) => k.kid === oldKid)).toMatchObject({
        active: false,
        retiredAt: expect.any(String),
      });
    } finally {
      await replica.close();
    }
  });

  it('keeps a retired key while a token it signed may be valid, and drops it after', async () => {
    const gc = new IssuedTokensController(t.app.registry, t.app.store, t.app.keys, createLogger('silent'));
    const retired = t.app.keys
      .all()
      .filter((k) => k.retiredAt)
      .map((k) => k.kid);
    expect(retired.length).toBeGreaterThan(0);
    expect(await gc.retirable()).toEqual([]); // the earlier tokens are still valid
    // expire every record the retired keys signed: then nothing holds them
    await t.app.registry.write(async (tx) => {
      for await (const r of tx.all('IssuedToken')) {
        if (retired.includes(r.spec.keyID))
          await t.app.registry.purge(tx, 'IssuedToken', r.metadata.namespace!, r.metadata.name);
      }
    });
    expect((await gc.retirable()).sort()).toEqual(retired.sort());
    await t.app.keys.remove(await gc.retirable());
    expect((await jwks(t)).keys.map((k) => k.kid)).toEqual([t.app.keys.active().kid]);
  });

  it('refuses rotation to anyone but system:masters', async () => {
    const res = await t.gql('mutation { rotateSigningKey { kid } }', {}, await token(t, 'dev', 'ci'));
    expect(res.errors?.[0]).toMatchObject({
      message:
        'signingkeys.keyway.dev is forbidden: User "system:serviceaccount:dev:ci" cannot update resource ' +
        '"signingkeys" in API group "keyway.dev" at the cluster scope',
      extensions: { code: 'FORBIDDEN' },
    });
  });
});

describe('signing key settings', () => {
  it('signs RS256 with KEYWAY_SIGNING_ALGORITHM=RS256', async () => {
    const t = await startTestApp('pglite', { signingAlgorithm: 'RS256', controllers: false });
    try {
      await serviceAccount(t, 'default', 'ci');
      const tok = await token(t, 'default', 'ci');
      expect(decode(tok).header.alg).toBe('RS256');
      expect((await jwks(t)).keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
      expect((await review(t, tok)).authenticated).toBe(true);
    } finally {
      await t.close();
    }
  });

  it.each([
    ['an EC P-256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, 'ES256'],
    ['an EC P-384', () => generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, 'ES384'],
    ['an RSA', () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, 'RS256'],
  ])('signs with %s key from KEYWAY_SIGNING_KEY_FILE', async (_what, make, alg) => {
    const key = make();
    const dir = await mkdtemp(join(tmpdir(), 'keyway-key-'));
    const file = join(dir, 'key.pem');
    await writeFile(file, key.export({ type: 'pkcs8', format: 'pem' }));
    const t = await startTestApp('pglite', { signingKeyFile: file, controllers: false });
    try {
      await serviceAccount(t, 'default', 'ci');
      const { header } = decode(await token(t, 'default', 'ci'));
      const der = createPublicKey(key).export({ type: 'spki', format: 'der' });
      expect(header).toEqual({ alg, kid: createHash('sha256').update(der).digest('base64url') });
    } finally {
      await t.close();
    }
  });
});

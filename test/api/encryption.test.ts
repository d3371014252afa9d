/**
 * Encryption at rest: Secret data and signing private keys are stored sealed (objects, change log,
 * signing keys), so a dump of the database holds none of them; rotation to a new key re-seals
 * everything while writes go on; a replica without the key refuses to start.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rows } from '../../src/db/client.js';
import { generateKey } from '../../src/encryption/keys.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { dumpDatabase } from '../helpers/dump.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace, serviceAccount } from '../helpers/fixtures.js';
import { token } from '../helpers/tokens.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const SECRET = 'mutation ($ns: String!, $input: SecretInput!) { createSecret(namespace: $ns, input: $input) { data } }';
const UPDATE = 'mutation ($ns: String!, $input: SecretInput!) { updateSecret(namespace: $ns, input: $input) { data } }';
const READ = 'query ($ns: String!, $n: String!) { secret(namespace: $ns, name: $n) { data } }';

/** The Secret data as stored: the objects row and every change-log row of it. */
async function stored(t: TestApp, ns: string, name: string): Promise<string[]> {
  const found = await rows<{ data: string }>(
    t.db.database.db,
    sql`select body ->> 'data' as data from objects where kind = 'Secret' and namespace = ${ns} and name = ${name}
        union all
        select object ->> 'data' from changes where kind = 'Secret' and namespace = ${ns} and name = ${name}
          and object ? 'data'`,
  );
  return found.map((r) => r.data);
}

describe.each(ENGINES)('encryption at rest (%s)', (engine) => {
  describe('what is stored', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(engine);
    });
    afterAll(() => t.close());

    it('holds no Secret value, token or private key in a dump of the database', async () => {
      await namespace(t, 'vault');
      await serviceAccount(t, 'vault', 'robot');
      const values = ['correct-horse-battery-staple', 'p4ssw0rd-from-data', 'a-value-updated-later', 'deleted-value'];
      await t.ok(SECRET, {
        ns: 'vault',
        input: { metadata: { name: 'db' }, data: { password: b64(values[1]) }, stringData: { phrase: values[0] } },
      });
      await t.ok(UPDATE, { ns: 'vault', input: { metadata: { name: 'db' }, stringData: { later: values[2] } } });
      await t.ok(SECRET, { ns: 'vault', input: { metadata: { name: 'gone' }, stringData: { v: values[3] } } });
      await t.ok('mutation { deleteSecret(namespace: "vault", name: "gone") { metadata { name } } }');
      // a legacy token Secret, filled by the tokens controller, and a TokenRequest token
      await t.ok(SECRET, {
        ns: 'vault',
        input: {
          metadata: { name: 'robot-token', annotations: { 'kubernetes.io/service-account.name': 'robot' } },
          type: 'kubernetes.io/service-account-token',
        },
      });
      const legacy = await eventually(async () => {
        const data = await t.ok(READ, { ns: 'vault', n: 'robot-token' });
        expect(data.secret.data.token).toBeTruthy();
        return Buffer.from(data.secret.data.token, 'base64').toString();
      });
      const issued = await token(t, 'vault', 'robot');
      const pem = t.app.keys.active().privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const pemLines = pem.split('\n').filter((l) => l && !l.startsWith('-----'));

      // the API still answers with the values
      const read = await t.ok(READ, { ns: 'vault', n: 'db' });
      expect(read.secret.data).toEqual({ password: b64(values[1]), phrase: b64(values[0]), later: b64(values[2]) });

      const dump = await dumpDatabase(t);
      expect(dump).toContain('k8s:enc:aesgcm:v1:test-key:');
      for (const value of [...values, legacy, issued]) {
        expect(dump).not.toContain(value);
        expect(dump).not.toContain(b64(value));
      }
      expect(dump).not.toContain('PRIVATE KEY');
      for (const line of pemLines) expect(dump).not.toContain(line);
      // every stored form of the Secret, objects and change log, is sealed
      const forms = await stored(t, 'vault', 'db');
      expect(forms.length).toBeGreaterThanOrEqual(3);
      for (const form of forms) expect(form).toMatch(/^k8s:enc:aesgcm:v1:test-key:/);
    });

    it('refuses a value moved onto another Secret', async () => {
      await t.ok(SECRET, { ns: 'vault', input: { metadata: { name: 'victim' }, stringData: { v: 'mine' } } });
      // someone with write access to the database copies db's ciphertext onto victim
      await t.db.database.db.execute(
        sql`update objects set body = jsonb_set(body, '{data}',
              (select body -> 'data' from objects where kind = 'Secret' and namespace = 'vault' and name = 'db'))
            where kind = 'Secret' and namespace = 'vault' and name = 'victim'`,
      );
      // a replica loading it refuses to start rather than serve without it
      await expect(t.replica()).rejects.toThrow(
        'cannot start: objects: load failed: a stored value sealed with test-key',
      );
      await t.db.database.db.execute(
        sql`delete from objects where kind = 'Secret' and namespace = 'vault' and name = 'victim'`,
      );
    });
  });

  describe('rotation', () => {
    const k1 = generateKey('k1');
    const k2 = generateKey('k2');
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(engine, { encryptionKeys: [k1] });
      await namespace(t, 'rot');
      for (let i = 0; i < 30; i++) {
        await t.ok(SECRET, { ns: 'rot', input: { metadata: { name: `s${i}` }, stringData: { v: `v${i}-0` } } });
      }
    });
    afterAll(() => t.close());

    it('re-seals every value under the new first key while writes go on, losing none of them', async () => {
      const rotated = await t.replica({ encryptionKeys: [k2, k1], controllers: false });
      try {
        // writes through the rotated replica race the re-encryption of the same rows
        const writes = (async () => {
          for (let round = 1; round <= 3; round++) {
            await Promise.all(
              Array.from({ length: 30 }, (_, i) =>
                rotated.ok(UPDATE, {
                  ns: 'rot',
                  input: { metadata: { name: `s${i}` }, stringData: { v: `v${i}-${round}` } },
                }),
              ),
            );
          }
        })();
        let rewritten = 0;
        while (
          !(await Promise.race([writes.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 5))]))
        ) {
          rewritten += await rotated.app.store.reencrypt(7);
        }
        await writes;
        rewritten += await rotated.app.store.reencrypt();
        expect(rewritten).toBeGreaterThan(0);
        expect(await rotated.app.store.reencrypt()).toBe(0);
        for (let i = 0; i < 30; i++) {
          for (const form of await stored(t, 'rot', `s${i}`)) expect(form).toMatch(/^k8s:enc:aesgcm:v1:k2:/);
        }
      } finally {
        await rotated.close();
      }
    });

    // PGlite has one connection: a transaction and the re-encryption cannot interleave there
    it.runIf(engine === 'postgres')('lets a write that commits while its row is being re-sealed win', async () => {
      await t.ok(SECRET, { ns: 'rot', input: { metadata: { name: 'race' }, stringData: { v: 'old' } } });
      const rotated = await t.replica({ encryptionKeys: [k2, k1], controllers: false });
      try {
        let release!: () => void;
        const gate = new Promise<void>((r) => {
          release = r;
        });
        let locked!: () => void;
        const holding = new Promise<void>((r) => {
          locked = r;
        });
        // a writer holds the row, its new value written and not yet committed
        const writing = rotated.app.store.transaction(async (tx) => {
          const current = (await tx.get('Secret', 'rot', 'race', 'update'))!;
          await tx.update({ ...current, data: { v: b64('new') } });
          locked();
          await gate;
        });
        await holding;
        // the re-encryption reads the committed (old, k1) row and then waits on the writer's lock
        const resealing = rotated.app.store.reencrypt();
        await new Promise((r) => setTimeout(r, 300));
        release();
        await writing;
        await resealing;
        expect((await rotated.app.store.read.get('Secret', 'rot', 'race'))?.data).toEqual({ v: b64('new') });
      } finally {
        await rotated.close();
      }
    });

    it('has the leader re-seal the signing keys; then the old key can go, and a stranger cannot start', async () => {
      const sealedKeys = async () =>
        (await rows<{ k: string }>(t.db.database.db, sql`select private_key as k from signing_keys`)).map((r) => r.k);
      expect((await sealedKeys()).every((k) => k.startsWith('k8s:enc:aesgcm:v1:k1:'))).toBe(true);
      const next = await t.replica({ encryptionKeys: [k2, k1], leaseCheckMs: 50 });
      try {
        await t.app.leadership.stop();
        await eventually(async () => {
          expect((await sealedKeys()).every((k) => k.startsWith('k8s:enc:aesgcm:v1:k2:'))).toBe(true);
        });
      } finally {
        await next.close();
      }
      const only = await t.replica({ encryptionKeys: [k2], controllers: false });
      try {
        for (let i = 0; i < 30; i++) {
          const data = await only.ok(READ, { ns: 'rot', n: `s${i}` });
          expect(data.secret.data).toEqual({ v: b64(`v${i}-3`) });
        }
      } finally {
        await only.close();
      }
      await expect(t.replica({ encryptionKeys: [generateKey('k3')], controllers: false })).rejects.toThrow(
        'sealed with encryption key "k2", which is not among the configured keys',
      );
    });
  });
});

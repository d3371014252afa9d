/**
 * Encryption keys as an operator meets them: generated into the data directory on the first
 * embedded start (and said so, once), and rotated with `npm run keys:reencrypt`: on a stopped
 * embedded database, and on PostgreSQL while Keyway serves.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { generateKey, parseEncryptionKeys } from '../../src/encryption/keys.js';
import { withEmptyDatabase } from '../helpers/emptyDatabase.js';
import { encryptionKeysFile, gqlOver, runReencrypt, startKeyway } from '../helpers/process.js';

const TOKEN = `enc-${randomBytes(12).toString('hex')}`;
const CREATE = (name: string, value: string) =>
  `mutation { createSecret(namespace: "default", input: { metadata: { name: "${name}" }, ` +
  `stringData: { v: "${value}" } }) { metadata { name } } }`;
const READ = (name: string) => `{ secret(namespace: "default", name: "${name}") { data } }`;
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('encryption keys', () => {
  it('generates a key into the data directory once, says so, and rotates a stopped embedded database', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-enc-'));
    const path = join(dir, 'encryption-config.yaml');
    const first = await startKeyway({ KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: TOKEN });
    expect(first.stdout()).toContain(`Keyway encryption key generated in ${path}.`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const [generated] = parseEncryptionKeys(await readFile(path, 'utf8'), path);
    expect((await gqlOver(first.port, TOKEN, CREATE('kept', 'sesame'))).errors).toBeUndefined();
    // the running server has the embedded database open: the command says what to do instead
    const busy = await runReencrypt({ KEYWAY_DATA_DIR: dir });
    expect(busy.code).toBe(1);
    expect(busy.output).toContain('is open in another process');
    await first.stop();

    const second = await startKeyway({ KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: TOKEN });
    expect(second.stdout()).not.toContain('encryption key generated');
    await second.stop();

    const next = generateKey('next');
    const rotated = await runReencrypt({
      KEYWAY_DATA_DIR: dir,
      KEYWAY_ENCRYPTION_KEYS: await encryptionKeysFile([next, generated]),
    });
    expect(rotated.output).toMatch(/re-encrypted [1-9]\d* stored values under key next/);
    expect(rotated.code).toBe(0);
    // the old key is gone: everything still reads
    const third = await startKeyway({
      KEYWAY_DATA_DIR: dir,
      KEYWAY_ADMIN_TOKEN: TOKEN,
      KEYWAY_ENCRYPTION_KEYS: await encryptionKeysFile([next]),
    });
    expect((await gqlOver(third.port, TOKEN, READ('kept'))).data.secret.data).toEqual({ v: b64('sesame') });
    await third.stop();
  }, 90_000);

  it.runIf(!!process.env.TEST_DATABASE_URL)(
    'rotates a PostgreSQL database while Keyway serves it',
    async () => {
      await withEmptyDatabase(async (url) => {
        const old = generateKey('old');
        const next = generateKey('next');
        const env = {
          KEYWAY_DATA_DIR: await mkdtemp(join(tmpdir(), 'keyway-enc-')),
          KEYWAY_ADMIN_TOKEN: TOKEN,
          DATABASE_URL: url.toString(),
          KEYWAY_ENCRYPTION_KEYS: await encryptionKeysFile([old]),
        };
        const server = await startKeyway(env);
        for (let i = 0; i < 20; i++) await gqlOver(server.port, TOKEN, CREATE(`s${i}`, `value-${i}`));
        const rotated = await runReencrypt({ ...env, KEYWAY_ENCRYPTION_KEYS: await encryptionKeysFile([next, old]) });
        expect(rotated.output).toMatch(/re-encrypted [1-9]\d* stored values under key next/);
        // still serving, reads and writes
        expect((await gqlOver(server.port, TOKEN, READ('s7'))).data.secret.data).toEqual({ v: b64('value-7') });
        expect((await gqlOver(server.port, TOKEN, CREATE('after', 'x'))).errors).toBeUndefined();
        await server.stop();
        const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
        try {
          const stale = await sql`select count(*)::int as n from objects
            where kind = 'Secret' and name like 's%' and body ->> 'data' not like 'k8s:enc:aesgcm:v1:next:%'`;
          expect(stale[0].n).toBe(0);
          const keys = await sql`select private_key from signing_keys`;
          for (const k of keys) expect(k.private_key).toMatch(/^k8s:enc:aesgcm:v1:next:/);
        } finally {
          await sql.end();
        }
      });
    },
    90_000,
  );
});

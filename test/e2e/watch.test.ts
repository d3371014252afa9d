/**
 * Watches across real processes: a watch held by one `npm start` process reports a write made
 * through another within a second (PostgreSQL only: PGlite cannot be shared by two processes);
 * and a SIGTERM drains: requests in flight are answered, watches end cleanly, the process exits 0.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { withEmptyDatabase } from '../helpers/emptyDatabase.js';
import { encryptionKeysFile, gqlOver, startKeyway } from '../helpers/process.js';
import { generateKey } from '../../src/encryption/keys.js';
import { subscribe } from '../helpers/sse.js';

const over = (port: number) => (path: string, init: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, init);
const WATCH =
  'subscription { watch(kind: ServiceAccount, namespace: "default", labelSelector: "e2e=yes") ' +
  '{ type resourceVersion object { ... on ServiceAccount { metadata { name } } } } }';

describe('watch across processes', () => {
  it.runIf(!!process.env.TEST_DATABASE_URL)(
    'reports a write through one process to a watch held by another within a second (PostgreSQL)',
    async () => {
      await withEmptyDatabase(async (url) => {
        const token = `e2e-${randomBytes(12).toString('hex')}`;
        // replicas share their encryption keys
        const keys = await encryptionKeysFile([generateKey()]);
        const env = async () => ({
          KEYWAY_ADMIN_TOKEN: token,
          KEYWAY_ENCRYPTION_KEYS: keys,
          DATABASE_URL: url.toString(),
          KEYWAY_DATA_DIR: await mkdtemp(join(tmpdir(), 'keyway-watch-')),
        });
        const [a, b] = await Promise.all([startKeyway(await env()), startKeyway(await env())]);
        try {
          const w = await subscribe(over(b.port), WATCH, {}, token);
          expect(w.status).toBe(200);
          // the stream is open once its first bytes came; give the watch a moment to be held
          await new Promise((r) => setTimeout(r, 200));
          const started = Date.now();
          const made = await gqlOver(
            a.port,
            token,
            'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "across", labels: ' +
              '{ e2e: "yes" } } }) { metadata { resourceVersion } } }',
          );
          const event = (await w.next(1000))!;
          expect(Date.now() - started).toBeLessThan(1000);
          expect(event.data.watch).toEqual({
            type: 'ADDED',
            resourceVersion: made.data.createServiceAccount.metadata.resourceVersion,
            object: { metadata: { name: 'across' } },
          });
          w.close();
        } finally {
          await a.stop();
          await b.stop();
        }
      });
    },
    60_000,
  );

  it('drains on SIGTERM: requests in flight answered, watches ended cleanly, exit 0', async () => {
    const token = `e2e-${randomBytes(12).toString('hex')}`;
    const k = await startKeyway({
      KEYWAY_ADMIN_TOKEN: token,
      DATABASE_URL: 'memory://',
      KEYWAY_DATA_DIR: await mkdtemp(join(tmpdir(), 'keyway-drain-')),
      KEYWAY_SHUTDOWN_DELAY: '2s',
    });
    const w = await subscribe(over(k.port), WATCH, {}, token);
    await new Promise((r) => setTimeout(r, 200));
    const inFlight = Array.from({ length: 40 }, (_, i) =>
      gqlOver(
        k.port,
        token,
        `mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "drain-${i}" } }) { id } }`,
      ),
    );
    const exited = new Promise<number | null>((resolve) => k.child.once('exit', resolve));
    // once they have reached the server (the writes take turns, so most are still being served)
    await new Promise((r) => setTimeout(r, 100));
    k.child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    for (const answer of answers) expect(answer.errors).toBeUndefined();
    // the watch's stream completed (no reset, no error), after whatever it had to say
    const rest = await w.drain(3000);
    for (const result of rest) expect(result.errors).toBeUndefined();
    expect(await w.next(100)).toBeNull();
    expect(await exited).toBe(0);
    expect(k.output()).toContain('shutting down: draining requests and ending watches');
  }, 60_000);
});

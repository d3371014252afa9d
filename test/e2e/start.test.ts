/**
 * `npm start` as a user runs it: a real process on a real port, embedded Postgres kept in the
 * data directory, the generated admin token printed once; and the same against a PostgreSQL
 * server whose empty database it migrates.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gqlOver, runToExit, startKeyway, type KeywayProcess } from '../helpers/process.js';
import { withEmptyDatabase } from '../helpers/emptyDatabase.js';
import postgres from 'postgres';

/** The follower's and the pool's metrics of a running replica (what a failure needs to be read). */
async function metricsOf(port: number): Promise<string> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((line) => /^keyway_(changelog|informer|database)/.test(line))
    .join('\n');
}

async function withDatabase<T>(url: URL, fn: (db: postgres.Sql) => Promise<T>): Promise<T> {
  const db = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    return await fn(db);
  } finally {
    await db.end();
  }
}

const start = startKeyway;
const stop = (r: KeywayProcess) => r.stop();
const gql = (port: number, token: string, query: string) => gqlOver(port, token, query);

describe('npm start', () => {
  it('serves on embedded Postgres in the data directory and prints the generated admin token once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-start-'));
    const first = await start({ KEYWAY_DATA_DIR: dir });
    const token = (await readFile(join(dir, 'admin-token'), 'utf8')).trim();
    expect((await stat(join(dir, 'admin-token'))).mode & 0o777).toBe(0o600);
    expect(first.stdout()).toContain(`Keyway admin token (shown once, kept in ${join(dir, 'admin-token')}):`);
    expect(first.stdout()).toContain(token);
    const created = await gql(
      first.port,
      token,
      'mutation { createNamespace(input: { metadata: { name: "kept" } }) { metadata { name } } }',
    );
    expect(created.errors).toBeUndefined();
    expect((await fetch(`http://127.0.0.1:${first.port}/readyz`)).status).toBe(200);
    await stop(first);

    const second = await start({ KEYWAY_DATA_DIR: dir });
    expect(second.stdout()).not.toContain(token);
    const listed = await gql(second.port, token, '{ namespace(name: "kept") { metadata { name } } }');
    expect(listed.data.namespace.metadata.name).toBe('kept');
    await stop(second);
  }, 60_000);

  it('uses KEYWAY_ADMIN_TOKEN when set and prints nothing secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-start-'));
    const token = `configured-${randomBytes(12).toString('hex')}`;
    const r = await start({ KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: token, DATABASE_URL: 'memory://' });
    expect(r.stdout()).not.toContain(token);
    expect((await gql(r.port, token, '{ namespaces { totalCount } }')).data.namespaces.totalCount).toBe(4);
    await stop(r);
  }, 60_000);

  it('refuses a bad setting with a message naming it', async () => {
    const { code, stderr } = await runToExit({ DATABASE_URL: 'mysql://nope', PORT: 'x' });
    expect(code).toBe(1);
    expect(stderr).toContain('PORT');
  }, 30_000);

  it.runIf(!!process.env.TEST_DATABASE_URL)(
    'migrates an empty PostgreSQL database at start (DATABASE_URL)',
    async () => {
      await withEmptyDatabase(async (url) => {
        const dir = await mkdtemp(join(tmpdir(), 'keyway-start-'));
        const token = `pg-${randomBytes(12).toString('hex')}`;
        // two replicas starting at once on one empty database: one migrates, both serve
        const [a, b] = await Promise.all([
          start({ KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: token, DATABASE_URL: url.toString() }),
          start({ KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: token, DATABASE_URL: url.toString() }),
        ]);
        // the built-in namespaces and default accounts are made by whichever replica gets there
        // first; the other hears of them through the change log, moments later
        for (const r of [a, b]) {
          const ask = () =>
            gql(
              r.port,
              token,
              `{ namespaces { totalCount edges { node { metadata { name resourceVersion } } } }
                 serviceAccounts(namespace: "default") { totalCount } }`,
            );
          let data = await ask();
          for (let i = 0; i < 100 && data.data?.namespaces?.totalCount !== 4; i++) {
            await new Promise((resolve) => setTimeout(resolve, 100));
            data = await ask();
          }
          // on failure, say what this replica holds, what the database holds, and what it logged
          const stored =
            data.data?.namespaces?.totalCount === 4
              ? ''
              : [
                  JSON.stringify(data.data?.namespaces),
                  JSON.stringify(
                    await withDatabase(
                      url,
                      (db) => db`select name, resource_version from objects where kind = 'Namespace'`,
                    ),
                  ),
                  JSON.stringify(
                    await withDatabase(
                      url,
                      (db) => db`select resource_version, kind, name, xid from changes order by 1`,
                    ),
                  ),
                  await metricsOf(r.port),
                  r.output(),
                ].join('\n');
          expect({ ...data.data, log: stored }).toMatchObject({
            namespaces: { totalCount: 4 },
            serviceAccounts: { totalCount: 1 },
            log: '',
          });
        }
        await stop(a);
        await stop(b);
      });
    },
    60_000,
  );

  it.runIf(!!process.env.TEST_DATABASE_URL)(
    'keeps two replicas on one PostgreSQL in agreement: an RBAC change through one holds on the other within 1 s',
    async () => {
      await withEmptyDatabase(async (url) => {
        const dir = await mkdtemp(join(tmpdir(), 'keyway-start-'));
        const token = `pg-${randomBytes(12).toString('hex')}`;
        const env = { KEYWAY_DATA_DIR: dir, KEYWAY_ADMIN_TOKEN: token, DATABASE_URL: url.toString() };
        const a = await start(env);
        const b = await start(env);
        await gql(
          a.port,
          token,
          'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "ci" } }) { id } }',
        );
        const minted = await gql(
          a.port,
          token,
          'mutation { createServiceAccountToken(namespace: "default", name: "ci") { token } }',
        );
        const ci = minted.data.createServiceAccountToken.token as string;
        const list = () => gql(b.port, ci, '{ pods(namespace: "default") { totalCount } }');
        expect((await list()).errors).toBeDefined();

        const within = async (ok: () => Promise<boolean>) => {
          const t0 = Date.now();
          while (!(await ok())) {
            if (Date.now() - t0 > 1000) throw new Error('replica did not agree within 1 s');
            await new Promise((r) => setTimeout(r, 10));
          }
          return Date.now() - t0;
        };
        await gql(
          a.port,
          token,
          'mutation { createRole(namespace: "default", input: { metadata: { name: "pods" }, rules: [{ ' +
            'verbs: ["list"], apiGroups: [""], resources: ["pods"] }] }) { id } }',
        );
        await gql(
          a.port,
          token,
          'mutation { createRoleBinding(namespace: "default", input: { metadata: { name: "ci-pods" }, ' +
            'roleRef: { kind: "Role", name: "pods" }, subjects: [{ kind: "ServiceAccount", name: "ci" }] ' +
            '}) { id } }',
        );
        await within(async () => (await list()).errors === undefined);
        await gql(a.port, token, 'mutation { deleteRoleBinding(namespace: "default", name: "ci-pods") { id } }');
        await within(async () => (await list()).errors !== undefined);
        await stop(a);
        await stop(b);
      });
    },
    60_000,
  );
});

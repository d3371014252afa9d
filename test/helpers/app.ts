/**
 * A Keyway app on a fresh test database, driven through `yoga.fetch` (real HTTP semantics, no
 * port): `gql` posts a query as a given token and returns status and body.
 */
import { randomBytes } from 'node:crypto';
import { App, type AppOptions } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { generateKey } from '../../src/encryption/keys.js';
import { Envelope } from '../../src/encryption/envelope.js';
import { StorageTransformer } from '../../src/encryption/transformer.js';
import { createTestDatabase, type Engine, type TestDatabase } from './engines.js';

export interface GraphQLResponse<T = Record<string, any>> {
  status: number;
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions: { code: string; [k: string]: any } }[];
}

export interface TestApp {
  app: App;
  engine: Engine;
  db: TestDatabase;
  adminToken: string;
  /** POST /graphql; `token: null` sends no Authorization header. */
  gql<T = Record<string, any>>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string | null,
  ): Promise<GraphQLResponse<T>>;
  /** Like gql, but fails the test on any error and returns data. */
  ok<T = Record<string, any>>(query: string, variables?: Record<string, unknown>, token?: string | null): Promise<T>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** Another replica on the same database (its own follower and controllers). */
  replica(options?: Partial<AppOptions>): Promise<TestApp>;
  close(): Promise<void>;
}

const log = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/** The encryption keys every test app uses unless a test gives its own (replicas must share them). */
export const TEST_ENCRYPTION_KEYS = [generateKey('test-key')];

/** The storage transformer of those keys, for tests that build a store of their own. */
export const testTransformer = () => new StorageTransformer(new Envelope(TEST_ENCRYPTION_KEYS));

async function startOn(
  engine: Engine,
  db: TestDatabase,
  options: Partial<AppOptions>,
  ownsDb: boolean,
): Promise<TestApp> {
  const adminToken = options.adminToken ?? `admin-${randomBytes(16).toString('hex')}`;
  const database = ownsDb ? db.database : await db.reopen();
  const app = await App.create({
    database,
    log,
    adminToken,
    pollIntervalMs: 200,
    ...options,
    encryptionKeys: options.encryptionKeys ?? TEST_ENCRYPTION_KEYS,
  });
  try {
    await app.start();
  } catch (err) {
    await app.stop();
    if (ownsDb) await db.drop();
    else await database.close();
    throw err;
  }
  const fetchPath = (path: string, init?: RequestInit) =>
    Promise.resolve(app.server.fetch(new Request(`http://keyway.test${path}`, init)));
  const gql = async <T>(query: string, variables?: Record<string, unknown>, token: string | null = adminToken) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (token !== null) headers.authorization = `Bearer ${token}`;
    const res = await fetchPath('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const body = (await res.json()) as Omit<GraphQLResponse<T>, 'status'>;
    return { status: res.status, ...body } as GraphQLResponse<T>;
  };
  const testApp: TestApp = {
    app,
    engine,
    db,
    adminToken,
    gql,
    async ok<T>(query: string, variables?: Record<string, unknown>, token?: string | null) {
      const res = await gql<T>(query, variables, token);
      if (res.errors?.length) throw new Error(`GraphQL errors: ${JSON.stringify(res.errors, null, 2)}`);
      return res.data as T;
    },
    fetch: fetchPath,
    replica: (more = {}) => startOn(engine, db, { adminToken, ...more }, false),
    async close() {
      await app.stop();
      if (ownsDb) await db.drop();
      else await database.close();
    },
  };
  return testApp;
}

export async function startTestApp(engine: Engine, options: Partial<AppOptions> = {}): Promise<TestApp> {
  const db = await createTestDatabase(engine);
  return startOn(engine, db, options, true);
}

/** Polls until `check` passes (or throws its last error after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 5000, intervalMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A GraphQL request as the admin impersonating someone (Impersonate-User / Impersonate-Group). */
export async function gqlAs<T = Record<string, any>>(
  t: TestApp,
  as: { user: string; groups?: string[] },
  query: string,
  variables?: Record<string, unknown>,
): Promise<GraphQLResponse<T>> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    authorization: `Bearer ${t.adminToken}`,
    'impersonate-user': as.user,
  };
  if (as.groups?.length) headers['impersonate-group'] = as.groups.join(', ');
  const res = await t.fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return { status: res.status, ...((await res.json()) as object) } as GraphQLResponse<T>;
}

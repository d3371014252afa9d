/**
 * The two engines behind one interface: embedded PostgreSQL (PGlite, in a directory or in
 * memory) and a PostgreSQL server (postgres.js). Everything engine-specific lives in this file;
 * the rest of Keyway sees a drizzle database, `rows()`, and `listen()`.
 */
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema.js';
import { LOCKS } from './locks.js';

type Schema = typeof schema;
/** A drizzle database or a transaction on it: both run queries. */
export type Executor = PgDatabase<PgQueryResultHKT, Schema>;

export type DatabaseTarget =
  | {
      engine: 'pglite';
      dataDir?: string;
      loadDataDir?: Blob;
      /** Written rows between two `analyze` runs (default 5,000). */
      analyzeEvery?: number;
    }
  | { engine: 'postgres'; url: string; maxConnections?: number };

export interface Database {
  readonly engine: 'pglite' | 'postgres';
  readonly db: Executor;
  /**
   * Applies `drizzle/` migrations, then refreshes the planner's statistics; safe when several
   * replicas start at once.
   */
  migrate(): Promise<void>;
  /**
   * Told after each commit how many rows it wrote. PGlite has no autovacuum, so without this its
   * planner statistics never move and keyset pages over a large kind turn into full sorts;
   * PostgreSQL's autovacuum does this itself.
   */
  wrote(rows: number): void;
  /**
   * Whether the database answers a query now: within about a second, or false. Never throws; a
   * ping that timed out leaves its query to fail or finish on its own (cancelling it would need
   * the server that is not answering).
   */
  ping(): Promise<boolean>;
  /** The connection pool now (PGlite: its one connection, whose use is not tracked). */
  pool(): PoolStats;
  /** Calls `onPayload` for each NOTIFY on `channel` (after the sender commits). */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  /** A lease on an advisory lock, held by one replica at a time (see Lease). */
  lease(key: number): Lease;
  close(): Promise<void>;
  /** PGlite only: the data directory as a tarball, to start other databases from (tests). */
  snapshot?(): Promise<Blob>;
}

export interface PoolStats {
  /** Connections the pool may open. */
  size: number;
  /** Running a query (or reserved by a transaction). */
  busy: number;
  idle: number;
  connecting: number;
  /** Queries waiting for a connection. */
  waiting: number;
}

/** postgres.js's pool state, which our patch (patches/postgres+3.4.9.patch) exposes. */
interface PoolStatsOf {
  poolStats(): Record<'connecting' | 'reserved' | 'open' | 'busy' | 'full' | 'queued', number>;
}

/**
 * Leadership among replicas: a session-level advisory lock on a connection of its own. Whoever
 * holds it leads; if that connection dies, so does the lock, and another replica takes it.
 */
export interface Lease {
  /** Holds the lock, taking it if free: true while this replica holds it. Never throws. */
  hold(): Promise<boolean>;
  release(): Promise<void>;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

const ANALYZE = sql`analyze objects, changes`;
/** PGlite re-analyzes after this many written rows, unless told otherwise. */
const ANALYZE_EVERY = 5_000;

/** How long a ping waits for `select 1`. */
const PING_TIMEOUT_MS = 1000;

export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  return target.engine === 'pglite' ? openPglite(target) : openPostgres(target);
}

async function openPglite(target: { dataDir?: string; loadDataDir?: Blob; analyzeEvery?: number }): Promise<Database> {
  const analyzeEvery = target.analyzeEvery ?? ANALYZE_EVERY;
  if (target.dataDir) await mkdir(target.dataDir, { recursive: true, mode: 0o700 });
  const client = await PGlite.create({ dataDir: target.dataDir, loadDataDir: target.loadDataDir });
  const db = drizzlePglite({ client, schema }) as unknown as Executor;
  let unanalyzed = 0;
  let analyzing: Promise<void> | undefined;
  return {
    engine: 'pglite',
    db,
    async migrate() {
      // PGlite is one connection in this process: nobody else can migrate concurrently.
      await migratePglite(drizzlePglite({ client, schema }), { migrationsFolder: MIGRATIONS_FOLDER });
      await db.execute(ANALYZE);
    },
    pool: () => ({ size: 1, busy: 0, idle: 1, connecting: 0, waiting: 0 }),
    wrote(rows) {
      unanalyzed += rows;
      if (unanalyzed < analyzeEvery || analyzing || client.closed) return;
      unanalyzed = 0;
      // queued behind whatever the one connection is doing; statistics are only a hint, so a
      // failure (the database closing meanwhile) is of no consequence
      const done = () => {
        analyzing = undefined;
      };
      analyzing = db.execute(ANALYZE).then(done, done);
    },
    // in this process: it answers while it is open
    ping: async () => !client.closed,
    // one process owns the database: it always leads
    lease: () => ({ hold: async () => !client.closed, release: async () => {} }),
    async listen(channel, onPayload) {
      const unsubscribe = await client.listen(channel, onPayload);
      return async () => {
        if (!client.closed) await unsubscribe();
      };
    },
    async close() {
      await analyzing;
      if (!client.closed) await client.close();
    },
    snapshot: () => client.dumpDataDir('none'),
  };
}

/**
 * Seconds before postgres.js opens a closed connection again, `retries` being the connections of
 * the pool (LISTEN's included) that failed since one last succeeded. Its default grows as 3^n/100
 * s up to 20 s: ten connections failing through a restart of a few seconds reach the 20 s, and
 * queries routed to them wait that long once the server is back. Here it stops at a second.
 */
function reconnectDelay(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 1) * (0.5 + Math.random() / 2);
}

async function openPostgres(target: { url: string; maxConnections?: number }): Promise<Database> {
  // connect_timeout: a database out of reach fails a write in seconds, not postgres.js' 30
  const options = { onnotice: () => {}, max: target.maxConnections ?? 10, backoff: reconnectDelay, connect_timeout: 5 };
  const client = postgres(target.url, options);
  const db = drizzlePostgres({ client, schema }) as unknown as Executor;
  let listener: postgres.Sql | undefined;
  return {
    engine: 'postgres',
    db,
    async migrate() {
      // A dedicated single connection, serialised across replicas by an advisory lock.
      const one = postgres(target.url, { ...options, max: 1 });
      try {
        await one`select pg_advisory_lock(${LOCKS.migration})`;
        await migratePostgres(drizzlePostgres({ client: one }), { migrationsFolder: MIGRATIONS_FOLDER });
        await one`analyze objects, changes`;
        await one`select pg_advisory_unlock(${LOCKS.migration})`;
      } finally {
        await one.end();
      }
    },
    wrote() {},
    pool() {
      const s = (client as unknown as PoolStatsOf).poolStats();
      return {
        size: options.max,
        busy: s.busy + s.full + s.reserved,
        idle: s.open,
        connecting: s.connecting,
        waiting: s.queued,
      };
    },
    async ping() {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, PING_TIMEOUT_MS, false)));
      const answered = client`select 1`.then(
        () => true,
        () => false,
      );
      try {
        return await Promise.race([answered, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    },
    async listen(channel, onPayload) {
      // LISTEN holds its connection, so it gets one of its own rather than one of the pool's.
      listener ??= postgres(target.url, { ...options, max: 1 });
      const { unlisten } = await listener.listen(channel, onPayload);
      return unlisten;
    },
    lease(key) {
      const one = postgres(target.url, { ...options, max: 1 });
      return {
        async hold() {
          try {
            // still held on this session (a reconnect is a new session, which holds nothing)?
            const [held] = await one`select exists(select 1 from pg_locks where locktype = 'advisory' and granted
              and pid = pg_backend_pid() and classid = 0 and objid = ${key} and objsubid = 1) as ok`;
            if (held.ok) return true;
            const [taken] = await one`select pg_try_advisory_lock(${key}) as ok`;
            return taken.ok === true;
          } catch {
            return false;
          }
        },
        async release() {
          await one.end({ timeout: 1 });
        },
      };
    },
    async close() {
      await listener?.end({ timeout: 1 });
      await client.end({ timeout: 1 });
    },
  };
}

/** The rows of a raw query, whichever engine ran it (PGlite returns `{rows}`, postgres.js an array). */
export async function rows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result: unknown = await executor.execute(query);
  if (Array.isArray(result)) return result as T[];
  return (result as { rows: T[] }).rows;
}

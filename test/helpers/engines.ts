/**
 * The engines a suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. Each
 * test database is fresh: PGlite from the migrated snapshot, PostgreSQL a copy of the migrated
 * template, dropped afterwards.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import { inject } from 'vitest';
import { openDatabase, type Database } from '../../src/db/client.js';

export type Engine = 'pglite' | 'postgres';

export const ENGINES: Engine[] = process.env.TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite'];

let snapshot: Blob | undefined;

export interface TestDatabase {
  database: Database;
  /** A connection string another process (a second replica) can use; postgres only. */
  url?: string;
  /** Opens another handle on the same database (a second replica on postgres; the same PGlite). */
  reopen(): Promise<Database>;
  drop(): Promise<void>;
}

export async function createTestDatabase(engine: Engine): Promise<TestDatabase> {
  if (engine === 'pglite') {
    snapshot ??= new Blob([await readFile(inject('pgliteSnapshot'))]);
    const database = await openDatabase({ engine: 'pglite', loadDataDir: snapshot });
    return {
      database,
      reopen: async () => ({ ...database, close: async () => {} }),
      drop: () => database.close(),
    };
  }
  const adminUrl = process.env.TEST_DATABASE_URL!;
  const name = `keyway_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${inject('postgresTemplate')}`);
  await admin.end();
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  const url = target.toString();
  const opened: Database[] = [];
  const open = async () => {
    const db = await openDatabase({ engine: 'postgres', url, maxConnections: 4 });
    opened.push(db);
    return db;
  };
  const database = await open();
  return {
    database,
    url,
    reopen: open,
    async drop() {
      for (const db of opened) await db.close();
      const cleanup = postgres(adminUrl, { max: 1, onnotice: () => {} });
      await cleanup.unsafe(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/**
 * Everything a database holds, as text, to search for what must not be there: `pg_dump` of a
 * PostgreSQL test database; for PGlite (which has no pg_dump), every row of every table as text.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { rows } from '../../src/db/client.js';
import type { TestApp } from './app.js';

export async function dumpDatabase(t: TestApp): Promise<string> {
  if (t.engine === 'postgres') {
    const { stdout } = await promisify(execFile)('pg_dump', ['--no-owner', t.db.url!], { maxBuffer: 1 << 30 });
    return stdout;
  }
  const db = t.db.database.db;
  const tables = await rows<{ schema: string; name: string }>(
    db,
    sql`select table_schema as schema, table_name as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')`,
  );
  const parts: string[] = [];
  for (const table of tables) {
    const found = await rows<{ row: string }>(
      db,
      sql.raw(`select t::text as row from "${table.schema}"."${table.name}" t`),
    );
    parts.push(`-- ${table.schema}.${table.name}`, ...found.map((r) => r.row));
  }
  return parts.join('\n');
}

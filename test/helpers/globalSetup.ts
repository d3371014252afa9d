/**
 * Once per run: builds dist/ (the end-to-end tests start the server from it), and migrates a
 * PGlite data directory snapshot every test database starts from and, when TEST_DATABASE_URL is
 * set, a PostgreSQL template database the per-file databases copy.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { openDatabase } from '../../src/db/client.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgliteSnapshot: string;
    postgresTemplate: string;
  }
}

export default async function setup(project: TestProject) {
  // end-to-end tests run the server as `npm start` does, from dist/: bring it up to date
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
  const dir = await mkdtemp(join(tmpdir(), 'keyway-test-'));
  const pglite = await openDatabase({ engine: 'pglite' });
  await pglite.migrate();
  const snapshot = await pglite.snapshot!();
  await pglite.close();
  const snapshotPath = join(dir, 'pglite.tar');
  await writeFile(snapshotPath, Buffer.from(await snapshot.arrayBuffer()));
  project.provide('pgliteSnapshot', snapshotPath);

  let template = '';
  const url = process.env.TEST_DATABASE_URL;
  if (url) {
    template = `keyway_template_${process.pid}`;
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${template}`);
    await admin.unsafe(`create database ${template}`);
    const target = new URL(url);
    target.pathname = `/${template}`;
    const db = await openDatabase({ engine: 'postgres', url: target.toString(), maxConnections: 1 });
    await db.migrate();
    await db.close();
    await admin.end();
  }
  project.provide('postgresTemplate', template);

  return async () => {
    await rm(dir, { recursive: true, force: true });
    if (url && template) {
      const admin = postgres(url, { max: 1, onnotice: () => {} });
      await admin.unsafe(`drop database if exists ${template} with (force)`);
      await admin.end();
    }
  };
}

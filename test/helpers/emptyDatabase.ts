/** A throwaway PostgreSQL database for tests that start Keyway as a process (PostgreSQL only). */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';

/** Runs `fn` with the URL of a new, empty database on TEST_DATABASE_URL's server, dropped after. */
export async function withEmptyDatabase(fn: (url: URL) => Promise<void>): Promise<void> {
  const admin = postgres(process.env.TEST_DATABASE_URL!, { max: 1, onnotice: () => {} });
  const name = `keyway_e2e_${randomBytes(4).toString('hex')}`;
  await admin.unsafe(`create database ${name}`);
  try {
    const url = new URL(process.env.TEST_DATABASE_URL!);
    url.pathname = `/${name}`;
    await fn(url);
  } finally {
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

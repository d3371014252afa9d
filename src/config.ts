/**
 * The one reader of process.env. Every setting is named, typed, defaulted and validated here;
 * a bad value stops the process at start with a message naming the variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { DatabaseTarget } from './db/client.js';

export interface Config {
  port: number;
  host: string;
  /** Where the embedded database and the generated admin token live. */
  dataDir: string;
  database: DatabaseTarget;
  /** Printable form of the database setting (no password). */
  databaseDescription: string;
  adminToken?: string;
  tokenAuthFile?: string;
  issuer: string;
  logLevel: string;
}

const nonEmpty = z.string().trim().min(1);

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: nonEmpty.default('127.0.0.1'),
  DATABASE_URL: nonEmpty.optional(),
  KEYWAY_DATA_DIR: nonEmpty.default('./.keyway'),
  KEYWAY_ADMIN_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  KEYWAY_TOKEN_AUTH_FILE: nonEmpty.optional(),
  KEYWAY_ISSUER: z.url().default('http://localhost:4000'),
  KEYWAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export class ConfigError extends Error {}

function databaseTarget(url: string | undefined, dataDir: string): { target: DatabaseTarget; description: string } {
  if (!url) {
    const dir = resolve(dataDir, 'pgdata');
    return { target: { engine: 'pglite', dataDir: dir }, description: `embedded PostgreSQL in ${dir}` };
  }
  if (url === 'memory://') return { target: { engine: 'pglite' }, description: 'embedded PostgreSQL in memory' };
  if (/^postgres(ql)?:\/\//.test(url)) {
    const shown = new URL(url);
    if (shown.password) shown.password = '***';
    return { target: { engine: 'postgres', url }, description: `PostgreSQL at ${shown.toString()}` };
  }
  throw new ConfigError('DATABASE_URL: must be unset, memory://, or a postgres:// URL');
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.KEYWAY_DATA_DIR);
  const { target, description } = databaseTarget(e.DATABASE_URL, dataDir);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: target,
    databaseDescription: description,
    adminToken: e.KEYWAY_ADMIN_TOKEN,
    tokenAuthFile: e.KEYWAY_TOKEN_AUTH_FILE,
    issuer: e.KEYWAY_ISSUER.replace(/\/$/, ''),
    logLevel: e.KEYWAY_LOG_LEVEL,
  };
}

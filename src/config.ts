/**
 * The one reader of process.env. Every setting is named, typed, defaulted and validated here;
 * a bad value stops the process at start with a message naming the variable.
 */
import { resolve } from 'node:path';
import { z } from 'zod';
import type { DatabaseTarget } from './db/client.js';
import { DEFAULT_MAX_BODY_BYTES } from './http/bodyLimit.js';
import { DEFAULT_QUERY_LIMITS } from './http/limits.js';
import { DEFAULT_FAIR_SHARE } from './http/fairness.js';

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
  /** The audiences a token must name to be accepted by this API (default: the issuer). */
  apiAudiences: string[];
  /** Encryption keys file (EncryptionConfiguration or a list); unset: generated into the data directory. */
  encryptionKeysFile?: string;
  /** PEM private key to sign with; unset: a key generated once and kept in the database. */
  signingKeyFile?: string;
  /** The algorithm of generated keys. */
  signingAlgorithm: 'ES256' | 'RS256';
  /** Longest lifetime a TokenRequest gets (longer ones are shortened, with a warning); 0: up to 2^32 s. */
  maxTokenExpirationSeconds: number;
  /** Pod-bound tokens of 3607 s for the API get a year, as kube-apiserver's default does. */
  extendTokenExpiration: boolean;
  /** JSON or YAML file of external JWT issuers. */
  oidcIssuersFile?: string;
  /** PEM bundle written to legacy token Secrets as `ca.crt`. */
  rootCAFile?: string;
  /** Where OIDC discovery says the JWKS is (default `<issuer>/openid/v1/jwks`). */
  jwksURI: string;
  logLevel: string;
  /** Larger request bodies get 413 (kube-apiserver's `--max-request-body-bytes`). */
  maxRequestBodyBytes: number;
  /** Whether anonymous callers may introspect the schema. */
  publicIntrospection: boolean;
  /** The largest query cost accepted (fields times the page sizes of the lists they are under). */
  maxQueryCost: number;
  /** A JSON file of the only documents to run (by id). */
  trustedDocumentsFile?: string;
  /** Requests served at once (all callers, one caller), and each caller's rate and burst. */
  maxInflight: number;
  maxInflightPerUser: number;
  rateLimit: number;
  rateBurst: number;
  /** How long a query or mutation may take, in ms. */
  requestTimeoutMs: number;
  /** Browser origins allowed by CORS; none: no CORS headers at all. */
  corsOrigins: string[];
  /** The audit policy file (audit.k8s.io Policy); unset: every event at Metadata. */
  auditPolicyFile?: string;
  /** How long audit events are kept, in ms. */
  auditRetentionMs: number;
  /** How long the change log keeps a change, in ms, and how many of the newest it keeps regardless. */
  changelogRetentionMs: number;
  changelogKeep: number;
  /** After SIGTERM, how long it stays listening while unready, so load balancers stop sending to it. */
  shutdownDelayMs: number;
}

/** A Go duration (`24h`, `1h30m`, `90s`) or a number of seconds, in seconds. */
export function parseDurationSeconds(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const re = /(\d+(?:\.\d+)?)(h|m|s)/g;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(re)) {
    total += Number(m[1]) * { h: 3600, m: 60, s: 1 }[m[2] as 'h' | 'm' | 's'];
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`not a duration: ${JSON.stringify(text)}`);
  return Math.floor(total);
}

const MAX_EXPIRATION = 2 ** 32;

const nonEmpty = z.string().trim().min(1);

/** A duration setting (`90s`, `15m`, `1h`, or seconds), in milliseconds, of at least `minSeconds`. */
function milliseconds(fallback: string, minSeconds: number) {
  return nonEmpty.default(fallback).transform((v, ctx) => {
    try {
      const seconds = parseDurationSeconds(v);
      if (seconds < minSeconds) ctx.addIssue({ code: 'custom', message: `must be at least ${minSeconds}s` });
      return seconds * 1000;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  });
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  HOST: nonEmpty.default('127.0.0.1'),
  DATABASE_URL: nonEmpty.optional(),
  KEYWAY_DATA_DIR: nonEmpty.default('./.keyway'),
  KEYWAY_ADMIN_TOKEN: z.string().trim().min(16, 'must be at least 16 characters').optional(),
  KEYWAY_TOKEN_AUTH_FILE: nonEmpty.optional(),
  KEYWAY_ISSUER: z.url().default('http://localhost:4000'),
  KEYWAY_API_AUDIENCES: nonEmpty.optional(),
  KEYWAY_SIGNING_KEY_FILE: nonEmpty.optional(),
  KEYWAY_ENCRYPTION_KEYS: nonEmpty.optional(),
  KEYWAY_SIGNING_ALGORITHM: z.enum(['ES256', 'RS256']).default('ES256'),
  KEYWAY_MAX_TOKEN_EXPIRATION: nonEmpty.optional().transform((v, ctx) => {
    if (v === undefined) return 0;
    try {
      const seconds = parseDurationSeconds(v);
      if (seconds !== 0 && (seconds < 3600 || seconds > MAX_EXPIRATION)) {
        ctx.addIssue({ code: 'custom', message: 'must be between 1 hour and 2^32 seconds' });
      }
      return seconds;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: (err as Error).message });
      return z.NEVER;
    }
  }),
  KEYWAY_EXTEND_TOKEN_EXPIRATION: z.enum(['true', 'false']).default('true'),
  KEYWAY_OIDC_ISSUERS: nonEmpty.optional(),
  KEYWAY_ROOT_CA_FILE: nonEmpty.optional(),
  KEYWAY_JWKS_URI: z.url().optional(),
  KEYWAY_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  KEYWAY_MAX_REQUEST_BODY_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_BODY_BYTES),
  KEYWAY_PUBLIC_INTROSPECTION: z.enum(['true', 'false']).default('false'),
  KEYWAY_TRUSTED_DOCUMENTS: nonEmpty.optional(),
  KEYWAY_MAX_INFLIGHT: z.coerce.number().int().min(1).default(DEFAULT_FAIR_SHARE.total),
  KEYWAY_MAX_INFLIGHT_PER_USER: z.coerce.number().int().min(1).default(DEFAULT_FAIR_SHARE.perUser),
  KEYWAY_RATE_LIMIT: z.coerce.number().positive().default(DEFAULT_FAIR_SHARE.ratePerSecond),
  KEYWAY_RATE_BURST: z.coerce.number().int().min(1).default(DEFAULT_FAIR_SHARE.burst),
  KEYWAY_REQUEST_TIMEOUT: milliseconds('60s', 1),
  KEYWAY_MAX_QUERY_COST: z.coerce.number().int().min(1000).default(DEFAULT_QUERY_LIMITS.maxCost),
  KEYWAY_CHANGELOG_RETENTION: milliseconds('15m', 1),
  KEYWAY_AUDIT_POLICY: nonEmpty.optional(),
  KEYWAY_AUDIT_RETENTION: milliseconds('720h', 60),
  KEYWAY_CHANGELOG_KEEP: z.coerce.number().int().min(0).default(10_000),
  KEYWAY_SHUTDOWN_DELAY: milliseconds('2s', 0),
  KEYWAY_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const origins = (v ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean);
      for (const origin of origins) {
        if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
          ctx.addIssue({
            code: 'custom',
            message: `${JSON.stringify(origin)} is not an origin (scheme://host[:port])`,
          });
        }
      }
      return origins;
    }),
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
  const issuer = e.KEYWAY_ISSUER.replace(/\/$/, '');
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    database: target,
    databaseDescription: description,
    adminToken: e.KEYWAY_ADMIN_TOKEN,
    tokenAuthFile: e.KEYWAY_TOKEN_AUTH_FILE,
    issuer,
    apiAudiences: e.KEYWAY_API_AUDIENCES
      ? e.KEYWAY_API_AUDIENCES.split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : [issuer],
    signingKeyFile: e.KEYWAY_SIGNING_KEY_FILE,
    encryptionKeysFile: e.KEYWAY_ENCRYPTION_KEYS,
    signingAlgorithm: e.KEYWAY_SIGNING_ALGORITHM,
    maxTokenExpirationSeconds: e.KEYWAY_MAX_TOKEN_EXPIRATION,
    extendTokenExpiration: e.KEYWAY_EXTEND_TOKEN_EXPIRATION === 'true',
    oidcIssuersFile: e.KEYWAY_OIDC_ISSUERS,
    rootCAFile: e.KEYWAY_ROOT_CA_FILE,
    jwksURI: e.KEYWAY_JWKS_URI ?? `${issuer}/openid/v1/jwks`,
    logLevel: e.KEYWAY_LOG_LEVEL,
    maxRequestBodyBytes: e.KEYWAY_MAX_REQUEST_BODY_BYTES,
    publicIntrospection: e.KEYWAY_PUBLIC_INTROSPECTION === 'true',
    maxQueryCost: e.KEYWAY_MAX_QUERY_COST,
    trustedDocumentsFile: e.KEYWAY_TRUSTED_DOCUMENTS,
    maxInflight: e.KEYWAY_MAX_INFLIGHT,
    maxInflightPerUser: e.KEYWAY_MAX_INFLIGHT_PER_USER,
    rateLimit: e.KEYWAY_RATE_LIMIT,
    rateBurst: e.KEYWAY_RATE_BURST,
    requestTimeoutMs: e.KEYWAY_REQUEST_TIMEOUT,
    corsOrigins: e.KEYWAY_CORS_ORIGINS,
    changelogRetentionMs: e.KEYWAY_CHANGELOG_RETENTION,
    auditPolicyFile: e.KEYWAY_AUDIT_POLICY,
    auditRetentionMs: e.KEYWAY_AUDIT_RETENTION,
    changelogKeep: e.KEYWAY_CHANGELOG_KEEP,
    shutdownDelayMs: e.KEYWAY_SHUTDOWN_DELAY,
  };
}

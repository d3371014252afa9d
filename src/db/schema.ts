/**
 * The database schema: one table for every Kubernetes-style object, one change log, and the
 * sequence both draw their resourceVersions from. drizzle-kit generates `drizzle/` from this file.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  integer,
  index,
  uniqueIndex,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import type { StringMap } from '../apis/meta.js';

/** One counter orders every change of every kind (Kubernetes' etcd revision). */
export const resourceVersionSeq = pgSequence('resource_version_seq', { startWith: 1 });

/**
 * Every object of every kind. `namespace` is '' for cluster-scoped kinds so the primary key can
 * hold it. `body` is everything of the object but `kind` and `metadata` (spec, status, data, …).
 */
export const objects = pgTable(
  'objects',
  {
    kind: text('kind').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    uid: uuid('uid').notNull().unique(),
    resourceVersion: bigint('resource_version', { mode: 'number' }).notNull(),
    generation: bigint('generation', { mode: 'number' }).notNull(),
    creationTimestamp: timestamp('creation_timestamp', { withTimezone: true, mode: 'date' }).notNull(),
    deletionTimestamp: timestamp('deletion_timestamp', { withTimezone: true, mode: 'date' }),
    labels: jsonb('labels').$type<StringMap>().notNull(),
    annotations: jsonb('annotations').$type<StringMap>().notNull(),
    body: jsonb('body').$type<Record<string, unknown>>().notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.namespace, t.name] }),
    // a namespace's content of every kind (namespace cleanup)
    index('objects_namespace_idx').on(t.namespace, t.kind, t.name),
    index('objects_labels_idx').using('gin', t.labels),
  ],
);

/**
 * The change log: one row per write, in the same transaction as the write. Controllers, caches,
 * watch and other replicas follow it by resourceVersion.
 */
export const changes = pgTable(
  'changes',
  {
    resourceVersion: bigint('resource_version', { mode: 'number' }).primaryKey(),
    type: text('type').$type<'ADDED' | 'MODIFIED' | 'DELETED'>().notNull(),
    kind: text('kind').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    uid: uuid('uid').notNull(),
    object: jsonb('object').$type<Record<string, unknown>>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    /**
     * The transaction that wrote the change (its top-level xid): a follower whose snapshot caught
     * that transaction still running reads its changes by it once it has ended (see
     * changelog/follower.ts). Null on changes written before writers stopped taking a global lock.
     */
    xid: bigint('xid', { mode: 'bigint' }).default(sql`(pg_current_xact_id()::text)::bigint`),
  },
  (t) => [index('changes_kind_idx').on(t.kind, t.resourceVersion), index('changes_xid_idx').on(t.xid)],
);

/**
 * Token signing keys. Every replica signs with the active one (the row not retired) and
 * verifies with all of them; a retired key stays until no token it signed can still be valid.
 * Private keys are PKCS#8 PEM, stored sealed by encryption/ (never in plaintext).
 */
export const signingKeys = pgTable(
  'signing_keys',
  {
    kid: text('kid').primaryKey(),
    algorithm: text('algorithm').notNull(),
    privateKey: text('private_key').notNull(),
    publicKey: jsonb('public_key').$type<Record<string, string>>().notNull(),
    /** `generated` (made by Keyway) or `file` (KEYWAY_SIGNING_KEY_FILE). */
    source: text('source').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    retiredAt: timestamp('retired_at', { withTimezone: true, mode: 'date' }),
  },
  // at most one active key, whichever replica gets there first
  (_t) => [uniqueIndex('signing_keys_one_active').on(sql`(true)`).where(sql`retired_at is null`)],
);

/**
 * The change log's own state. `horizon`: retention has removed every change at or below this
 * resourceVersion, so a follower that has not read that far must relist.
 */
export const changelogState = pgTable('changelog_state', {
  key: text('key').primaryKey(),
  resourceVersion: bigint('resource_version', { mode: 'number' }).notNull(),
});

/**
 * The audit log (Kubernetes' audit events, one row each): who asked what, what was decided, what
 * came of it. A mutation's event is written in the mutation's transaction. `request` is kept only
 * at the `Request` level, and never for Secrets or tokens.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    time: timestamp('time', { withTimezone: true, mode: 'date' }).notNull().default(sql`now()`),
    auditID: text('audit_id').notNull(),
    level: text('level').$type<'Metadata' | 'Request'>().notNull(),
    username: text('username').notNull(),
    uid: text('uid').notNull(),
    groups: jsonb('groups').$type<string[]>().notNull(),
    /** Who authenticated, when the request acted as someone else. */
    impersonator: text('impersonator'),
    userAgent: text('user_agent'),
    verb: text('verb').notNull(),
    apiGroup: text('api_group').notNull(),
    resource: text('resource').notNull(),
    subresource: text('subresource').notNull(),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    /** A request refused before it named a resource (authentication, rate limits): its path. */
    path: text('path'),
    decision: text('decision').$type<'allow' | 'forbid'>().notNull(),
    reason: text('reason').notNull(),
    code: integer('code').notNull(),
    annotations: jsonb('annotations').$type<Record<string, string>>().notNull(),
    request: jsonb('request').$type<Record<string, unknown>>(),
  },
  (t) => [
    index('audit_events_time_idx').on(t.time),
    index('audit_events_user_idx').on(t.username, t.id),
    index('audit_events_namespace_idx').on(t.namespace, t.id),
  ],
);

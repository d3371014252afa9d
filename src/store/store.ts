/**
 * The one place objects are stored. Every write goes through a StoreTransaction, which gives it
 * the next resourceVersion and writes the object and its change-log row in the same transaction;
 * after the commit a `pg_notify` wakes followers (controllers, caches, other replicas) up.
 *
 * Writers do not wait for each other: each draws its resourceVersions from one sequence and commits
 * when it is done, so commits may come out of resourceVersion order. Each writer has its
 * transaction id before it draws, which is what lets a follower tell a change still being written
 * from a number drawn and never used (see `Snapshot` and changelog/follower.ts).
 */
import { and, asc, eq, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import type { KubeObject, ObjectMeta } from '../apis/meta.js';
import { formatTime } from '../apis/meta.js';
import { KINDS, type Kind, type ObjectOfKind } from '../apis/kinds.js';
import { rows, type Database, type Executor } from '../db/client.js';
import { changelogState, changes, objects } from '../db/schema.js';
import type { Selector } from '../labels/selector.js';
import { isStorable } from '../validation/storage.js';
import { StorageTransformer } from '../encryption/transformer.js';
import type { AuditEvent } from '../audit/event.js';
import type { TransactionAudit } from '../audit/recorder.js';
import { appendAuditEvents } from './audit.js';

export const CHANGES_CHANNEL = 'keyway_changes';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface Change {
  resourceVersion: number;
  type: ChangeType;
  kind: Kind;
  namespace: string;
  name: string;
  uid: string;
  object: KubeObject;
}

/**
 * Which transactions a read could not see (PostgreSQL's `pg_snapshot`): every transaction below
 * `xmin` had ended; `xip` were running; `xmax` is one past the newest to have ended, and one given
 * its id after that one is invisible but in no list, running or not (see `StoreReader.running`).
 */
export interface Snapshot {
  xmin: bigint;
  xmax: bigint;
  xip: bigint[];
}

function parseSnapshot(text: string): Snapshot {
  const [xmin, xmax, xip] = text.split(':');
  return { xmin: BigInt(xmin), xmax: BigInt(xmax), xip: xip ? xip.split(',').map(BigInt) : [] };
}

/**
 * Whether a transaction running before `later` was taken had ended by then. One from `xmax` on may
 * still be running (see `StoreReader.running`).
 */
export function endedBy(xid: bigint, later: Snapshot): boolean {
  return xid < later.xmin || (xid < later.xmax && !later.xip.includes(xid));
}

/** A 32-bit transaction id (as `pg_stat_activity` shows it) as the full id nearest `near`. */
function fullXid(xid32: bigint, near: bigint): bigint {
  const diff = (xid32 - (near & 0xffffffffn) + 0x100000000n) % 0x100000000n;
  return diff < 0x80000000n ? near + diff : near - (0x100000000n - diff);
}

export interface ObjectKey {
  namespace: string;
  name: string;
}

export interface ListOptions {
  /** Omitted: every namespace (or a cluster-scoped kind). */
  namespace?: string;
  selector?: Selector;
  limit: number;
  /** Keyset cursor: list what sorts after this (namespace, name). */
  after?: ObjectKey;
  /** A condition on the `objects` columns, built by the kind's own `store.ts`. */
  where?: SQL;
}

/**
 * An object with only its name and namespace for metadata: what in-memory indexes that key on
 * names and read the body (RBAC) need, read at a fraction of a whole object's cost.
 */
export type ObjectBody<K extends Kind> = Omit<ObjectOfKind[K], 'metadata'> & {
  metadata: { name: string; namespace?: string };
};

export interface ListPage<T> {
  items: T[];
  hasNextPage: boolean;
}

type Row = typeof objects.$inferSelect;

/** A change-log row's columns for `ChangeRow` (renamed: an output column named as the table's would sort as text). */
const CHANGE_COLUMNS = sql.raw('resource_version::text as rv, type, kind, namespace, name, uid, object::text as body');

/** A JSON value as a jsonb parameter: maps may be null-prototype, which drizzle's mapping cannot take. */
function jsonb(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::jsonb`;
}

/** The row of an object, its JSON columns as SQL parameters (for insert and update). */
function toRow(obj: KubeObject, resourceVersion: number) {
  const { kind, metadata, ...body } = obj as KubeObject & Record<string, unknown>;
  delete body.apiVersion;
  return {
    kind,
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    uid: metadata.uid,
    resourceVersion,
    generation: metadata.generation,
    creationTimestamp: new Date(metadata.creationTimestamp),
    deletionTimestamp: metadata.deletionTimestamp ? new Date(metadata.deletionTimestamp) : null,
    labels: jsonb(metadata.labels),
    annotations: jsonb(metadata.annotations),
    body: jsonb(body),
  };
}

function fromRow(row: Row): KubeObject {
  const metadata: ObjectMeta = {
    name: row.name,
    ...(KINDS[row.kind as Kind].namespaced ? { namespace: row.namespace } : {}),
    uid: row.uid,
    resourceVersion: String(row.resourceVersion),
    generation: Number(row.generation),
    creationTimestamp: formatTime(row.creationTimestamp),
    ...(row.deletionTimestamp ? { deletionTimestamp: formatTime(row.deletionTimestamp) } : {}),
    labels: row.labels,
    annotations: row.annotations,
  };
  return { kind: row.kind, metadata, ...row.body } as KubeObject;
}

function selectorSql(selector: Selector): SQL[] {
  const value = (key: string) => sql`(${objects.labels} ->> ${key})`;
  const list = (values: string[]) =>
    sql.join(
      values.map((v) => sql`${v}`),
      sql`, `,
    );
  return selector.map((r) => {
    switch (r.operator) {
      case '=':
      case '==':
        // containment can use the GIN index
        return sql`${objects.labels} @> ${JSON.stringify({ [r.key]: r.values[0] })}::jsonb`;
      case 'in':
        return sql`${value(r.key)} in (${list(r.values)})`;
      case '!=':
      case 'notin':
        return sql`(${value(r.key)} is null or ${value(r.key)} not in (${list(r.values)}))`;
      case 'exists':
        return sql`${value(r.key)} is not null`;
      case '!':
        return sql`${value(r.key)} is null`;
      case 'gt':
      case 'lt': {
        // as `matches()`: the label value must be an int64 (the parser held the operand to one)
        const op = r.operator === 'gt' ? sql`>` : sql`<`;
        const v = value(r.key);
        return sql`(case when ${v} ~ '^[+-]?[0-9]+$'
          then (case when ${v}::numeric between -9223372036854775808 and 9223372036854775807
            then ${v}::numeric ${op} ${r.values[0]}::numeric else false end)
          else false end)`;
      }
      default:
        throw new Error(`unknown selector operator ${String(r.operator satisfies never)}`);
    }
  });
}

/**
 * A keyset page's start: what sorts after `key` within a kind. The whole primary key is in the
 * row comparison, so the index starts the page instead of filtering a scan of the kind.
 */
function keysetAfter(kind: Kind, key: ObjectKey): SQL {
  return sql`(${objects.kind}, ${objects.namespace}, ${objects.name}) > (${kind}, ${key.namespace}, ${key.name})`;
}

/**
 * Whether a key could name a stored object. One that could not (a NUL, an unpaired surrogate:
 * validation refuses both on write) names nothing, and is never sent to the database, which
 * would refuse it with an error rather than an empty answer.
 */
function couldExist(namespace: string | undefined, name?: string): boolean {
  return (namespace === undefined || isStorable(namespace)) && (name === undefined || isStorable(name));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Reads, on the database or inside a transaction. Keys that cannot be stored find nothing. What
 * is stored sealed (a Secret's data) is opened on the way out.
 */
export class StoreReader {
  constructor(
    protected readonly exec: Executor,
    protected readonly transformer: StorageTransformer,
  ) {}

  private fromRow(row: Row): KubeObject {
    return this.transformer.fromStorage(fromRow(row));
  }

  async get<K extends Kind>(
    kind: K,
    namespace: string,
    name: string,
    lock?: 'share' | 'update',
  ): Promise<ObjectOfKind[K] | null> {
    if (!couldExist(namespace, name)) return null;
    let query = this.exec
      .select()
      .from(objects)
      .where(and(eq(objects.kind, kind), eq(objects.namespace, namespace), eq(objects.name, name)))
      .$dynamic();
    if (lock === 'share') query = query.for('share');
    if (lock === 'update') query = query.for('update');
    const [row] = await query;
    return row ? (this.fromRow(row) as ObjectOfKind[K]) : null;
  }

  /** An object of a kind by its uid (issued-token records are named by theirs). */
  async getByUid<K extends Kind>(kind: K, uid: string): Promise<ObjectOfKind[K] | null> {
    if (!UUID.test(uid)) return null;
    const [row] = await this.exec
      .select()
      .from(objects)
      .where(and(eq(objects.kind, kind), eq(objects.uid, uid)));
    return row ? (this.fromRow(row) as ObjectOfKind[K]) : null;
  }

  /**
   * Objects of a kind matching a condition on the `objects` columns, in key order. Each
   * resource's own `store.ts` builds the conditions its queries need; nothing else does.
   */
  async where<K extends Kind>(
    kind: K,
    condition: SQL,
    options: { namespace?: string; limit?: number } = {},
  ): Promise<ObjectOfKind[K][]> {
    if (!couldExist(options.namespace)) return [];
    const found = await this.exec
      .select()
      .from(objects)
      .where(and(this.filters(kind, { namespace: options.namespace }), condition))
      .orderBy(asc(objects.namespace), asc(objects.name))
      .limit(options.limit ?? 1000);
    return found.map((row) => this.fromRow(row) as ObjectOfKind[K]);
  }

  /** Several objects by key, in the order asked, null where missing. */
  async getMany(keys: readonly { kind: Kind; namespace: string; name: string }[]): Promise<(KubeObject | null)[]> {
    const asked = keys.filter((k) => couldExist(k.namespace, k.name));
    if (asked.length === 0) return keys.map(() => null);
    const tuples = sql.join(
      asked.map((k) => sql`(${k.kind}, ${k.namespace}, ${k.name})`),
      sql`, `,
    );
    const found = await this.exec
      .select()
      .from(objects)
      .where(sql`(${objects.kind}, ${objects.namespace}, ${objects.name}) in (${tuples})`);
    const byKey = new Map(found.map((row) => [`${row.kind}/${row.namespace}/${row.name}`, this.fromRow(row)]));
    return keys.map((k) => byKey.get(`${k.kind}/${k.namespace}/${k.name}`) ?? null);
  }

  private filters(kind: Kind, options: { namespace?: string; selector?: Selector }): SQL | undefined {
    const conditions: SQL[] = [eq(objects.kind, kind)];
    if (options.namespace !== undefined) conditions.push(eq(objects.namespace, options.namespace));
    if (options.selector) conditions.push(...selectorSql(options.selector));
    return and(...conditions);
  }

  async list<K extends Kind>(kind: K, options: ListOptions): Promise<ListPage<ObjectOfKind[K]>> {
    if (!couldExist(options.namespace) || (options.after && !couldExist(options.after.namespace, options.after.name))) {
      return { items: [], hasNextPage: false };
    }
    const where = [this.filters(kind, options)];
    if (options.after) where.push(keysetAfter(kind, options.after));
    if (options.where) where.push(options.where);
    const found = await this.exec
      .select()
      .from(objects)
      .where(and(...where))
      .orderBy(asc(objects.namespace), asc(objects.name))
      .limit(options.limit + 1);
    return {
      items: found.slice(0, options.limit).map((row) => this.fromRow(row) as ObjectOfKind[K]),
      hasNextPage: found.length > options.limit,
    };
  }

  async count(kind: Kind, options: { namespace?: string; selector?: Selector }): Promise<number> {
    if (!couldExist(options.namespace)) return 0;
    const [row] = await this.exec.select({ n: sql<string>`count(*)` }).from(objects).where(this.filters(kind, options));
    return Number(row.n);
  }

  /**
   * Every object of a kind (matching `where`, if given), in keyset pages: the one loop that
   * controllers and in-memory indexes read a whole kind with.
   */
  async *all<K extends Kind>(
    kind: K,
    options: { where?: SQL; pageSize?: number } = {},
  ): AsyncGenerator<ObjectOfKind[K]> {
    const { where, pageSize = 1000 } = options;
    let after: ObjectKey | undefined;
    for (;;) {
      const page = await this.list(kind, { limit: pageSize, after, where });
      yield* page.items;
      if (!page.hasNextPage) return;
      const last = page.items.at(-1)!;
      after = { namespace: last.metadata.namespace ?? '', name: last.metadata.name };
    }
  }

  /**
   * Every object of a kind as `ObjectBody`, in pages: name, namespace and body only, the body read
   * as text and parsed here (faster than the drivers' jsonb decoding on PGlite).
   */
  async *bodies<K extends Kind>(kind: K, pageSize = 5000): AsyncGenerator<ObjectBody<K>> {
    const namespaced = KINDS[kind].namespaced;
    let from: ObjectKey | undefined;
    for (;;) {
      const page = await rows<{ namespace: string; name: string; body: string }>(
        this.exec,
        sql`select ${objects.namespace} as namespace, ${objects.name} as name, ${objects.body}::text as body
            from ${objects}
            where ${objects.kind} = ${kind} ${from ? sql`and ${keysetAfter(kind, from)}` : sql``}
            order by ${objects.namespace}, ${objects.name} limit ${pageSize}`,
      );
      for (const row of page) {
        const metadata = namespaced ? { name: row.name, namespace: row.namespace } : { name: row.name };
        const object = { kind, metadata, ...(JSON.parse(row.body) as object) };
        yield this.transformer.fromStorage(object) as unknown as ObjectBody<K>;
      }
      if (page.length < pageSize) return;
      const last = page[page.length - 1];
      from = { namespace: last.namespace, name: last.name };
    }
  }

  /** Every object in a namespace, of every kind (namespace cleanup). */
  async inNamespace(namespace: string, limit: number): Promise<KubeObject[]> {
    const found = await this.exec
      .select()
      .from(objects)
      .where(and(eq(objects.namespace, namespace)))
      .orderBy(asc(objects.kind), asc(objects.name))
      .limit(limit);
    return found.map((row) => this.fromRow(row));
  }

  /** The newest resourceVersion in the change log (0 when empty). */
  async head(): Promise<number> {
    const [row] = await this.exec
      .select({ rv: sql<string>`coalesce(max(${changes.resourceVersion}), 0)` })
      .from(changes);
    return Number(row.rv);
  }

  /** Every change at or below this resourceVersion may have been removed by retention (0: none). */
  async horizon(): Promise<number> {
    const [row] = await this.exec
      .select({ rv: changelogState.resourceVersion })
      .from(changelogState)
      .where(eq(changelogState.key, 'horizon'));
    return row ? Number(row.rv) : 0;
  }

  /** Change-log rows after `resourceVersion`, oldest first. */
  async changesAfter(resourceVersion: number, limit: number): Promise<Change[]> {
    const found = await rows<ChangeRow>(
      this.exec,
      sql`select ${CHANGE_COLUMNS} from ${changes}
          where resource_version > ${resourceVersion} order by resource_version limit ${limit}`,
    );
    return found.map((row) => this.change(row));
  }

  /**
   * Change-log rows after `resourceVersion`, oldest first, and the snapshot they were read in
   * (one statement, so the rows are exactly what that snapshot shows).
   */
  async follow(resourceVersion: number, limit: number): Promise<{ changes: Change[]; snapshot: Snapshot }> {
    const found = await rows<ChangeRow & { snapshot: string }>(
      this.exec,
      sql`select s.snapshot, c.* from (select pg_current_snapshot()::text as snapshot) s
          left join lateral (
            select ${CHANGE_COLUMNS} from ${changes}
            where resource_version > ${resourceVersion} order by resource_version limit ${limit}
          ) c on true`,
    );
    const snapshot = parseSnapshot(found[0].snapshot);
    return { changes: found.filter((row) => row.rv !== null).map((row) => this.change(row)), snapshot };
  }

  /** The newest resourceVersion in the change log, and the snapshot it was read in. */
  async position(): Promise<{ head: number; snapshot: Snapshot }> {
    const [row] = await rows<{ head: string; snapshot: string }>(
      this.exec,
      sql`select coalesce(max(resource_version), 0)::text as head, pg_current_snapshot()::text as snapshot
          from ${changes}`,
    );
    return { head: Number(row.head), snapshot: parseSnapshot(row.snapshot) };
  }

  /** The snapshot a statement now gets. */
  async now(): Promise<Snapshot> {
    const [row] = await rows<{ snapshot: string }>(this.exec, sql`select pg_current_snapshot()::text as snapshot`);
    return parseSnapshot(row.snapshot);
  }

  /**
   * The transactions with an id running now on this database (`pg_stat_activity`), as full
   * (epoch-extended) ids. A snapshot cannot say this: its `xmax` is one past the newest transaction
   * to have ended, so a transaction given its id since is running and in no snapshot's list.
   */
  async running(): Promise<bigint[]> {
    const found = await rows<{ snapshot: string; xid: string | null }>(
      this.exec,
      sql`select s.snapshot, a.xid from (select pg_current_snapshot()::text as snapshot) s
          left join lateral (
            select backend_xid::text as xid from pg_stat_activity
            where datname = current_database() and backend_xid is not null
          ) a on true`,
    );
    const { xmax } = parseSnapshot(found[0].snapshot);
    return found.filter((row) => row.xid !== null).map((row) => fullXid(BigInt(row.xid!), xmax));
  }

  /** The resourceVersions at or below `upTo` written by transactions from `xmin` on. */
  async writtenSince(xmin: bigint, upTo: number): Promise<Set<number>> {
    const found = await rows<{ rv: string }>(
      this.exec,
      sql`select resource_version::text as rv from ${changes}
          where xid >= ${xmin.toString()}::bigint and resource_version <= ${upTo}`,
    );
    return new Set(found.map((row) => Number(row.rv)));
  }

  /** The changes at or below `upTo` written by transactions from `xmin` on, oldest first. */
  async changesSince(xmin: bigint, upTo: number): Promise<Change[]> {
    const found = await rows<ChangeRow>(
      this.exec,
      sql`select ${CHANGE_COLUMNS} from ${changes}
          where xid >= ${xmin.toString()}::bigint and resource_version <= ${upTo} order by resource_version`,
    );
    return found.map((row) => this.change(row));
  }

  private change(row: ChangeRow): Change {
    return {
      resourceVersion: Number(row.rv),
      type: row.type,
      kind: row.kind as Kind,
      namespace: row.namespace,
      name: row.name,
      uid: row.uid,
      object: this.transformer.fromStorage(JSON.parse(row.body) as KubeObject),
    };
  }
}

/** A change-log row as raw SQL returns it (the object as text: parsed here, faster than jsonb decoding). */
interface ChangeRow {
  rv: string;
  type: ChangeType;
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  body: string;
}

/** The change a write of `object` (stamped with its resourceVersion) makes. */
function changeOf(type: ChangeType, object: KubeObject): Change {
  return {
    resourceVersion: Number(object.metadata.resourceVersion),
    type,
    kind: object.kind as Kind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    uid: object.metadata.uid,
    object,
  };
}

/** Writes, each recorded in the change log. Only ObjectStore.transaction makes one. */
export class StoreTransaction extends StoreReader {
  private begun = false;
  /** What this transaction wrote, in order (delivered to this replica's follower on commit). */
  readonly written: Change[] = [];

  /**
   * Gives the transaction its id before it draws its first resourceVersion: from then until it
   * ends, every snapshot lists it as running, so a follower that sees a resourceVersion missing
   * knows whether it may still come (see changelog/follower.ts).
   */
  private async begin(): Promise<void> {
    if (this.begun) return;
    await this.exec.execute(sql`select pg_current_xact_id()`);
    this.begun = true;
  }

  /** Appends the change-log row (the object as stored: `sealed`). */
  private async record(type: ChangeType, object: KubeObject, sealed: KubeObject): Promise<void> {
    const change = changeOf(type, object);
    const rv = change.resourceVersion;
    await this.exec.execute(sql`
      insert into ${changes} (resource_version, type, kind, namespace, name, uid, object)
      values (${rv}, ${type}, ${change.kind}, ${change.namespace}, ${change.name}, ${change.uid},
              ${JSON.stringify(this.stamp(sealed, rv))}::jsonb)`);
    this.written.push(change);
  }

  private stamp<T extends KubeObject>(obj: T, resourceVersion: number): T {
    return { ...obj, metadata: { ...obj.metadata, resourceVersion: String(resourceVersion) } };
  }

  /** Inserts a new object; returns null (and writes nothing) if the key is taken. */
  async create<T extends KubeObject>(obj: T): Promise<T | null> {
    const sealed = this.transformer.toStorage(obj);
    const row = toRow(sealed, 0);
    const at = (date: Date | null) => (date ? sql`${date.toISOString()}::timestamptz` : sql`null`);
    // One statement (every statement is a round trip, and on this path they are most of a write's
    // cost): the transaction's id first (`xid` is read before the row that draws the
    // resourceVersion is made: the writers' rule), then the object, then its change-log row.
    const inserted = await rows<{ rv: string }>(
      this.exec,
      sql`with xid as materialized (select pg_current_xact_id() as id),
          added as (
            insert into ${objects} (kind, namespace, name, uid, resource_version, generation,
                                    creation_timestamp, deletion_timestamp, labels, annotations, body)
            select ${row.kind}, ${row.namespace}, ${row.name}, ${row.uid}, nextval('resource_version_seq'),
                   ${row.generation}, ${at(row.creationTimestamp)}, ${at(row.deletionTimestamp)},
                   ${row.labels}, ${row.annotations}, ${row.body}
            from xid
            on conflict (kind, namespace, name) do nothing
            returning resource_version
          ),
          logged as (
            insert into ${changes} (resource_version, type, kind, namespace, name, uid, object)
            select resource_version, 'ADDED', ${row.kind}, ${row.namespace}, ${row.name}, ${row.uid},
                   jsonb_set(${JSON.stringify(sealed)}::jsonb, '{metadata,resourceVersion}',
                             to_jsonb(resource_version::text))
            from added
          )
          select resource_version::text as rv from added`,
    );
    this.begun = true;
    if (inserted.length === 0) return null;
    const stored = this.stamp(obj, Number(inserted[0].rv));
    this.written.push(changeOf('ADDED', stored));
    return stored;
  }

  /** Replaces a stored object (the caller holds its row lock and checked preconditions). */
  async update<T extends KubeObject>(obj: T): Promise<T> {
    await this.begin();
    const sealed = this.transformer.toStorage(obj);
    const row = toRow(sealed, 0);
    const [updated] = await this.exec
      .update(objects)
      .set({ ...row, resourceVersion: sql`nextval('resource_version_seq')` })
      .where(and(eq(objects.kind, row.kind), eq(objects.namespace, row.namespace), eq(objects.name, row.name)))
      .returning({ rv: objects.resourceVersion });
    const stored = this.stamp(obj, Number(updated.rv));
    await this.record('MODIFIED', stored, sealed);
    return stored;
  }

  /** Removes a stored object; returns its last state with the deletion's resourceVersion. */
  async delete<T extends KubeObject>(obj: T): Promise<T> {
    await this.begin();
    const [deleted] = await rows<{ rv: string }>(
      this.exec,
      sql`with gone as (
            delete from ${objects}
            where kind = ${obj.kind} and namespace = ${obj.metadata.namespace ?? ''} and name = ${obj.metadata.name}
          )
          select nextval('resource_version_seq')::text as rv`,
    );
    const stored = this.stamp(obj, Number(deleted.rv));
    await this.record('DELETED', stored, this.transformer.toStorage(obj));
    return stored;
  }
}

/** SQLSTATEs of a transaction PostgreSQL gave up on because of another one: try it again. */
const RETRYABLE = new Set(['40P01', '40001']);

/** Whether an error (or what it wraps: drizzle wraps driver errors) is a retryable abort. */
export function isRetryable(err: unknown): boolean {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 3; e = (e as { cause?: unknown }).cause, depth++) {
    if (RETRYABLE.has(String((e as { code?: unknown }).code))) return true;
  }
  return false;
}

export class ObjectStore {
  readonly read: StoreReader;
  private readonly db: Executor;
  /** The newest resourceVersion committed here and to be announced, the newest announced, the NOTIFY in flight. */
  private toAnnounce = 0;
  private announced = 0;
  private announcing: Promise<void> | null = null;
  /**
   * The events of a write no request's audit covers (the controllers', the server's own): set by
   * the app to its audit log, so no committed write goes unaudited.
   */
  unaudited?: (written: readonly Change[]) => AuditEvent[];

  constructor(
    private readonly database: Database,
    readonly transformer: StorageTransformer,
  ) {
    this.db = database.db;
    this.read = new StoreReader(this.db, transformer);
  }

  /**
   * Runs `fn` on one consistent, read-only snapshot of the database (REPEATABLE READ): a list
   * and the change-log head read inside it agree, so state built from the list can follow the
   * log from that head without missing or repeating a change.
   */
  async snapshot<T>(fn: (reader: StoreReader) => Promise<T>): Promise<T> {
    return this.db.transaction(async (dbtx) => fn(new StoreReader(dbtx as unknown as Executor, this.transformer)), {
      isolationLevel: 'repeatable read',
      accessMode: 'read only',
    });
  }

  /**
   * Runs `fn` in one database transaction; everything it writes commits or none of it does. A
   * transaction PostgreSQL aborts as a deadlock victim or a serialization failure is run again
   * (at most three times in all): the client never sees that race. With `audit`, the event of the
   * mutation this runs for is written in the same transaction: no write commits without it.
   */
  async transaction<T>(
    fn: (tx: StoreTransaction) => Promise<T>,
    audit?: TransactionAudit,
  ): Promise<{ result: T; written: Change[] }> {
    for (let attempt = 1; ; attempt++) {
      let written: Change[] = [];
      try {
        const result = await this.db.transaction(async (dbtx) => {
          const tx = new StoreTransaction(dbtx as unknown as Executor, this.transformer);
          const out = await fn(tx);
          written = tx.written;
          const event = audit?.pending();
          const events = audit ? (event ? [event] : []) : written.length ? (this.unaudited?.(written) ?? []) : [];
          if (events.length) await appendAuditEvents(dbtx as unknown as Executor, events);
          return out;
        });
        audit?.committed();
        if (written.length) {
          this.database.wrote(written.length);
          this.announce(written[written.length - 1].resourceVersion);
        }
        return { result, written };
      } catch (err) {
        if (attempt >= 3 || !isRetryable(err)) throw err;
      }
    }
  }

  /**
   * Wakes every replica's follower (NOTIFY) for the changes up to `resourceVersion`, after their
   * commit. Not in the writing transaction: PostgreSQL serialises the commits of transactions that
   * NOTIFY on one database-wide lock held through their WAL flush, which capped writes at a few
   * hundred a second. One NOTIFY at a time, each for the newest change committed so far, in a
   * statement that does not wait for its WAL flush (it is only a wake-up: followers also poll).
   */
  private announce(resourceVersion: number): void {
    if (resourceVersion > this.toAnnounce) this.toAnnounce = resourceVersion;
    if (this.announcing) return;
    this.announcing = (async () => {
      while (this.announced < this.toAnnounce) {
        const rv = this.toAnnounce;
        try {
          await this.db.execute(
            sql`select set_config('synchronous_commit', 'off', true), pg_notify(${CHANGES_CHANNEL}, ${String(rv)})`,
          );
        } catch {
          return; // the database is away: the next commit announces again, followers poll meanwhile
        }
        this.announced = rv;
      }
    })().finally(() => {
      this.announcing = null;
    });
  }

  /**
   * Re-seals under the key that seals now every stored value sealed by another key, or stored
   * before encryption: objects and change log, a page at a time, each row in its own statement
   * while Keyway serves. The objects do not change (no resourceVersion, no change-log row); a
   * rewrite applies only if the row is as it was read, so a write racing it wins and is kept.
   * Returns how many values it rewrote.
   */
  async reencrypt(pageSize = 500): Promise<number> {
    const prefix = this.transformer.envelope.writePrefix;
    let rewritten = 0;
    for (const kind of Object.keys(KINDS) as Kind[]) {
      const field = StorageTransformer.sealedField(kind);
      if (!field) continue;
      const stale = (column: AnyPgColumn) =>
        sql`${column} ? ${field} and (jsonb_typeof(${column} -> ${field}) <> 'string'
            or left(${column} ->> ${field}, ${prefix.length}) <> ${prefix})`;
      const path = `{${field}}`;
      const resealed = (namespace: string, name: string, text: string) => {
        const value = JSON.parse(text) as unknown;
        const context = StorageTransformer.context(kind, namespace, name);
        const plaintext = typeof value === 'string' ? this.transformer.open(value, context) : text;
        return JSON.stringify(this.transformer.seal(plaintext, context));
      };
      let after = { namespace: '', name: '' };
      for (;;) {
        const page = await rows<{ namespace: string; name: string; rv: string; value: string }>(
          this.db,
          sql`select namespace, name, resource_version::text as rv, (body -> ${field})::text as value from ${objects}
              where kind = ${kind} and (namespace, name) > (${after.namespace}, ${after.name})
                and ${stale(objects.body)}
              order by namespace, name limit ${pageSize}`,
        );
        for (const row of page) {
          const sealed = resealed(row.namespace, row.name, row.value);
          const done = await rows(
            this.db,
            sql`update ${objects} set body = jsonb_set(body, ${path}::text[], ${sealed}::jsonb)
                where kind = ${kind} and namespace = ${row.namespace} and name = ${row.name}
                  and resource_version = ${Number(row.rv)} returning 1`,
          );
          rewritten += done.length;
        }
        if (page.length < pageSize) break;
        after = page[page.length - 1];
      }
      let from = 0;
      for (;;) {
        const page = await rows<{ namespace: string; name: string; rv: string; value: string }>(
          this.db,
          sql`select namespace, name, resource_version::text as rv, (object -> ${field})::text as value from ${changes}
              where kind = ${kind} and resource_version > ${from} and ${stale(changes.object)}
              order by resource_version limit ${pageSize}`,
        );
        for (const row of page) {
          const sealed = resealed(row.namespace, row.name, row.value);
          const done = await rows(
            this.db,
            sql`update ${changes} set object = jsonb_set(object, ${path}::text[], ${sealed}::jsonb)
                where resource_version = ${Number(row.rv)} and object -> ${field} = ${row.value}::jsonb returning 1`,
          );
          rewritten += done.length;
        }
        if (page.length < pageSize) break;
        from = Number(page[page.length - 1].rv);
      }
    }
    return rewritten;
  }

  /**
   * Retention of the change log: removes the changes older than `olderThanMs`, keeping at least
   * the newest `keep`, and records the new horizon in the same transaction (a follower behind it
   * must relist; a watch from before it is GONE). A kept change older than the window keeps no
   * Secret data: a deleted Secret's values do not outlive the window in the log.
   */
  async trimChanges(
    olderThanMs: number,
    keep: number,
  ): Promise<{ removed: number; horizon: number; redacted: number }> {
    return this.db.transaction(async (tx) => {
      const exec = tx as unknown as Executor;
      const before = new Date(Date.now() - olderThanMs);
      const [bounds] = await rows<{ old: string | null; kept: string | null }>(
        exec,
        sql`select
              (select max(${changes.resourceVersion}) from ${changes}
                where ${changes.createdAt} < ${before.toISOString()}::timestamptz) as old,
              (select ${changes.resourceVersion} from ${changes} order by ${changes.resourceVersion} desc
                offset ${keep} limit 1) as kept`,
      );
      const bound = bounds.old === null || bounds.kept === null ? 0 : Math.min(Number(bounds.old), Number(bounds.kept));
      let removed = 0;
      if (bound > 0) {
        const gone = await exec
          .delete(changes)
          .where(lte(changes.resourceVersion, bound))
          .returning({ rv: changes.resourceVersion });
        removed = gone.length;
        await exec
          .insert(changelogState)
          .values({ key: 'horizon', resourceVersion: bound })
          .onConflictDoUpdate({
            target: changelogState.key,
            set: { resourceVersion: sql`greatest(${changelogState.resourceVersion}, ${bound})` },
          });
      }
      const redacted = await exec
        .update(changes)
        .set({ object: sql`${changes.object} #- '{data}'` })
        .where(and(eq(changes.kind, 'Secret'), lt(changes.createdAt, before), sql`${changes.object} ? 'data'`))
        .returning({ rv: changes.resourceVersion });
      return { removed, horizon: await new StoreReader(exec, this.transformer).horizon(), redacted: redacted.length };
    });
  }
}

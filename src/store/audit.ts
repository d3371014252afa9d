/**
 * Persistence of audit events: appended (in a mutation's own transaction, or on their own), read
 * newest first with filters, and trimmed by retention.
 */
import { and, desc, eq, gte, lt, lte, sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { auditEvents } from '../db/schema.js';
import type { AuditEvent, AuditEventRow } from '../audit/event.js';

export interface AuditFilter {
  user?: string;
  namespace?: string;
  verb?: string;
  decision?: 'allow' | 'forbid';
  resource?: string;
  auditID?: string;
  since?: Date;
  until?: Date;
}

/** Appends events, in the transaction `exec` is (or on their own). */
export async function appendAuditEvents(exec: Executor, events: AuditEvent[]): Promise<void> {
  if (events.length) await exec.insert(auditEvents).values(events);
}

export class AuditStore {
  constructor(private readonly db: Executor) {}

  append(events: AuditEvent[]): Promise<void> {
    return appendAuditEvents(this.db, events);
  }

  private where(filter: AuditFilter): SQL | undefined {
    const c: SQL[] = [];
    if (filter.user !== undefined) c.push(eq(auditEvents.username, filter.user));
    if (filter.namespace !== undefined) c.push(eq(auditEvents.namespace, filter.namespace));
    if (filter.verb !== undefined) c.push(eq(auditEvents.verb, filter.verb));
    if (filter.decision !== undefined) c.push(eq(auditEvents.decision, filter.decision));
    if (filter.resource !== undefined) c.push(eq(auditEvents.resource, filter.resource));
    if (filter.auditID !== undefined) c.push(eq(auditEvents.auditID, filter.auditID));
    if (filter.since) c.push(gte(auditEvents.time, filter.since));
    if (filter.until) c.push(lte(auditEvents.time, filter.until));
    return c.length ? and(...c) : undefined;
  }

  /** Newest first: `limit` events older than the one numbered `before`, and whether more follow. */
  async list(
    filter: AuditFilter,
    limit: number,
    before?: number,
  ): Promise<{ items: AuditEventRow[]; hasNextPage: boolean }> {
    const where = and(this.where(filter), before === undefined ? undefined : lt(auditEvents.id, before));
    const found = await this.db
      .select()
      .from(auditEvents)
      .where(where)
      .orderBy(desc(auditEvents.id))
      .limit(limit + 1);
    return { items: found.slice(0, limit), hasNextPage: found.length > limit };
  }

  async count(filter: AuditFilter): Promise<number> {
    const [row] = await this.db.select({ n: sql<string>`count(*)` }).from(auditEvents).where(this.where(filter));
    return Number(row.n);
  }

  /** Removes the events older than `olderThanMs`; returns how many. */
  async trim(olderThanMs: number): Promise<number> {
    const before = new Date(Date.now() - olderThanMs);
    const gone = await this.db
      .delete(auditEvents)
      .where(lt(auditEvents.time, before))
      .returning({ id: auditEvents.id });
    return gone.length;
  }
}

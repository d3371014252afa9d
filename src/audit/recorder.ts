/**
 * The audit log as requests feed it (kube-apiserver's audit filter, for GraphQL): an event per
 * mutation, per token or access review, and per denied question or refused request. Each event
 * carries the request's audit id, who asked (and who impersonated), the question (verb,
 * resource, namespace, name), the decision and its reason, and the response code; the policy
 * decides its level. A mutation's event is written in the mutation's own transaction, so no write
 * is acknowledged without it; the others are written as the response goes out.
 */
import { randomUUID } from 'node:crypto';
import { KINDS } from '../apis/kinds.js';
import type { UserInfo } from '../authn/identity.js';
import { attributesKey, type Decision, type RequestAttributes } from '../authz/authorizer.js';
import type { Logger } from '../log.js';
import type { AuditStore } from '../store/audit.js';
import type { Change } from '../store/store.js';
import { type AuditEvent, statusOf } from './event.js';
import type { AuditAttributes, AuditPolicy } from './policy.js';
import { storableJson } from '../validation/storage.js';

export interface RequestInfo {
  auditID: string;
  /** Who the request acts as. */
  user: UserInfo;
  /** Who authenticated, when that is someone else (impersonation). */
  impersonator?: UserInfo;
  userAgent?: string;
}

/** What a transaction asks of the mutation it runs for: the event to write with it, and word that it committed. */
export interface TransactionAudit {
  /** The event as it stands (the mutation presumed to succeed), or null if none is to be written. */
  pending(): AuditEvent | null;
  committed(): void;
  /** Adds an annotation to the event (a token's jti). */
  annotate(key: string, value: string): void;
}

/** A question as an event describes it (who asked is the request's). */
type Question = Omit<AuditAttributes, 'username' | 'groups'>;

function toQuestion(a: RequestAttributes): Question {
  if ('path' in a)
    return { verb: a.verb, apiGroup: '', resource: '', subresource: '', namespace: '', name: '', path: a.path };
  return {
    verb: a.verb,
    apiGroup: a.apiGroup,
    resource: a.resource,
    subresource: a.subresource ?? '',
    namespace: a.namespace ?? '',
    name: a.name ?? '',
  };
}

/** Longer strings are cut to this in an event (an index row holds some of them). */
const MAX_FIELD = 512;

function short(value: string): string {
  return value.length > MAX_FIELD ? `${value.slice(0, MAX_FIELD)}…` : value;
}

export class AuditLog {
  constructor(
    readonly policy: AuditPolicy,
    readonly store: AuditStore,
    private readonly log: Logger,
  ) {}

  begin(info: RequestInfo): RequestAudit {
    return new RequestAudit(this, info);
  }

  /**
   * An event, if the policy keeps it, for what `info` asked: its question, outcome and request
   * (kept at the Request level only).
   */
  event(
    info: Partial<RequestInfo> & { auditID: string },
    question: Question,
    outcome: { decision: 'allow' | 'forbid'; reason: string; code: number },
    extra: { annotations?: Record<string, string>; request?: () => Record<string, unknown> } = {},
  ): AuditEvent | null {
    const username = info.user?.username ?? '';
    const groups = info.user?.groups ?? [];
    const level = this.policy.levelOf({ ...question, username, groups });
    if (level === 'None') return null;
    // what a request names may not be storable (a NUL or 10,000 characters in a name it was
    // refused for): the event keeps it cut short, U+FFFD in place of what PostgreSQL cannot hold
    return storableJson({
      auditID: info.auditID,
      level,
      username: short(username),
      uid: short(info.user?.uid ?? ''),
      groups: groups.map(short),
      impersonator: info.impersonator ? short(info.impersonator.username) : null,
      userAgent: info.userAgent === undefined ? null : short(info.userAgent),
      verb: short(question.verb),
      apiGroup: short(question.apiGroup),
      resource: short(question.resource),
      subresource: short(question.subresource),
      namespace: short(question.namespace),
      name: short(question.name),
      path: question.path === undefined ? null : short(question.path),
      ...outcome,
      reason: short(outcome.reason),
      annotations: extra.annotations ?? {},
      request: level === 'Request' && extra.request ? extra.request() : null,
    }) as AuditEvent;
  }

  /** Writes events on their own; a failure is logged (with the events' metadata), never thrown. */
  async write(events: AuditEvent[]): Promise<void> {
    if (!events.length) return;
    try {
      await this.store.append(events);
    } catch (err) {
      const lost = events.map((e) => ({ auditID: e.auditID, user: e.username, verb: e.verb, code: e.code }));
      this.log.error({ err, lost }, 'writing audit events failed');
    }
  }

  /** A request refused before it reached GraphQL (authentication, fair share, CSRF, impersonation). */
  refused(info: Partial<RequestInfo> & { auditID: string }, method: string, path: string, code: number): Promise<void> {
    const reason = code === 401 ? 'authentication failed' : code === 429 ? 'too many requests' : 'refused';
    const question = {
      verb: method.toLowerCase(),
      apiGroup: '',
      resource: '',
      subresource: '',
      namespace: '',
      name: '',
    };
    const event = this.event(info, { ...question, path }, { decision: 'forbid', reason, code });
    return this.write(event ? [event] : []);
  }

  /**
   * The events of a write no request made (a controller's, the bootstrap policy's): one per object
   * written, as `user` (kube-controller-manager's requests are audited as its own), under one audit
   * id per transaction. Written in the write's transaction, as a mutation's.
   */
  system(user: UserInfo, written: readonly Change[]): AuditEvent[] {
    const info = { auditID: randomUUID(), user };
    const events: AuditEvent[] = [];
    for (const change of written) {
      const { apiGroup, resource } = KINDS[change.kind];
      const verb = change.type === 'ADDED' ? 'create' : change.type === 'DELETED' ? 'delete' : 'update';
      const question = { verb, apiGroup, resource, subresource: '', namespace: change.namespace, name: change.name };
      const code = change.type === 'ADDED' ? 201 : 200;
      const event = this.event(info, question, { decision: 'allow', reason: 'written by the server itself', code });
      if (event) events.push(event);
    }
    return events;
  }
}

/** One request's audit: its queued events, and the mutation being resolved (mutations run one at a time). */
export class RequestAudit {
  private readonly queued: AuditEvent[] = [];
  private readonly denied = new Set<string>();
  private current: MutationAudit | undefined;
  /** How many events this request produced (kept or not by the policy), so a refusal is not told twice. */
  produced = 0;

  constructor(
    private readonly auditLog: AuditLog,
    readonly info: RequestInfo,
  ) {}

  /** The audit of the mutation being resolved, for the transaction it runs. */
  get transaction(): TransactionAudit | undefined {
    return this.current;
  }

  /** Every question the request's authorizer answers (its observer). */
  asked(attributes: RequestAttributes, decision: Decision): void {
    if (this.current) {
      this.current.asked(attributes, decision);
      return;
    }
    if (decision.allowed) return;
    const key = attributesKey(attributes);
    if (this.denied.has(key)) return;
    this.denied.add(key);
    this.produced++;
    const event = this.auditLog.event(this.info, toQuestion(attributes), {
      decision: 'forbid',
      reason: decision.reason,
      code: 403,
    });
    if (event) this.queued.push(event);
  }

  /** Resolves a mutation field, its event written in its transaction (or after it, if it wrote nothing). */
  async mutation<T>(field: string, args: Record<string, unknown>, run: () => T | Promise<T>): Promise<T> {
    const mutation = new MutationAudit(this.auditLog, this.info, field, args);
    this.current = mutation;
    this.produced++;
    try {
      const result = await run();
      return result;
    } catch (err) {
      mutation.failed(err);
      throw err;
    } finally {
      this.current = undefined;
      const event = mutation.pending();
      if (event) this.queued.push(event);
    }
  }

  /**
   * Resolves a review (token or access): an event for it, allowed or not. Refused, the denied
   * question is the event. `describe` adds what the review found, as annotations.
   */
  async review<T>(
    question: RequestAttributes,
    args: Record<string, unknown>,
    run: () => T | Promise<T>,
    describe: (result: T) => Record<string, string>,
  ): Promise<T> {
    let result: T;
    try {
      result = await run();
    } catch (err) {
      const code = statusOf(err);
      if (code !== 403) this.record(question, { decision: 'allow', reason: '', code }, {}, args);
      throw err;
    }
    this.record(question, { decision: 'allow', reason: '', code: 201 }, describe(result), args);
    return result;
  }

  private record(
    question: RequestAttributes,
    outcome: { decision: 'allow' | 'forbid'; reason: string; code: number },
    annotations: Record<string, string>,
    args: Record<string, unknown>,
  ): void {
    this.produced++;
    const event = this.auditLog.event(this.info, toQuestion(question), outcome, {
      annotations,
      request: () => ({ ...args }),
    });
    if (event) this.queued.push(event);
  }

  /** Writes what is queued (as the response goes out). */
  flush(): Promise<void> {
    return this.auditLog.write(this.queued.splice(0));
  }
}

/**
 * Arguments never kept, even at the Request level: apply's manifests may hold Secret values whatever
 * its first question was about.
 */
const UNRECORDED_ARGUMENTS = new Set(['manifests']);

function recordable(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(args).map(([k, v]) => [k, UNRECORDED_ARGUMENTS.has(k) ? '[not recorded]' : v] as const),
  );
}

/** The verb a mutation field's name begins with (`createSecret` → `create`), for one that asked nothing. */
function verbOf(field: string): string {
  return /^[a-z]+/.exec(field)?.[0] ?? field;
}

class MutationAudit implements TransactionAudit {
  private readonly questions: { attributes: RequestAttributes; decision: Decision }[] = [];
  private readonly annotations: Record<string, string> = {};
  private code: number | undefined;
  private written = false;

  constructor(
    private readonly auditLog: AuditLog,
    private readonly info: RequestInfo,
    private readonly field: string,
    private readonly args: Record<string, unknown>,
  ) {}

  asked(attributes: RequestAttributes, decision: Decision): void {
    this.questions.push({ attributes, decision });
  }

  annotate(key: string, value: string): void {
    this.annotations[key] = value;
  }

  failed(err: unknown): void {
    this.code = statusOf(err);
  }

  committed(): void {
    this.written = true;
  }

  pending(): AuditEvent | null {
    if (this.written) return null;
    const refused = this.code === 403 ? this.questions.find((q) => !q.decision.allowed) : undefined;
    const asked = refused ?? this.questions.findLast((q) => q.decision.allowed) ?? this.questions[0];
    const question: Question = asked
      ? toQuestion(asked.attributes)
      : { verb: verbOf(this.field), apiGroup: '', resource: '', subresource: '', namespace: '', name: '' };
    // a create names no object in its question; the event names what it was asked to create
    const input = this.args.input as { metadata?: { name?: unknown } } | undefined;
    if (!question.name && typeof input?.metadata?.name === 'string') question.name = input.metadata.name;
    const code = this.code ?? (question.verb === 'create' ? 201 : 200);
    return this.auditLog.event(
      this.info,
      question,
      { decision: refused ? 'forbid' : 'allow', reason: asked?.decision.reason ?? '', code },
      {
        annotations: { ...this.annotations },
        request: () => ({ field: this.field, arguments: recordable(this.args) }),
      },
    );
  }
}

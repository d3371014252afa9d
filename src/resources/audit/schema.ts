/**
 * `Query.auditEvents`: the audit log, newest first, filtered by user, namespace, verb, decision,
 * resource, audit id and time. (RBAC: list auditevents.audit.keyway.dev, in the namespace the
 * filter names, or cluster-wide.)
 */
import { formatTime } from '../../apis/meta.js';
import type { AuditEventRow } from '../../audit/event.js';
import { builder } from '../../builder.js';
import { badRequest } from '../../errors.js';
import type { AuditFilter } from '../../store/audit.js';
import { canDo } from '../common/attributes.js';
import { pageInfoOf } from '../common/operations.js';
import { isStorable } from '../../validation/storage.js';

const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;

const AuditDecision = builder.enumType('AuditDecision', {
  description: "The authorizer's answer (Kubernetes' `authorization.k8s.io/decision`).",
  values: { ALLOW: { value: 'allow' }, FORBID: { value: 'forbid' } } as const,
});

const AuditEventRef = builder.objectRef<AuditEventRow>('AuditEvent').implement({
  description: "One audit event, as Kubernetes' audit.k8s.io Event keeps one.",
  fields: (t) => ({
    auditID: t.exposeString('auditID', {
      description: "The request's `Audit-ID` (one request may have several events).",
    }),
    time: t.field({ type: 'DateTime', resolve: (e) => formatTime(e.time) }),
    level: t.exposeString('level', { description: '`Metadata`, or `Request` (with the request).' }),
    user: t.exposeString('username', { description: 'Who the request acted as ("" if it never authenticated).' }),
    uid: t.exposeString('uid'),
    groups: t.exposeStringList('groups'),
    impersonator: t.exposeString('impersonator', {
      nullable: true,
      description: 'Who authenticated, when the request acted as someone else.',
    }),
    userAgent: t.exposeString('userAgent', { nullable: true }),
    verb: t.exposeString('verb'),
    apiGroup: t.exposeString('apiGroup'),
    resource: t.exposeString('resource'),
    subresource: t.exposeString('subresource'),
    namespace: t.exposeString('namespace'),
    name: t.exposeString('name'),
    path: t.exposeString('path', { nullable: true, description: 'A request refused before it named a resource.' }),
    decision: t.field({ type: AuditDecision, resolve: (e) => e.decision }),
    reason: t.exposeString('reason', { description: "The authorizer's reason." }),
    code: t.exposeInt('code', { description: 'The HTTP status the request was answered with, as Kubernetes would.' }),
    annotations: t.field({ type: 'StringMap', resolve: (e) => e.annotations }),
    request: t.string({
      nullable: true,
      description: 'At the Request level: the field and its arguments, as JSON (never for Secrets or tokens).',
      resolve: (e) => (e.request ? JSON.stringify(e.request) : null),
    }),
  }),
});

const AuditEventFilter = builder.inputType('AuditEventFilter', {
  fields: (t) => ({
    user: t.string({ required: false, description: 'The user the request acted as.' }),
    namespace: t.string({ required: false }),
    verb: t.string({ required: false }),
    decision: t.field({ type: AuditDecision, required: false }),
    resource: t.string({ required: false }),
    auditID: t.string({ required: false }),
    since: t.field({ type: 'DateTime', required: false, description: 'At or after this time.' }),
    until: t.field({ type: 'DateTime', required: false, description: 'At or before this time.' }),
  }),
});

const connection = builder.connectionObject(
  { type: AuditEventRef, name: 'AuditEventConnection' },
  { name: 'AuditEventEdge' },
);

function cursorOf(e: AuditEventRow): string {
  return Buffer.from(String(e.id)).toString('base64url');
}

function decodeCursor(cursor: string | null | undefined): number | undefined {
  if (!cursor) return undefined;
  const id = Number(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!Number.isSafeInteger(id) || id < 1) throw badRequest(`invalid cursor ${JSON.stringify(cursor)}`);
  return id;
}

builder.queryField('auditEvents', (t) =>
  t.field({
    type: connection,
    description:
      'The audit log, newest first. (RBAC: list auditevents.audit.keyway.dev, in the namespace the filter names)',
    args: {
      filter: t.arg({ type: AuditEventFilter, required: false }),
      first: t.arg.int({ required: false, description: `Page size; default ${DEFAULT_PAGE}, at most ${MAX_PAGE}.` }),
      after: t.arg.string({ required: false, description: 'The `endCursor` of the previous page.' }),
    },
    authScopes: (_root, args) => ({
      k8s: canDo('list', 'audit.keyway.dev', 'auditevents', args.filter?.namespace ?? ''),
    }),
    resolve: async (_root, args, ctx) => {
      const limit = args.first ?? DEFAULT_PAGE;
      if (!Number.isInteger(limit) || limit < 0 || limit > MAX_PAGE) {
        throw badRequest(`first must be between 0 and ${MAX_PAGE}`);
      }
      const f = args.filter ?? {};
      const date = (v: string | null | undefined) => (v ? new Date(v) : undefined);
      const filter: AuditFilter = {
        user: f.user ?? undefined,
        namespace: f.namespace ?? undefined,
        verb: f.verb ?? undefined,
        decision: f.decision ?? undefined,
        resource: f.resource ?? undefined,
        auditID: f.auditID ?? undefined,
        since: date(f.since),
        until: date(f.until),
      };
      const before = decodeCursor(args.after);
      // what cannot be stored was never logged (an event keeps U+FFFD in its place)
      const unstorable = Object.values(filter).some((v) => typeof v === 'string' && !isStorable(v));
      const page = unstorable
        ? { items: [], hasNextPage: false }
        : await ctx.auditLog.store.list(filter, limit, before);
      const edges = page.items.map((node) => ({ node, cursor: cursorOf(node) }));
      return {
        edges,
        pageInfo: pageInfoOf(edges, page.hasNextPage, before !== undefined),
        totalCount: () => (unstorable ? 0 : ctx.auditLog.store.count(filter)),
      };
    },
  }),
);

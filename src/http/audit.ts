/**
 * The audit log's request plugins (kube-apiserver's audit filter): each GraphQL operation's
 * queued events (denied questions, reviews, mutations that wrote nothing) are written before its
 * response goes out; a request refused before GraphQL ran (authentication, CSRF, impersonation,
 * fair share: HTTP 401, 403, 429) gets an event of its own, naming whom it authenticated as if known.
 */
import type { Plugin } from 'graphql-yoga';
import type { AuditLog, RequestAudit } from '../audit/recorder.js';
import type { Context } from '../context.js';
import { authenticatedUserOf } from './authentication.js';
import { auditIdOf, requestPathOf } from './observability.js';

/** Each request's audit, once its context is built. */
const AUDITS = new WeakMap<Request, RequestAudit>();

const REFUSALS = new Set([401, 403, 429]);

export function useAudit(auditLog: AuditLog): Plugin<Context & { request: Request }> {
  return {
    onContextBuilding() {
      return ({ context }) => {
        if (context.audit) AUDITS.set(context.request, context.audit);
      };
    },
    onExecute({ args }) {
      const audit = (args.contextValue as Partial<Context>).audit;
      return { onExecuteDone: () => audit?.flush() };
    },
    onSubscribe({ args }) {
      const audit = (args.contextValue as Partial<Context>).audit;
      // a subscription's answer is not held for them (AuditLog.write never throws)
      return {
        onSubscribeResult: () => {
          void audit?.flush();
        },
      };
    },
    async onResponse({ request, response }) {
      if (!REFUSALS.has(response.status)) return;
      const audit = AUDITS.get(request);
      if (audit && audit.produced > 0) return;
      const auditID = auditIdOf(request);
      if (!auditID) return;
      await auditLog.refused(
        {
          auditID,
          user: authenticatedUserOf(request),
          userAgent: request.headers.get('user-agent') ?? undefined,
        },
        request.method,
        requestPathOf(request),
        response.status,
      );
    },
  };
}

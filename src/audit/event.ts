/** An audit event as it is stored, and the HTTP status each error code stands for in it. */
import type { auditEvents } from '../db/schema.js';
import type { ErrorCode } from '../errors.js';

export type AuditEventRow = typeof auditEvents.$inferSelect;
export type AuditEvent = Omit<AuditEventRow, 'id' | 'time'>;

/** The HTTP status kube-apiserver would answer with, per error code (an event's `code`). */
const STATUS: Record<ErrorCode, number> = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  ALREADY_EXISTS: 409,
  CONFLICT: 409,
  INVALID: 422,
  BAD_REQUEST: 400,
  GONE: 410,
  UNAVAILABLE: 503,
  TOO_MANY_REQUESTS: 429,
  TIMEOUT: 504,
  INTERNAL: 500,
};

/** The status of what a resolver threw: its code's, or 500. */
export function statusOf(err: unknown): number {
  const code = (err as { extensions?: { code?: unknown } } | null)?.extensions?.code;
  return typeof code === 'string' && code in STATUS ? STATUS[code as ErrorCode] : 500;
}

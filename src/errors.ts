/**
 * The error kinds a client can see, each with its `extensions.code`, worded as Kubernetes words
 * them (`k8s.io/apimachinery/pkg/api/errors`). Errors that are not GraphQLErrors (ApiError or
 * graphql-js' own) are masked as INTERNAL by the server.
 */
import { GraphQLError } from 'graphql';
import { KINDS, qualifiedResource, type Kind } from './apis/kinds.js';
import type { ErrorList } from './validation/field.js';

export type ErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'CONFLICT'
  | 'INVALID'
  | 'BAD_REQUEST'
  | 'GONE'
  | 'UNAVAILABLE'
  | 'TOO_MANY_REQUESTS'
  | 'TIMEOUT'
  | 'INTERNAL';

interface Cause {
  field: string;
  message: string;
  reason: string;
}

export class ApiError extends GraphQLError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { code, ...extensions } });
    this.code = code;
  }
}

/** `Pod`, `Role.rbac.authorization.k8s.io`: a GroupKind as Kubernetes prints it. */
function groupKind(kind: Kind): string {
  const group = KINDS[kind].apiGroup;
  return group ? `${kind}.${group}` : kind;
}

export function notFound(kind: Kind, name: string): ApiError {
  return new ApiError('NOT_FOUND', `${qualifiedResource(kind)} "${name}" not found`);
}

export function alreadyExists(kind: Kind, name: string): ApiError {
  return new ApiError('ALREADY_EXISTS', `${qualifiedResource(kind)} "${name}" already exists`);
}

export function conflict(kind: Kind, name: string, why?: string): ApiError {
  return new ApiError(
    'CONFLICT',
    `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": ${
      why ?? 'the object has been modified; please apply your changes to the latest version and try again'
    }`,
  );
}

/** A plain conflict message, for the few Kubernetes conflicts not about resourceVersion. */
export function conflictMessage(message: string): ApiError {
  return new ApiError('CONFLICT', message);
}

/** `kind`: one of ours, or a GroupKind string for request-only kinds (`TokenRequest.authentication.k8s.io`). */
export function invalid(kind: Kind | string, name: string, errors: ErrorList): ApiError {
  const rendered = errors.map((e) => e.toString());
  const aggregate = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const causes: Cause[] = errors.map((e) => ({ field: e.field, message: e.body(), reason: e.type }));
  const subject = kind in KINDS ? groupKind(kind as Kind) : kind;
  return new ApiError('INVALID', `${subject} "${name}" is invalid: ${aggregate}`, { causes });
}

/** `<resource> "<name>" is forbidden: <reason>`, the name left out when there is none. */
export function forbidden(resource: string, name: string, reason: string): ApiError {
  if (!resource) return new ApiError('FORBIDDEN', `forbidden: ${reason}`);
  const subject = name ? `${resource} "${name}"` : resource;
  return new ApiError('FORBIDDEN', `${subject} is forbidden: ${reason}`);
}

export function badRequest(message: string): ApiError {
  return new ApiError('BAD_REQUEST', message);
}

export function unauthenticated(message = 'Unauthorized'): ApiError {
  return new ApiError('UNAUTHENTICATED', message, { http: { status: 401, headers: { 'WWW-Authenticate': 'Bearer' } } });
}

/** `410 Gone`: a watch from a resourceVersion older than the retained change log (Kubernetes' wording). */
export function gone(resourceVersion: number, oldest: number): ApiError {
  return new ApiError('GONE', `too old resource version: ${resourceVersion} (${oldest})`);
}

/** The server cannot do this now (the database does not answer, a watcher fell behind); try again. */
export function unavailable(message: string): ApiError {
  return new ApiError('UNAVAILABLE', message);
}

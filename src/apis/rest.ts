/**
 * Kubernetes' REST shapes for the few endpoints Keyway serves the Kubernetes way (the review
 * kinds webhooks and Kubernetes clients call): `Status` for every failure
 * (`k8s.io/apimachinery/pkg/apis/meta/v1` `Status`, `pkg/api/errors`), and what a review
 * endpoint is: a resource of a group/version whose object is answered by one GraphQL operation.
 */
import type { ErrorCode } from '../errors.js';

/** A review object as sent on the wire: `spec` in, `status` out, the rest echoed. */
export interface ReviewObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: unknown;
  spec?: unknown;
  status?: unknown;
}

/** Why a request body cannot be taken: a 400 `BadRequest`, never a 500. */
export class BadRequestBody extends Error {}

/**
 * A review endpoint: `POST /apis/{group}/{version}[/namespaces/{ns}]/{resource}`. Its body is
 * turned into the variables of `query`, and the query's answer (`data[field]`) into the
 * object's `status`, so the REST answer is the GraphQL one by construction.
 */
export interface ReviewEndpoint {
  group: string;
  versions: readonly string[];
  /** Plural, as in the URL and in RBAC. */
  resource: string;
  kind: string;
  namespaced: boolean;
  /** One operation whose root field is `field`, taking the variables `variables` returns. */
  query: string;
  field: string;
  /**
   * The GraphQL variables for a decoded body of `version`; `namespace` is the path's, for
   * namespaced kinds.
   * @throws BadRequestBody when a field has the wrong JSON type, or the namespaces disagree.
   */
  variables(object: ReviewObject, where: { version: string; namespace: string }): Record<string, unknown>;
  /** The object's `status` from the GraphQL answer, with Kubernetes' `omitempty` fields left out when empty. */
  status(answer: Record<string, unknown>): Record<string, unknown>;
}

/** Where a GraphQL error code lands in Kubernetes' terms: HTTP status and `reason`. */
const REASONS: Record<ErrorCode, [number, string]> = {
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'NotFound'],
  ALREADY_EXISTS: [409, 'AlreadyExists'],
  CONFLICT: [409, 'Conflict'],
  INVALID: [422, 'Invalid'],
  BAD_REQUEST: [400, 'BadRequest'],
  GONE: [410, 'Expired'],
  UNAVAILABLE: [503, 'ServiceUnavailable'],
  TOO_MANY_REQUESTS: [429, 'TooManyRequests'],
  TIMEOUT: [504, 'Timeout'],
  INTERNAL: [500, 'InternalError'],
};

export interface StatusDetails {
  group?: string;
  kind?: string;
  name?: string;
  causes?: { reason: string; message: string; field: string }[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure';
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
}

/** A failure `Status` with its HTTP code and Kubernetes' `reason` (`NotFound`, `MethodNotAllowed`, …). */
export function statusOf(code: number, reason: string, message: string, details?: StatusDetails): Status {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** A failure `Status` for an error code of ours (anything unknown, such as yoga's parse codes, is a 400). */
export function failure(code: string, message: string, details?: StatusDetails): Status {
  const [http, reason] = REASONS[code as ErrorCode] ?? [400, 'BadRequest'];
  return statusOf(http, reason, message, details);
}

/** A `Status` as an HTTP response, its code as the HTTP status. */
export function statusResponse(status: Status, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(status), {
    status: status.code,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** `field` of `object` as a string; absent is ''. */
export function stringAt(object: Record<string, unknown>, key: string, path: string): string {
  const value = object[key];
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new BadRequestBody(`${path}.${key}: expected a string, got ${typeName(value)}`);
  return value;
}

/** `field` of `object` as a list of strings; absent is []. */
export function stringsAt(object: Record<string, unknown>, key: string, path: string): string[] {
  const value = object[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw new BadRequestBody(`${path}.${key}: expected a list of strings, got ${typeName(value)}`);
  }
  return value as string[];
}

/** `field` of `object` as a JSON object; absent is undefined. */
export function objectAt(
  object: Record<string, unknown>,
  key: string,
  path: string,
): Record<string, unknown> | undefined {
  const value = object[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestBody(`${path}.${key}: expected an object, got ${typeName(value)}`);
  }
  return value as Record<string, unknown>;
}

/** A map of string to list of strings (`extra`); absent is {}. */
export function stringListMapAt(object: Record<string, unknown>, key: string, path: string): Record<string, string[]> {
  const map = objectAt(object, key, path) ?? {};
  for (const k of Object.keys(map)) stringsAt(map, k, `${path}.${key}`);
  return map as Record<string, string[]>;
}

function typeName(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

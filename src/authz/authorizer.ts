/**
 * The one question every resolver asks, in Kubernetes' attributes
 * (`k8s.io/apiserver/pkg/authorization/authorizer/interfaces.go`). An Authorizer's zero answer is
 * deny; a request is allowed only by an explicit decision.
 */
import type { UserInfo } from '../authn/identity.js';
import { forbidden } from '../errors.js';
import type { ApiError } from '../errors.js';
import { goQuote } from '../util/quote.js';

export interface ResourceAttributes {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource?: string;
  /** '' or absent: cluster scope, or every namespace. */
  namespace?: string;
  /** '' or absent: no single object (create, list). */
  name?: string;
}

interface NonResourceAttributes {
  verb: string;
  path: string;
}

/** What a field asks about; the request's user is added by RequestAuthorizer. */
export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

export type Attributes = RequestAttributes & { user: UserInfo };

/** `5:hello`: a field of a cache key no other sequence of fields can spell. */
const part = (s: string | undefined) => `${s?.length ?? 0}:${s ?? ''}`;

/**
 * One string per distinct question (every field of the attributes, length-prefixed so no two
 * questions share a key whatever their names hold): the key answers are cached under.
 */
export function attributesKey(attrs: RequestAttributes): string {
  let key = keys.get(attrs);
  if (key === undefined) {
    key = computeKey(attrs);
    keys.set(attrs, key);
  }
  return key;
}

/**
 * Each attributes object's key, worked out once (scope-auth keys a field's question, then the
 * request authorizer and RBAC's cache do). An attributes object is never changed once asked.
 */
const keys = new WeakMap<RequestAttributes, string>();

function computeKey(attrs: RequestAttributes): string {
  return 'resource' in attrs
    ? `r${part(attrs.verb)}${part(attrs.apiGroup)}${part(attrs.resource)}${part(attrs.subresource)}` +
        `${part(attrs.namespace)}${part(attrs.name)}`
    : `n${part(attrs.verb)}${part(attrs.path)}`;
}

export function isResourceRequest(attrs: RequestAttributes): attrs is ResourceAttributes {
  return 'resource' in attrs;
}

export interface Decision {
  allowed: boolean;
  /** Why, in RBAC's words (`allowed by ClusterRoleBinding …`); '' when nothing applied. */
  reason: string;
  /**
   * An error evaluating the request, for SubjectAccessReview's `evaluationError`. RBAC never
   * sets it: it reports roles it cannot resolve in `reason`, as Kubernetes' rbac.go does.
   */
  evaluationError?: string;
}

export interface Authorizer {
  /** @param key `attributesKey(attrs)`, when the caller has it already */
  authorize(attrs: Attributes, key?: string): Decision | Promise<Decision>;
}

export const DENY: Decision = Object.freeze({ allowed: false, reason: '' });

/**
 * The Forbidden error kube-apiserver returns for a denied request
 * (`k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go`).
 */
export function forbiddenError(attrs: Attributes, decision: Decision): ApiError {
  const username = attrs.user.username;
  let message: string;
  if (!isResourceRequest(attrs)) {
    message = `User ${goQuote(username)} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    message = attrs.namespace
      ? `User ${goQuote(username)} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ` +
        `${goQuote(attrs.apiGroup)} in the namespace ${goQuote(attrs.namespace)}`
      : `User ${goQuote(username)} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ` +
        `${goQuote(attrs.apiGroup)} at the cluster scope`;
  }
  // kube-apiserver appends the authorizer's reason for a denial (RBAC's unresolvable roles)
  const why = decision.reason || decision.evaluationError;
  if (why) message += `: ${why}`;
  if (!isResourceRequest(attrs)) return forbidden('', '', message);
  const groupResource = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  return forbidden(groupResource, attrs.name ?? '', message);
}

/**
 * Authorizers asked in order, as kube-apiserver chains them: the first that allows decides;
 * if none does, the last one's answer (its reason) stands.
 */
export class AuthorizerUnion implements Authorizer {
  constructor(private readonly authorizers: Authorizer[]) {}

  authorize(attrs: Attributes, key?: string): Decision | Promise<Decision> {
    let last: Decision = DENY;
    for (const authorizer of this.authorizers) {
      const decision = authorizer.authorize(attrs, key);
      if (decision instanceof Promise) return this.rest(attrs, decision, this.authorizers.indexOf(authorizer));
      if (decision.allowed) return decision;
      last = decision;
    }
    return last;
  }

  private async rest(attrs: Attributes, pending: Promise<Decision>, at: number): Promise<Decision> {
    let last = await pending;
    if (last.allowed) return last;
    for (const authorizer of this.authorizers.slice(at + 1)) {
      last = await authorizer.authorize(attrs);
      if (last.allowed) return last;
    }
    return last;
  }
}

/**
 * The one question every resolver asks, in Kubernetes' attributes
 * (`k8s.io/apiserver/pkg/authorization/authorizer/interfaces.go`). An Authorizer's zero answer is
 * deny; a request is allowed only by an explicit decision.
 */
import type { UserInfo } from '../authn/identity.js';
import { forbidden } from '../errors.js';
import type { ApiError } from '../errors.js';

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

export interface NonResourceAttributes {
  verb: string;
  path: string;
}

/** What a field asks about; the request's user is added by RequestAuthorizer. */
export type RequestAttributes = ResourceAttributes | NonResourceAttributes;

export type Attributes = RequestAttributes & { user: UserInfo };

export function isResourceRequest(attrs: RequestAttributes): attrs is ResourceAttributes {
  return 'resource' in attrs;
}

export interface Decision {
  allowed: boolean;
  /** Why, in RBAC's words (`allowed by ClusterRoleBinding …`); '' when nothing applied. */
  reason: string;
  /** Set when the authorizer could not evaluate everything (an unresolvable role). */
  evaluationError?: string;
}

export interface Authorizer {
  authorize(attrs: Attributes): Decision | Promise<Decision>;
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
    message = `User ${JSON.stringify(username)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path)}`;
  } else {
    const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : attrs.resource;
    message = attrs.namespace
      ? `User ${JSON.stringify(username)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} in the namespace ${JSON.stringify(attrs.namespace)}`
      : `User ${JSON.stringify(username)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup)} at the cluster scope`;
  }
  if (decision.evaluationError) message += `: ${decision.evaluationError}`;
  if (!isResourceRequest(attrs)) return forbidden('', '', message);
  const groupResource = attrs.apiGroup ? `${attrs.resource}.${attrs.apiGroup}` : attrs.resource;
  return forbidden(groupResource, attrs.name ?? '', message);
}

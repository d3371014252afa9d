/** The authorization questions resolvers ask, built from the kinds table. */
import { KINDS, type Kind } from '../../apis/kinds.js';
import type { RequestAttributes, ResourceAttributes } from '../../authz/authorizer.js';

export function can(verb: string, kind: Kind, namespace = '', name = '', subresource?: string): ResourceAttributes {
  const info = KINDS[kind];
  return {
    verb,
    apiGroup: info.apiGroup,
    resource: info.resource,
    ...(subresource ? { subresource } : {}),
    // A request about one namespace is "in" that namespace (`requestinfo.go`): a RoleBinding
    // there can grant reading or updating it.
    namespace: info.namespaced ? namespace : kind === 'Namespace' ? name : '',
    name,
  };
}

type AllOf = { k8s: RequestAttributes; $all?: AllOf };

/** Scopes asking every one of several questions (a scope map has one `k8s` key, so they nest). */
export function allOf(questions: RequestAttributes[]): { $all: AllOf } {
  const nest = ([first, ...rest]: RequestAttributes[]): AllOf =>
    rest.length ? { k8s: first, $all: nest(rest) } : { k8s: first };
  return { $all: nest(questions) };
}

/** A question about a resource that is not one of the stored kinds (reviews, signing keys). */
export function canDo(
  verb: string,
  apiGroup: string,
  resource: string,
  namespace = '',
  name = '',
  subresource?: string,
): ResourceAttributes {
  return { verb, apiGroup, resource, ...(subresource ? { subresource } : {}), namespace, name };
}

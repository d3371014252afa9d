/**
 * Kubernetes' rule matching (`pkg/apis/rbac/v1/evaluation_helpers.go`) as small pure predicates.
 * The casbin model calls them on each policy line (engine.ts); `ruleAllows` is their plain-code
 * form, checked against the model in the tests.
 */
import type { PolicyRule } from '../../apis/rbac.js';

export const ALL = '*';

export function verbMatches(verbs: readonly string[], verb: string): boolean {
  return verbs.includes(ALL) || verbs.includes(verb);
}

export function apiGroupMatches(groups: readonly string[], group: string): boolean {
  return groups.includes(ALL) || groups.includes(group);
}

/**
 * `*` covers every resource and subresource; `pods` does not cover `pods/status`; `*\/status`
 * covers every resource's `status`; `pods/*` is no wildcard.
 */
export function resourceMatches(resources: readonly string[], resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  for (const r of resources) {
    if (r === ALL || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

/** No names: any name. Names: the request must name one of them (an empty name never does). */
export function resourceNameMatches(names: readonly string[], name: string): boolean {
  return names.length === 0 || names.includes(name);
}

/** `*`, an exact path, or a rule ending in `*` that prefixes the path (`/apis/*` ≠ `/apis`). */
export function nonResourceURLMatches(urls: readonly string[], path: string): boolean {
  for (const url of urls) {
    if (url === ALL || url === path) return true;
    if (url.endsWith('*') && path.startsWith(url.slice(0, -1))) return true;
  }
  return false;
}

export interface RuleRequest {
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  /** Non-empty for a non-resource request. */
  path: string;
}

/** `RuleAllows`: what the casbin matcher computes for one rule (the tests hold the model to it). */
export function ruleAllows(rule: PolicyRule, r: RuleRequest): boolean {
  if (r.path) return verbMatches(rule.verbs, r.verb) && nonResourceURLMatches(rule.nonResourceURLs, r.path);
  return (
    verbMatches(rule.verbs, r.verb) &&
    apiGroupMatches(rule.apiGroups, r.apiGroup) &&
    resourceMatches(rule.resources, r.resource, r.subresource) &&
    resourceNameMatches(rule.resourceNames, r.name)
  );
}

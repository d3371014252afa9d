/**
 * The RBAC authorizer (`plugin/pkg/auth/authorizer/rbac/rbac.go`): gather the bindings that apply
 * to the request's subjects in its scope, and let each bound role's casbin rule set decide; the
 * first that allows wins. Deny by default, never a deny rule. Decisions are cached under the
 * index's revision, so no cached allow outlives the change that revokes it.
 */
import type { Attributes, Authorizer, Decision } from '../authorizer.js';
import { attributesKey, isResourceRequest } from '../authorizer.js';
import type { RuleRequest } from './rules.js';
import { roleNotFound, subjectApplies, type BindingEntry, type RbacIndex } from './index.js';
import { goQuote } from '../../util/quote.js';

const MAX_CACHED = 100_000;

function describeSubject(binding: BindingEntry, attrs: Attributes): string {
  const subject = binding.subjects.find((s) =>
    subjectApplies(s, attrs.user, binding.kind === 'RoleBinding' ? binding.namespace : ''),
  );
  if (!subject) return '';
  if (subject.kind === 'ServiceAccount') {
    return `${subject.kind} ${goQuote(`${subject.name}/${subject.namespace || binding.namespace}`)}`;
  }
  return `${subject.kind} ${goQuote(subject.name)}`;
}

/** `RBAC: allowed by ClusterRoleBinding "x" of ClusterRole "y" to User "z"`, as rbac.go words it. */
function allowedReason(binding: BindingEntry, attrs: Attributes): string {
  const name = binding.kind === 'RoleBinding' ? `${binding.name}/${binding.namespace}` : binding.name;
  return (
    `RBAC: allowed by ${binding.kind} ${goQuote(name)} of ${binding.roleRef.kind} ${goQuote(binding.roleRef.name)} ` +
    `to ${describeSubject(binding, attrs)}`
  );
}

function ruleRequest(attrs: Attributes): RuleRequest {
  return isResourceRequest(attrs)
    ? {
        verb: attrs.verb,
        apiGroup: attrs.apiGroup,
        resource: attrs.resource,
        subresource: attrs.subresource ?? '',
        name: attrs.name ?? '',
        path: '',
      }
    : { verb: attrs.verb, apiGroup: '', resource: '', subresource: '', name: '', path: attrs.path };
}

/** Decisions, and how the decision cache answered them. */
export interface DecisionStats {
  allowed: number;
  denied: number;
  cacheHits: number;
  cacheMisses: number;
}

export class RbacAuthorizer implements Authorizer {
  private readonly cache = new Map<string, Decision>();
  /** Its decisions and how the cache answered them (read by /metrics). */
  readonly stats: DecisionStats = { allowed: 0, denied: 0, cacheHits: 0, cacheMisses: 0 };
  private cacheRevision = -1;

  constructor(private readonly index: RbacIndex) {}

  authorize(attrs: Attributes, key?: string): Decision {
    if (this.cacheRevision !== this.index.revision) {
      this.cache.clear();
      this.cacheRevision = this.index.revision;
    }
    const cached = cacheKey(attrs, key);
    const hit = this.cache.get(cached);
    if (hit) {
      this.stats.cacheHits++;
      if (hit.allowed) this.stats.allowed++;
      else this.stats.denied++;
      return hit;
    }
    this.stats.cacheMisses++;
    const decision = this.decide(attrs);
    if (decision.allowed) this.stats.allowed++;
    else this.stats.denied++;
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
    this.cache.set(cached, decision);
    return decision;
  }

  /** The decision without the cache (benchmarks measure both). */
  decide(attrs: Attributes): Decision {
    const request = ruleRequest(attrs);
    const namespace = isResourceRequest(attrs) ? (attrs.namespace ?? '') : '';
    const errors: string[] = [];
    for (const binding of this.index.bindingsFor(attrs.user, namespace)) {
      const role = this.index.roleOf(binding);
      if (!role) {
        errors.push(roleNotFound(binding.roleRef));
        continue;
      }
      if (role.set.allows(request)) return { allowed: true, reason: allowedReason(binding, attrs) };
    }
    if (errors.length === 0) return { allowed: false, reason: '' };
    return { allowed: false, reason: `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  }
}

/** The user's part of a cache key, worked out once per user object (one per request). */
const userKeys = new WeakMap<Attributes['user'], string>();

function cacheKey(attrs: Attributes, key = attributesKey(attrs)): string {
  const u = attrs.user;
  let head = userKeys.get(u);
  if (head === undefined) {
    head = `${u.username.length}:${u.username}${u.groups.map((g) => `${g.length}:${g}`).join('')}|`;
    userKeys.set(u, head);
  }
  return head + key;
}

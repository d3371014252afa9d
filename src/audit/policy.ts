/**
 * Kubernetes' audit policy (`audit.k8s.io/v1` Policy, `apiserver/pkg/audit/policy/checker.go`):
 * rules in order, the first that matches a request gives its level; none matches: `None`. A rule
 * may name users, userGroups, verbs, resources (group, resources with `*` and `res/sub` forms,
 * resourceNames), namespaces (`""` for cluster-scoped) and nonResourceURLs (a trailing `*` is a
 * prefix). Keyway keeps `None`, `Metadata` and `Request`; `RequestResponse` is kept as `Request`.
 * Whatever the policy says, Secrets and tokens (tokenreviews, serviceaccounts/token) are never
 * kept above `Metadata`: their requests carry the values.
 */
import { parse } from 'yaml';
import { z } from 'zod';

export type AuditLevel = 'None' | 'Metadata' | 'Request';

const LEVELS = ['None', 'Metadata', 'Request', 'RequestResponse'] as const;

const RuleSchema = z.object({
  level: z.enum(LEVELS),
  users: z.array(z.string()).optional(),
  userGroups: z.array(z.string()).optional(),
  verbs: z.array(z.string()).optional(),
  resources: z
    .array(
      z.object({
        group: z.string().default(''),
        resources: z.array(z.string()).optional(),
        resourceNames: z.array(z.string()).optional(),
      }),
    )
    .optional(),
  namespaces: z.array(z.string()).optional(),
  nonResourceURLs: z.array(z.string()).optional(),
  omitStages: z.array(z.string()).optional(),
});

const PolicySchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.literal('Policy'),
  rules: z.array(RuleSchema),
  omitStages: z.array(z.string()).optional(),
});

type Rule = z.infer<typeof RuleSchema>;

/** What a policy is asked about: one request, as its event will describe it. */
export interface AuditAttributes {
  username: string;
  groups: readonly string[];
  verb: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
  /** Set for a request that named no resource. */
  path?: string;
}

/** Requests whose bodies hold credentials: never kept above Metadata. */
function holdsCredentials(a: AuditAttributes): boolean {
  return (
    (a.apiGroup === '' && a.resource === 'secrets') ||
    (a.apiGroup === '' && a.resource === 'serviceaccounts' && a.subresource === 'token') ||
    (a.apiGroup === 'authentication.k8s.io' && a.resource === 'tokenreviews')
  );
}

function resourceMatches(a: AuditAttributes, rule: NonNullable<Rule['resources']>[number]): boolean {
  if (rule.group !== a.apiGroup) return false;
  if (rule.resources?.length) {
    const full = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    const ok = rule.resources.some(
      (r) =>
        r === '*' ||
        r === full ||
        (r === `${a.resource}/*` && a.subresource !== '') ||
        (r.startsWith('*/') && a.subresource !== '' && r.slice(2) === a.subresource),
    );
    if (!ok) return false;
  }
  return !rule.resourceNames?.length || rule.resourceNames.includes(a.name);
}

function pathMatches(path: string, patterns: string[]): boolean {
  return patterns.some((p) => (p.endsWith('*') ? path.startsWith(p.slice(0, -1)) : p === path));
}

function ruleMatches(rule: Rule, a: AuditAttributes): boolean {
  if (rule.users?.length && !rule.users.includes(a.username)) return false;
  if (rule.userGroups?.length && !a.groups.some((g) => rule.userGroups!.includes(g))) return false;
  if (rule.verbs?.length && !rule.verbs.includes(a.verb)) return false;
  const scoped = rule.resources?.length || rule.namespaces?.length || rule.nonResourceURLs?.length;
  if (!scoped) return true;
  if (a.path !== undefined) return !!rule.nonResourceURLs?.length && pathMatches(a.path, rule.nonResourceURLs);
  if (rule.namespaces?.length && !rule.namespaces.includes(a.namespace)) return false;
  if (rule.resources?.length && !rule.resources.some((r) => resourceMatches(a, r))) return false;
  // a rule of nonResourceURLs only says nothing about resource requests
  return !!(rule.resources?.length || rule.namespaces?.length);
}

export class AuditPolicyError extends Error {}

export class AuditPolicy {
  private constructor(private readonly rules: Rule[]) {}

  /** Without a policy file: every event at Metadata. */
  static readonly DEFAULT = new AuditPolicy([{ level: 'Metadata' }]);

  /** A policy file's text (YAML or JSON). @throws AuditPolicyError naming the problem */
  static parse(text: string, source: string): AuditPolicy {
    let doc: unknown;
    try {
      doc = parse(text);
    } catch (err) {
      throw new AuditPolicyError(`${source}: not YAML or JSON: ${(err as Error).message}`);
    }
    const parsed = PolicySchema.safeParse(doc);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
      throw new AuditPolicyError(`${source}: ${problems.join('; ')}`);
    }
    return new AuditPolicy(parsed.data.rules);
  }

  levelOf(a: AuditAttributes): AuditLevel {
    const rule = this.rules.find((r) => ruleMatches(r, a));
    const level: AuditLevel =
      !rule || rule.level === 'None' ? 'None' : rule.level === 'Metadata' ? 'Metadata' : 'Request';
    return level === 'Request' && holdsCredentials(a) ? 'Metadata' : level;
  }
}

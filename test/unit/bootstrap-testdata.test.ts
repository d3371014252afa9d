/**
 * The bootstrap policy against Kubernetes' own golden files (`test/fixtures/kubernetes-bootstrap`,
 * its `bootstrappolicy/testdata`): every default ClusterRole and Role there is one of Keyway's,
 * labelled alike, with rules that cover Kubernetes' (aggregated roles compared after aggregation),
 * and every default binding is one of Keyway's, with the same role and subjects. Keyway may hold
 * more (its own API groups, newer rules); the few exemptions are listed with their reasons.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { defaultRule, RBAC_GROUP, type AggregationRule, type PolicyRule, type Subject } from '../../src/apis/rbac.js';
import {
  AGGREGATE_TO_LABEL_PREFIX,
  BOOTSTRAPPING_LABEL,
  RBAC_AUTOUPDATE_ANNOTATION,
} from '../../src/apis/wellknown.js';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
  BOOTSTRAP_ROLE_BINDINGS,
  BOOTSTRAP_ROLES,
} from '../../src/authz/rbac/bootstrap.js';
import { compactString, covers } from '../../src/authz/rbac/escalation.js';
import { labelSelectorMatches } from '../../src/labels/selector.js';
import { defaultSubject, validatePolicyRule } from '../../src/resources/rbac/validation.js';
import { Path } from '../../src/validation/field.js';

interface K8sObject {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  rules?: Partial<PolicyRule>[] | null;
  aggregationRule?: AggregationRule;
  roleRef?: { apiGroup: string; kind: string; name: string };
  subjects?: Subject[] | null;
}

const load = (file: string): K8sObject[] =>
  (
    parse(readFileSync(new URL(`../fixtures/kubernetes-bootstrap/${file}`, import.meta.url), 'utf8')) as {
      items: K8sObject[];
    }
  ).items;

const k8sClusterRoles = [...load('cluster-roles.yaml'), ...load('controller-roles.yaml')];
const k8sClusterRoleBindings = [...load('cluster-role-bindings.yaml'), ...load('controller-role-bindings.yaml')];
const k8sRoles = load('namespace-roles.yaml');
const k8sRoleBindings = load('namespace-role-bindings.yaml');

/** What Keyway deliberately leaves out, by `Kind/namespace/name`, and why. */
const EXEMPT = new Map<string, string>([
  [
    'ClusterRoleBinding//system:controller:podcheckpoint-controller',
    // the two controller files come from different commits (see the fixtures' README)
    'binds a ClusterRole that the controller-roles.yaml kept here does not define, so Keyway has no role to bind',
  ],
]);
const key = (o: K8sObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const table = (objects: K8sObject[]) =>
  objects.filter((o) => !EXEMPT.has(key(o))).map((o) => [key(o), o] as [string, K8sObject]);

const rulesOf = (o: K8sObject): PolicyRule[] => (o.rules ?? []).map((rule) => defaultRule(rule));
const subjectKey = (s: Subject) => `${s.kind}/${s.namespace ?? ''}/${s.name}`;
const sortSubjects = (subjects: Subject[]) =>
  subjects.map(defaultSubject).sort((a, b) => subjectKey(a).localeCompare(subjectKey(b)));

/** The labels `controllers/bootstrapPolicy.ts` gives a bootstrap ClusterRole. */
const keywayLabels = (aggregateTo: string[] = []): Record<string, string> => ({
  [BOOTSTRAPPING_LABEL]: 'rbac-defaults',
  ...Object.fromEntries(aggregateTo.map((to) => [`${AGGREGATE_TO_LABEL_PREFIX}${to}`, 'true'])),
});

/**
 * A role's rules as the aggregation controller leaves them: an aggregated role's are those of the
 * roles its selectors pick (theirs aggregated in turn), otherwise its own.
 */
function effectiveRules(
  roles: { name: string; labels: Record<string, string>; rules: PolicyRule[]; aggregationRule?: AggregationRule }[],
  name: string,
  seen: string[] = [],
): PolicyRule[] {
  const role = roles.find((x) => x.name === name)!;
  if (!role.aggregationRule) return role.rules;
  const selectors = role.aggregationRule.clusterRoleSelectors ?? [];
  return roles
    .filter((x) => x.name !== name && !seen.includes(x.name))
    .filter((x) => selectors.some((s) => labelSelectorMatches(s, x.labels)))
    .flatMap((x) => effectiveRules(roles, x.name, [...seen, name]));
}

const keywayRoles = BOOTSTRAP_CLUSTER_ROLES.map((x) => ({ ...x, labels: keywayLabels(x.aggregateTo) }));
const kubernetesRoles = k8sClusterRoles.map((o) => ({
  name: o.metadata.name,
  labels: o.metadata.labels ?? {},
  rules: rulesOf(o),
  aggregationRule: o.aggregationRule,
}));

/** Kubernetes' rules that Keyway's do not cover, one compact rule a line. */
const uncovered = (keyway: PolicyRule[], kubernetes: PolicyRule[]) =>
  covers(keyway, kubernetes).uncovered.map(compactString);

describe('Kubernetes testdata', () => {
  it('holds what the fixtures README says', () => {
    expect(k8sClusterRoles.length).toBeGreaterThan(60);
    expect(k8sClusterRoleBindings.length).toBeGreaterThan(40);
    expect(k8sRoles).toHaveLength(7);
    expect(k8sRoleBindings).toHaveLength(7);
    for (const o of [...k8sClusterRoles, ...k8sClusterRoleBindings, ...k8sRoles, ...k8sRoleBindings]) {
      // what the reconciler writes on every bootstrap object
      expect(o.metadata.labels?.[BOOTSTRAPPING_LABEL]).toBe('rbac-defaults');
      expect(o.metadata.annotations?.[RBAC_AUTOUPDATE_ANNOTATION]).toBe('true');
    }
  });

  it.each([...EXEMPT])('exempts %s, which is still in the testdata and not in Keyway (%s)', (k) => {
    const [kind, , name] = k.split('/');
    const all = [...k8sClusterRoles, ...k8sClusterRoleBindings, ...k8sRoles, ...k8sRoleBindings];
    expect(all.map(key)).toContain(k);
    const keyway = kind === 'ClusterRoleBinding' ? BOOTSTRAP_CLUSTER_ROLE_BINDINGS : BOOTSTRAP_CLUSTER_ROLES;
    expect(keyway.map((x) => x.name)).not.toContain(name);
  });
});

describe('ClusterRoles', () => {
  it.each(table(k8sClusterRoles))('%s', (_k, o) => {
    const mine = keywayRoles.find((x) => x.name === o.metadata.name);
    expect(mine, 'missing from BOOTSTRAP_CLUSTER_ROLES').toBeDefined();
    expect(mine!.labels).toEqual(o.metadata.labels);
    expect(mine!.aggregationRule ?? null).toEqual(o.aggregationRule ?? null);
    expect(uncovered(mine!.rules, rulesOf(o))).toEqual([]);
    expect(
      uncovered(effectiveRules(keywayRoles, o.metadata.name), effectiveRules(kubernetesRoles, o.metadata.name)),
    ).toEqual([]);
  });

  it.each(['admin', 'edit', 'view'])('aggregates into %s no more than its own roles and Keyway API groups', (name) => {
    // the aggregated roles grant what Kubernetes' do, plus Keyway's own kinds, and nothing else
    const extra = effectiveRules(keywayRoles, name).filter(
      (rule) => !covers(effectiveRules(kubernetesRoles, name), [rule]).covered,
    );
    expect(extra.flatMap((rule) => rule.apiGroups).every((g) => g.endsWith('keyway.dev'))).toBe(true);
  });
});

describe('Roles', () => {
  it.each(table(k8sRoles))('%s', (_k, o) => {
    const mine = BOOTSTRAP_ROLES.find((x) => x.namespace === o.metadata.namespace && x.name === o.metadata.name);
    expect(mine, 'missing from BOOTSTRAP_ROLES').toBeDefined();
    expect(o.metadata.labels).toEqual(keywayLabels());
    expect(uncovered(mine!.rules, rulesOf(o))).toEqual([]);
  });
});

describe('ClusterRoleBindings', () => {
  it.each(table(k8sClusterRoleBindings))('%s', (_k, o) => {
    const mine = BOOTSTRAP_CLUSTER_ROLE_BINDINGS.find((x) => x.name === o.metadata.name);
    expect(mine, 'missing from BOOTSTRAP_CLUSTER_ROLE_BINDINGS').toBeDefined();
    expect(o.metadata.labels).toEqual(keywayLabels());
    expect(o.roleRef).toEqual({ apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: mine!.role });
    expect(sortSubjects(mine!.subjects)).toEqual(sortSubjects(o.subjects ?? []));
  });
});

describe('RoleBindings', () => {
  it.each(table(k8sRoleBindings))('%s', (_k, o) => {
    const mine = BOOTSTRAP_ROLE_BINDINGS.find(
      (x) => x.namespace === o.metadata.namespace && x.name === o.metadata.name,
    );
    expect(mine, 'missing from BOOTSTRAP_ROLE_BINDINGS').toBeDefined();
    expect(o.metadata.labels).toEqual(keywayLabels());
    expect(o.roleRef).toEqual({ apiGroup: RBAC_GROUP, kind: 'Role', name: mine!.role });
    expect(sortSubjects(mine!.subjects)).toEqual(sortSubjects(o.subjects ?? []));
  });
});

describe("Keyway's bootstrap policy", () => {
  it('names each object once', () => {
    const names = (xs: { namespace?: string; name: string }[]) => xs.map((x) => `${x.namespace ?? ''}/${x.name}`);
    for (const list of [
      names(BOOTSTRAP_CLUSTER_ROLES),
      names(BOOTSTRAP_CLUSTER_ROLE_BINDINGS),
      names(BOOTSTRAP_ROLES),
      names(BOOTSTRAP_ROLE_BINDINGS),
    ]) {
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('binds only roles it bootstraps', () => {
    const clusterRoles = BOOTSTRAP_CLUSTER_ROLES.map((x) => x.name);
    for (const b of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) expect(clusterRoles, b.name).toContain(b.role);
    for (const b of BOOTSTRAP_ROLE_BINDINGS) {
      const role = BOOTSTRAP_ROLES.find((x) => x.namespace === b.namespace && x.name === b.role);
      expect(role, `${b.namespace}/${b.name}`).toBeDefined();
    }
  });

  it('holds only rules the API accepts', () => {
    for (const { name, rules } of BOOTSTRAP_CLUSTER_ROLES)
      expect(rules.flatMap((rule, i) => validatePolicyRule(rule, false, Path.root(name).index(i)))).toEqual([]);
    for (const { namespace, name, rules } of BOOTSTRAP_ROLES)
      expect(
        rules.flatMap((rule, i) => validatePolicyRule(rule, true, Path.root(`${namespace}/${name}`).index(i))),
      ).toEqual([]);
  });
});

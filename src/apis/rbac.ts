/** The rbac.authorization.k8s.io kinds. */
import type { KubeObject } from './meta.js';

export const RBAC_GROUP = 'rbac.authorization.k8s.io';

export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

/** A rule with every list present (absent lists are empty), as every reader expects one. */
export function defaultRule(rule: Partial<PolicyRule>): PolicyRule {
  return {
    verbs: rule.verbs ?? [],
    apiGroups: rule.apiGroups ?? [],
    resources: rule.resources ?? [],
    resourceNames: rule.resourceNames ?? [],
    nonResourceURLs: rule.nonResourceURLs ?? [],
  };
}

export interface Role extends KubeObject<'Role'> {
  rules: PolicyRule[];
}
/** metav1.LabelSelector: every requirement must hold; `{}` selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string> | null;
  matchExpressions?: { key: string; operator: string; values?: string[] | null }[] | null;
}

/** A ClusterRole whose rules are the union of the rules of the ClusterRoles these select. */
export interface AggregationRule {
  clusterRoleSelectors?: LabelSelector[] | null;
}

export interface ClusterRole extends KubeObject<'ClusterRole'> {
  rules: PolicyRule[];
  aggregationRule?: AggregationRule | null;
}

export interface RoleRef {
  apiGroup: string;
  kind: string;
  name: string;
}
export interface Subject {
  kind: string;
  name: string;
  namespace?: string | null;
  apiGroup?: string | null;
}

export interface RoleBinding extends KubeObject<'RoleBinding'> {
  roleRef: RoleRef;
  subjects: Subject[];
}
export interface ClusterRoleBinding extends KubeObject<'ClusterRoleBinding'> {
  roleRef: RoleRef;
  subjects: Subject[];
}

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
export interface ClusterRole extends KubeObject<'ClusterRole'> {
  rules: PolicyRule[];
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

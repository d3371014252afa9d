/**
 * The kinds Keyway serves and how authorization names them. One table, so the store, the
 * authorizer and the GraphQL layer agree on plural names, API groups and scope.
 */
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from './rbac.js';
import type { IssuedToken } from './authentication.js';
import type { Namespace, Pod, Secret, ServiceAccount } from './core.js';

export interface KindInfo {
  kind: string;
  /** The RBAC resource name (lower-case plural). */
  resource: string;
  apiGroup: string;
  apiVersion: string;
  namespaced: boolean;
}

export const KINDS = {
  Namespace: { kind: 'Namespace', resource: 'namespaces', apiGroup: '', apiVersion: 'v1', namespaced: false },
  ServiceAccount: {
    kind: 'ServiceAccount',
    resource: 'serviceaccounts',
    apiGroup: '',
    apiVersion: 'v1',
    namespaced: true,
  },
  Secret: { kind: 'Secret', resource: 'secrets', apiGroup: '', apiVersion: 'v1', namespaced: true },
  Pod: { kind: 'Pod', resource: 'pods', apiGroup: '', apiVersion: 'v1', namespaced: true },
  Role: {
    kind: 'Role',
    resource: 'roles',
    apiGroup: 'rbac.authorization.k8s.io',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    namespaced: true,
  },
  RoleBinding: {
    kind: 'RoleBinding',
    resource: 'rolebindings',
    apiGroup: 'rbac.authorization.k8s.io',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    namespaced: true,
  },
  ClusterRole: {
    kind: 'ClusterRole',
    resource: 'clusterroles',
    apiGroup: 'rbac.authorization.k8s.io',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    namespaced: false,
  },
  ClusterRoleBinding: {
    kind: 'ClusterRoleBinding',
    resource: 'clusterrolebindings',
    apiGroup: 'rbac.authorization.k8s.io',
    apiVersion: 'rbac.authorization.k8s.io/v1',
    namespaced: false,
  },
  IssuedToken: {
    kind: 'IssuedToken',
    resource: 'issuedtokens',
    apiGroup: 'authentication.keyway.dev',
    apiVersion: 'authentication.keyway.dev/v1',
    namespaced: true,
  },
} as const satisfies Record<string, KindInfo>;

export type Kind = keyof typeof KINDS;

export interface ObjectOfKind {
  Namespace: Namespace;
  ServiceAccount: ServiceAccount;
  Secret: Secret;
  Pod: Pod;
  Role: Role;
  RoleBinding: RoleBinding;
  ClusterRole: ClusterRole;
  ClusterRoleBinding: ClusterRoleBinding;
  IssuedToken: IssuedToken;
}

export function isKind(value: string): value is Kind {
  return Object.hasOwn(KINDS, value);
}

/** `pods`, or `roles.rbac.authorization.k8s.io`: how Kubernetes names a resource in messages. */
export function qualifiedResource(kind: Kind): string {
  const info = KINDS[kind];
  return info.apiGroup ? `${info.resource}.${info.apiGroup}` : info.resource;
}

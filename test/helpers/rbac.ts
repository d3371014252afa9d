/** The conformance fixtures' shapes, and their objects as GraphQL inputs. */
import type { PolicyRule } from '../../src/apis/rbac.js';

export interface VectorRole {
  kind: 'Role' | 'ClusterRole';
  namespace: string | null;
  name: string;
  rules: PolicyRule[];
}
export interface VectorBinding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  namespace: string | null;
  name: string;
  roleRef: { kind: string; name: string };
  subjects: { kind: string; name: string; namespace: string }[];
}
export interface RbacVector {
  source: string;
  roles: VectorRole[];
  bindings: VectorBinding[];
  request: {
    user: string;
    groups: string[];
    verb: string;
    apiGroup: string;
    resource: string;
    subresource: string;
    name: string;
    namespace: string;
    nonResourcePath: string;
  };
  allowed: boolean;
  note: string;
}

export function objectOf(o: VectorRole | VectorBinding): Record<string, unknown> {
  const base = { kind: o.kind, metadata: { name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) } };
  if ('rules' in o) return { ...base, rules: o.rules };
  return {
    ...base,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...o.roleRef },
    subjects: o.subjects.map((s) => ({
      kind: s.kind,
      name: s.name,
      ...(s.namespace ? { namespace: s.namespace } : {}),
      apiGroup: s.kind === 'ServiceAccount' ? '' : 'rbac.authorization.k8s.io',
    })),
  };
}

/** The GraphQL input of a vector object (no kind, namespace in metadata only when set). */
export function inputOf(o: VectorRole | VectorBinding): Record<string, unknown> {
  const { kind: _kind, ...rest } = objectOf(o) as { kind: string };
  return rest;
}

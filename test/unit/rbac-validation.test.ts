import { describe, expect, it } from 'vitest';
import type { ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '../../src/apis/rbac.js';
import {
  clusterRoleBindingStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  roleStrategy,
} from '../../src/resources/rbac/strategies.js';

const metadata = {
  name: 'x',
  uid: 'u',
  resourceVersion: '0',
  generation: 1,
  creationTimestamp: '',
  labels: {},
  annotations: {},
};
const G = 'rbac.authorization.k8s.io';

describe('policy rules', () => {
  const role = (rules: Partial<PolicyRule>[]) => roleStrategy.defaults!({ kind: 'Role', metadata, rules } as Role);
  const clusterRole = (rules: Partial<PolicyRule>[]) =>
    clusterRoleStrategy.defaults!({ kind: 'ClusterRole', metadata, rules } as never);
  it.each([
    [[{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], []],
    [
      [{ apiGroups: [''], resources: ['pods'] }],
      ['rules[0].verbs: Required value: verbs must contain at least one value'],
    ],
    [
      [{ verbs: ['get'], resources: ['pods'] }],
      ['rules[0].apiGroups: Required value: resource rules must supply at least one api group'],
    ],
    [
      [{ verbs: ['get'], apiGroups: [''] }],
      ['rules[0].resources: Required value: resource rules must supply at least one resource'],
    ],
    [
      [{ verbs: ['get'], nonResourceURLs: ['/healthz'] }],
      ['rules[0].nonResourceURLs: Invalid value: ["/healthz"]: namespaced rules cannot apply to non-resource URLs'],
    ],
  ])('Role %j → %j', (rules, expected) => {
    expect(roleStrategy.validate(role(rules)).map(String)).toEqual(expected);
  });

  it.each([
    [[{ verbs: ['get'], nonResourceURLs: ['/healthz'] }], []],
    [
      [{ verbs: ['get'], nonResourceURLs: ['/x'], resources: ['pods'] }],
      [
        'rules[0].nonResourceURLs: Invalid value: ["/x"]: rules cannot apply to both regular resources ' +
          'and non-resource URLs',
      ],
    ],
  ])('ClusterRole %j → %j', (rules, expected) => {
    expect(clusterRoleStrategy.validate(clusterRole(rules)).map(String)).toEqual(expected);
  });
});

describe('bindings', () => {
  const rb = (roleRef: object, subjects: object[]) =>
    roleBindingStrategy.defaults!({ kind: 'RoleBinding', metadata, roleRef, subjects } as RoleBinding);
  const crb = (roleRef: object, subjects: object[]) =>
    clusterRoleBindingStrategy.defaults!({
      kind: 'ClusterRoleBinding',
      metadata,
      roleRef,
      subjects,
    } as ClusterRoleBinding);

  it('defaults apiGroups', () => {
    const b = rb({ kind: 'Role', name: 'r' }, [
      { kind: 'User', name: 'u' },
      { kind: 'ServiceAccount', name: 'sa' },
    ]);
    expect(b.roleRef.apiGroup).toBe(G);
    expect(b.subjects.map((s) => s.apiGroup)).toEqual([G, '']);
  });

  it.each([
    [{ kind: 'Role', name: 'r' }, [{ kind: 'Group', name: 'g' }], []],
    [{ kind: 'ClusterRole', name: 'system:basic-user' }, [], []],
    [
      { kind: 'Secret', name: 'r' },
      [],
      ['roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole"'],
    ],
    [{ kind: 'Role', name: '' }, [], ['roleRef.name: Required value']],
    [{ kind: 'Role', name: 'a/b' }, [], [`roleRef.name: Invalid value: "a/b": may not contain '/'`]],
    [
      { apiGroup: 'v1', kind: 'Role', name: 'r' },
      [],
      [`roleRef.apiGroup: Unsupported value: "v1": supported values: "${G}"`],
    ],
    [
      { kind: 'Role', name: 'r' },
      [{ kind: 'Robot', name: 'x' }],
      ['subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"'],
    ],
    [{ kind: 'Role', name: 'r' }, [{ kind: 'User', name: '' }], ['subjects[0].name: Required value']],
    [
      { kind: 'Role', name: 'r' },
      [{ kind: 'User', name: 'u', apiGroup: 'x' }],
      [`subjects[0].apiGroup: Unsupported value: "x": supported values: "${G}"`],
    ],
    [
      { kind: 'Role', name: 'r' },
      [{ kind: 'ServiceAccount', name: 'Bad' }],
      ['subjects[0].name: Invalid value: "Bad": a lowercase RFC 1123 subdomain'],
    ],
    [
      { kind: 'Role', name: 'r' },
      [{ kind: 'ServiceAccount', name: 'sa', apiGroup: G }],
      [`subjects[0].apiGroup: Unsupported value: "${G}": supported values: ""`],
    ],
  ])('RoleBinding %j %j → %j', (roleRef, subjects, expected) => {
    const got = roleBindingStrategy.validate(rb(roleRef, subjects)).map(String);
    expect(got).toHaveLength(expected.length);
    for (const [i, e] of expected.entries()) expect(got[i].startsWith(e)).toBe(true);
  });

  it.each([
    [{ kind: 'ClusterRole', name: 'c' }, [{ kind: 'ServiceAccount', name: 'sa', namespace: 'dev' }], []],
    [{ kind: 'Role', name: 'r' }, [], ['roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"']],
    [
      { kind: 'ClusterRole', name: 'c' },
      [{ kind: 'ServiceAccount', name: 'sa' }],
      ['subjects[0].namespace: Required value'],
    ],
  ])('ClusterRoleBinding %j %j → %j', (roleRef, subjects, expected) => {
    expect(clusterRoleBindingStrategy.validate(crb(roleRef, subjects)).map(String)).toEqual(expected);
  });

  it('refuses a changed roleRef', () => {
    const old = rb({ kind: 'Role', name: 'a' }, []);
    const next = rb({ kind: 'Role', name: 'b' }, []);
    expect(roleBindingStrategy.validateUpdate(next, old, new Set(['roleRef'])).map(String)).toEqual([
      `roleRef: Invalid value: {"apiGroup":"${G}","kind":"Role","name":"b"}: cannot change roleRef`,
    ]);
  });
});

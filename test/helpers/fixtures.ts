/**
 * The objects tests set up, created through the API as the admin: one helper per kind, and RBAC
 * grants (a role and its binding in one call).
 */
import type { TestApp } from './app.js';

const RBAC = 'rbac.authorization.k8s.io';

export async function namespace(t: TestApp, name: string): Promise<void> {
  await t.ok('mutation ($n: String!) { createNamespace(input: { metadata: { name: $n } }) { id } }', { n: name });
}

export async function serviceAccount(t: TestApp, ns: string, name: string): Promise<string> {
  const data = await t.ok(
    'mutation ($ns: String!, $n: String!) { createServiceAccount(namespace: $ns, input: { metadata: ' +
      '{ name: $n } }) { metadata { uid } } }',
    { ns, n: name },
  );
  return data.createServiceAccount.metadata.uid;
}

export async function pod(t: TestApp, ns: string, name: string, sa = 'default', nodeName?: string): Promise<string> {
  const data = await t.ok(
    'mutation ($ns: String!, $i: PodInput!) { createPod(namespace: $ns, input: $i) { metadata { uid } } }',
    {
      ns,
      i: {
        metadata: { name },
        spec: {
          serviceAccountName: sa,
          nodeName,
          automountServiceAccountToken: false,
          containers: [{ name: 'c', image: 'busybox' }],
        },
      },
    },
  );
  return data.createPod.metadata.uid;
}

export async function secret(t: TestApp, ns: string, name: string): Promise<string> {
  const data = await t.ok(
    'mutation ($ns: String!, $n: String!) { createSecret(namespace: $ns, input: { metadata: { name: ' +
      '$n }, stringData: { a: "b" } }) { metadata { uid } } }',
    { ns, n: name },
  );
  return data.createSecret.metadata.uid;
}

export async function role(t: TestApp, ns: string, name: string, rules: object[]): Promise<void> {
  await t.ok('mutation ($ns: String!, $i: RoleInput!) { createRole(namespace: $ns, input: $i) { id } }', {
    ns,
    i: { metadata: { name }, rules },
  });
}

export async function roleBinding(t: TestApp, ns: string, name: string, roleRef: object, subjects: object[]) {
  return t.ok(
    'mutation ($ns: String!, $i: RoleBindingInput!) { createRoleBinding(namespace: $ns, input: ' +
      '$i) { metadata { resourceVersion } } }',
    {
      ns,
      i: { metadata: { name }, roleRef, subjects },
    },
  );
}

let grants = 0;

/** A Role in `ns` with `rules`, bound to User `user`; returns the name of both. */
export async function grant(t: TestApp, ns: string, user: string, rules: object[]): Promise<string> {
  const name = `grant-${++grants}`;
  await role(t, ns, name, rules);
  await roleBinding(t, ns, name, { apiGroup: RBAC, kind: 'Role', name }, [
    { kind: 'User', apiGroup: RBAC, name: user },
  ]);
  return name;
}

/** A ClusterRole with `rules`, bound cluster-wide to User `user`. */
export async function grantCluster(t: TestApp, user: string, rules: object[]): Promise<void> {
  const name = `cluster-grant-${++grants}`;
  await t.ok('mutation ($i: ClusterRoleInput!) { createClusterRole(input: $i) { id } }', {
    i: { metadata: { name }, rules },
  });
  await t.ok('mutation ($i: ClusterRoleBindingInput!) { createClusterRoleBinding(input: $i) { id } }', {
    i: {
      metadata: { name },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', apiGroup: RBAC, name: user }],
    },
  });
}

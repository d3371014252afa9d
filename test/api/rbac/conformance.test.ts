/**
 * Kubernetes' own RBAC test vectors through the GraphQL API: each vector's roles and bindings are
 * created through mutations (on an otherwise empty policy) and its question asked with
 * `subjectAccessReview`; each escalation vector is played by impersonating its user.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyRule } from '../../../src/apis/rbac.js';
import { gqlAs, startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { inputOf, type RbacVector, type VectorBinding, type VectorRole } from '../../helpers/rbac.js';

const rbacVectors = JSON.parse(
  readFileSync(new URL('../../fixtures/rbac-vectors.json', import.meta.url), 'utf8'),
) as RbacVector[];
const escalationVectors = JSON.parse(
  readFileSync(new URL('../../fixtures/escalation-vectors.json', import.meta.url), 'utf8'),
) as any[];

const SAR =
  `query ($input: SubjectAccessReviewInput!) { subjectAccessReview(input: $input) { allowed denied ` + `reason } }`;
const mutation = (verb: 'create' | 'update', kind: string, namespaced: boolean) =>
  `mutation (${namespaced ? '$ns: String!, ' : ''}$input: ${kind}Input!) ` +
  `{ ${verb}${kind}(${namespaced ? 'namespace: $ns, ' : ''}input: ` +
  `$input) { metadata { name } } }`;
const remove = (kind: string, namespaced: boolean) =>
  `mutation (${namespaced ? '$ns: String!, ' : ''}$name: String!) ` +
  `{ delete${kind}(${namespaced ? 'namespace: $ns, ' : ''}name: ` +
  `$name) { metadata { name } } }`;
const namespacedKind = (kind: string) => kind === 'Role' || kind === 'RoleBinding';

describe.each(ENGINES)('RBAC conformance through the API (%s)', (engine) => {
  let t: TestApp;
  const namespaces = new Set<string>();

  async function ensureNamespace(ns: string) {
    if (!ns || namespaces.has(ns)) return;
    await t.gql('mutation ($n: String!) { createNamespace(input: { metadata: { name: $n } }) { id } }', { n: ns });
    namespaces.add(ns);
  }

  /** Creates the objects as the admin; returns how to delete them again. */
  async function install(objects: (VectorRole | VectorBinding)[]): Promise<() => Promise<void>> {
    const made: (VectorRole | VectorBinding)[] = [];
    for (const o of objects) {
      await ensureNamespace(o.namespace ?? '');
      const res = await t.gql(mutation('create', o.kind, namespacedKind(o.kind)), {
        ns: o.namespace,
        input: inputOf(o),
      });
      // Kubernetes' validation refuses some test objects too (a ClusterRoleBinding to a
      // ServiceAccount without a namespace): such an object simply does not exist.
      if (res.errors) expect(res.errors[0].extensions.code).toBe('INVALID');
      else made.push(o);
    }
    return async () => {
      for (const o of made.reverse())
        await t.ok(remove(o.kind, namespacedKind(o.kind)), { ns: o.namespace, name: o.name });
    };
  }

  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    // An empty policy: the vectors assume nothing but their own objects.
    for (const [kind, list] of [
      ['ClusterRoleBinding', 'clusterRoleBindings'],
      ['ClusterRole', 'clusterRoles'],
      ['RoleBinding', 'roleBindings'],
      ['Role', 'roles'],
    ] as const) {
      const data = await t.ok(`{ ${list}(first: 1000) { edges { node { metadata { name namespace } } } } }`);
      for (const { node } of data[list].edges)
        await t.ok(remove(kind, namespacedKind(kind)), { ns: node.metadata.namespace, name: node.metadata.name });
    }
  });
  afterAll(() => t.close());

  it.each(rbacVectors.map((v, i) => [i, v.source, v] as const))('authorization #%i %s', async (_i, _s, v) => {
    const cleanup = await install([...v.roles, ...v.bindings]);
    try {
      const q = v.request;
      const input = {
        user: q.user || undefined,
        groups: q.groups,
        ...(q.nonResourcePath
          ? { nonResourceAttributes: { path: q.nonResourcePath, verb: q.verb } }
          : {
              resourceAttributes: {
                namespace: q.namespace,
                verb: q.verb,
                group: q.apiGroup,
                resource: q.resource,
                subresource: q.subresource,
                name: q.name,
              },
            }),
      };
      const data = await t.ok(SAR, { input });
      expect(data.subjectAccessReview.allowed).toBe(v.allowed);
      expect(data.subjectAccessReview.denied).toBe(false);
    } finally {
      await cleanup();
    }
  });

  const rolesRule = (verbs: string[]): PolicyRule => ({
    verbs,
    apiGroups: ['rbac.authorization.k8s.io'],
    resources: ['roles', 'clusterroles'],
    resourceNames: [],
    nonResourceURLs: [],
  });
  const grant = (user: string, name: string, rules: PolicyRule[]): (VectorRole | VectorBinding)[] => [
    { kind: 'ClusterRole', namespace: null, name, rules },
    {
      kind: 'ClusterRoleBinding',
      namespace: null,
      name,
      roleRef: { kind: 'ClusterRole', name },
      subjects: [{ kind: 'User', name: user, namespace: '' }],
    },
  ];
  const valid = (r: PolicyRule) =>
    r.verbs.length > 0 && !(r.nonResourceURLs.length && (r.resources.length || r.apiGroups.length));

  it.each(
    escalationVectors
      .filter((v) => v.type === 'covers' && [...v.ownerRules, ...v.servantRules].every(valid))
      .map((v, i) => [i, v.source, v] as const),
  )('escalation (covers) #%i %s: a role may hold only rules its writer holds', async (i, _s, v) => {
    const user = `owner-${i}`;
    const cleanup = await install([
      ...grant(user, `owned-${i}`, v.ownerRules),
      ...grant(user, `writer-${i}`, [rolesRule(['create'])]),
    ]);
    try {
      const res = await gqlAs(t, { user }, mutation('create', 'ClusterRole', false), {
        input: { metadata: { name: `servant-${i}` }, rules: v.servantRules },
      });
      if (v.covered) {
        expect(res.errors).toBeUndefined();
        await t.ok(remove('ClusterRole', false), { name: `servant-${i}` });
      } else {
        expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
        expect(res.errors?.[0].message).toContain(`is attempting to grant RBAC permissions not currently held`);
      }
    } finally {
      await cleanup();
    }
  });

  it.each(
    escalationVectors.filter((v) => v.type === 'writeRole').map((v, i) => [i, v.source, v.operation, v] as const),
  )('escalation (writeRole) #%i %s %s', async (i, _s, operation, v) => {
    const setup = [...v.existingRbac.roles, ...v.existingRbac.bindings];
    // the user may write roles at all; `escalate` too when the vector says so
    setup.push(
      ...grant(v.user.name, `role-writer-${i}`, [
        rolesRule(v.escalateVerbAuthorized ? ['create', 'update', 'escalate'] : ['create', 'update']),
      ]),
    );
    const object = v.object as VectorRole;
    if (operation === 'update') setup.push({ ...object, rules: [] });
    const cleanup = await install(setup);
    try {
      const namespaced = object.kind === 'Role';
      await ensureNamespace(object.namespace ?? '');
      const res = await gqlAs(
        t,
        { user: v.user.name, groups: v.user.groups },
        mutation(operation, object.kind, namespaced),
        {
          ns: object.namespace,
          input: inputOf(object),
        },
      );
      expect(res.errors === undefined).toBe(v.allowed);
      if (operation === 'create' && !res.errors)
        await t.ok(remove(object.kind, namespaced), { ns: object.namespace, name: object.name });
    } finally {
      await cleanup();
    }
  });

  it.each(escalationVectors.filter((v) => v.type === 'createBinding').map((v, i) => [i, v.source, v] as const))(
    'escalation (createBinding) #%i %s',
    async (_i, _s, v) => {
      const cleanup = await install([...v.existingRbac.roles, ...v.existingRbac.bindings]);
      try {
        const object = v.object as VectorBinding;
        const namespaced = object.kind === 'RoleBinding';
        await ensureNamespace(object.namespace ?? '');
        const res = await gqlAs(
          t,
          { user: v.user.name, groups: v.user.groups },
          mutation('create', object.kind, namespaced),
          {
            ns: object.namespace,
            input: inputOf(object),
          },
        );
        expect(res.errors === undefined).toBe(v.allowed);
        if (!res.errors) await t.ok(remove(object.kind, namespaced), { ns: object.namespace, name: object.name });
        else expect(res.errors[0].extensions.code).toBe('FORBIDDEN');
      } finally {
        await cleanup();
      }
    },
  );
});

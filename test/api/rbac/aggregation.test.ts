/**
 * Aggregated ClusterRoles: the controller fills an aggregated role's rules from the roles its
 * selectors match and keeps them current; `admin`, `edit` and `view` are aggregated as in
 * Kubernetes, so a role labelled `aggregate-to-edit` extends `edit` (and through it `admin`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';

const ROLE = `mutation ($i: ClusterRoleInput!) { createClusterRole(input: $i) { metadata { name } } }`;
const UPDATE = `mutation ($i: ClusterRoleInput!) { updateClusterRole(input: $i) { metadata { name } } }`;
const READ = `query ($n: String!) { clusterRole(name: $n) { rules { verbs apiGroups resources }
  aggregationRule { clusterRoleSelectors { matchLabels matchExpressions { key operator values } } } } }`;

describe.each(ENGINES)('ClusterRole aggregation (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  const rulesOf = async (name: string) =>
    (await t.ok(READ, { n: name })).clusterRole.rules as {
      verbs: string[];
      apiGroups: string[];
      resources: string[];
    }[];
  const can = async (role: string, verb: string, resource: string, group = '') => {
    // a user bound to the role in namespace "ns", asked about that namespace
    const data = await t.ok(`query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed } }`, {
      i: { user: `as-${role}`, resourceAttributes: { verb, resource, group, namespace: 'ns' } },
    });
    return data.subjectAccessReview.allowed as boolean;
  };

  it('aggregates admin, edit and view from the system:aggregate-to-* roles, as Kubernetes does', async () => {
    await t.ok('mutation { createNamespace(input: { metadata: { name: "ns" } }) { id } }');
    for (const role of ['view', 'edit', 'admin']) {
      await t.ok(`mutation ($i: RoleBindingInput!) { createRoleBinding(namespace: "ns", input: $i) { id } }`, {
        i: {
          metadata: { name: `as-${role}` },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
          subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `as-${role}` }],
        },
      });
    }
    const view = await t.ok(READ, { n: 'view' });
    expect(view.clusterRole.aggregationRule).toEqual({
      clusterRoleSelectors: [
        { matchLabels: { 'rbac.authorization.k8s.io/aggregate-to-view': 'true' }, matchExpressions: [] },
      ],
    });
    const [viewRules, editRules, adminRules] = [await rulesOf('view'), await rulesOf('edit'), await rulesOf('admin')];
    expect(viewRules.length).toBeGreaterThan(0);
    for (const rule of viewRules) expect(editRules).toContainEqual(rule);
    for (const rule of editRules) expect(adminRules).toContainEqual(rule);
    expect([
      await can('view', 'list', 'pods'),
      await can('view', 'create', 'pods'),
      await can('view', 'get', 'secrets'),
    ]).toEqual([true, false, false]);
    expect([
      await can('edit', 'create', 'pods'),
      await can('edit', 'create', 'roles', 'rbac.authorization.k8s.io'),
    ]).toEqual([true, false]);
    expect(await can('admin', 'create', 'roles', 'rbac.authorization.k8s.io')).toBe(true);
  });

  it('extends edit (and through it admin) with a role labelled aggregate-to-edit, and takes it back', async () => {
    expect(await can('edit', 'create', 'widgets', 'example.com')).toBe(false);
    await t.ok(ROLE, {
      i: {
        metadata: { name: 'widgets-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } },
        rules: [{ verbs: ['create', 'delete'], apiGroups: ['example.com'], resources: ['widgets'] }],
      },
    });
    await eventually(async () => {
      expect(await can('edit', 'create', 'widgets', 'example.com')).toBe(true);
      expect(await can('admin', 'delete', 'widgets', 'example.com')).toBe(true);
    });
    expect(await can('view', 'create', 'widgets', 'example.com')).toBe(false);
    await t.ok(UPDATE, { i: { metadata: { name: 'widgets-edit', labels: {} } } });
    await eventually(async () => {
      expect(await can('edit', 'create', 'widgets', 'example.com')).toBe(false);
      expect(await can('admin', 'create', 'widgets', 'example.com')).toBe(false);
    });
  });

  it('fills a role of its own from the roles its selectors match, in name order, each rule once', async () => {
    await t.ok(ROLE, {
      i: {
        metadata: { name: 'team-all' },
        aggregationRule: {
          clusterRoleSelectors: [
            { matchLabels: { team: 'a' } },
            { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] },
          ],
        },
      },
    });
    const rule = (resource: string) => ({ verbs: ['get'], apiGroups: [''], resources: [resource] });
    await t.ok(ROLE, {
      i: { metadata: { name: 'b-role', labels: { team: 'a' } }, rules: [rule('pods'), rule('secrets')] },
    });
    await t.ok(ROLE, {
      i: { metadata: { name: 'a-role', labels: { team: 'a', tier: 'gold' } }, rules: [rule('configmaps')] },
    });
    await t.ok(ROLE, {
      i: { metadata: { name: 'c-role', labels: { tier: 'gold' } }, rules: [rule('pods'), rule('nodes')] },
    });
    await t.ok(ROLE, { i: { metadata: { name: 'd-role', labels: { team: 'b' } }, rules: [rule('events')] } });
    await eventually(async () =>
      expect((await rulesOf('team-all')).map((r) => r.resources[0])).toEqual([
        'configmaps',
        'pods',
        'secrets',
        'nodes',
      ]),
    );
    await t.ok('mutation { deleteClusterRole(name: "b-role") { id } }');
    await eventually(async () =>
      expect((await rulesOf('team-all')).map((r) => r.resources[0])).toEqual(['configmaps', 'pods', 'nodes']),
    );
  });

  it('validates the aggregation rule as Kubernetes does', async () => {
    const empty = await t.gql(ROLE, {
      i: { metadata: { name: 'bad-1' }, aggregationRule: { clusterRoleSelectors: [] } },
    });
    expect(empty.errors?.[0].extensions.causes).toEqual([
      {
        field: 'aggregationRule.clusterRoleSelectors',
        message: 'Required value: at least one clusterRoleSelector required if aggregationRule is non-nil',
        reason: 'FieldValueRequired',
      },
    ]);
    const operator = await t.gql(ROLE, {
      i: {
        metadata: { name: 'bad-2' },
        aggregationRule: {
          clusterRoleSelectors: [{ matchExpressions: [{ key: 'a', operator: 'Near', values: ['x'] }] }],
        },
      },
    });
    expect(operator.errors?.[0].extensions.causes[0]).toMatchObject({
      field: 'aggregationRule.clusterRoleSelectors[0].matchExpressions[0].operator',
      message: 'Invalid value: "Near": not a valid selector operator',
    });
  });
});

describe.each(ENGINES)("Kubernetes' other default roles (%s)", (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  const review = async (user: string, groups: string[], attributes: Record<string, unknown>) => {
    const data = await t.ok('query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed } }', {
      i: { user, groups, ...attributes },
    });
    return data.subjectAccessReview.allowed as boolean;
  };

  it.each([
    ['system:kube-proxy', [], { resourceAttributes: { verb: 'list', resource: 'services' } }, true],
    ['system:kube-proxy', [], { resourceAttributes: { verb: 'delete', resource: 'services', namespace: 'x' } }, false],
    [
      'system:serviceaccount:kube-system:kube-dns',
      [],
      { resourceAttributes: { verb: 'watch', resource: 'endpoints' } },
      true,
    ],
    ['prometheus', ['system:monitoring'], { nonResourceAttributes: { verb: 'get', path: '/metrics' } }, true],
    ['prometheus', [], { nonResourceAttributes: { verb: 'get', path: '/metrics' } }, false],
  ])('%s %j: %o → %s', async (user, groups, attributes, allowed) => {
    expect(await review(user, groups, attributes)).toBe(allowed);
  });

  it('has the roles workloads bind to, cluster-wide and in kube-system', async () => {
    const data = await t.ok(`{
      reader: role(namespace: "kube-system", name: "extension-apiserver-authentication-reader") {
        rules { resourceNames } }
      delegator: clusterRole(name: "system:auth-delegator") { rules { resources } }
      heapster: clusterRole(name: "system:heapster") { metadata { name } }
      provisioner: clusterRole(name: "system:persistent-volume-provisioner") { metadata { name } } }`);
    expect(data.reader.rules[0].resourceNames).toEqual(['extension-apiserver-authentication']);
    expect(data.delegator.rules.map((r: { resources: string[] }) => r.resources)).toEqual([
      ['tokenreviews'],
      ['subjectaccessreviews'],
    ]);
  });
});

/**
 * Access analysis through the API, on every engine: effectivePermissions (rules by namespace with
 * their bindings, the resources × verbs matrix) and serviceAccountAccess (who can obtain a
 * ServiceAccount's credentials, and how), with the bootstrap policy, grants made here and the
 * real-world manifests; and the agreement property: every matrix cell, allowed or not, is what a
 * subjectAccessReview of the same question answers.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gqlAs, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, grantCluster, namespace, serviceAccount } from '../helpers/fixtures.js';

const MANIFESTS = ['/work/shared/real-manifests', new URL('../../../shared/real-manifests', import.meta.url).pathname]
  .concat(process.env.KEYWAY_REAL_MANIFESTS ?? [])
  .find((p) => existsSync(p));

const EFFECTIVE = `query ($s: AccessSubjectInput!, $ns: String) { effectivePermissions(subject: $s, namespace: $ns) {
  user { username groups }
  scopes { namespace rules { verbs apiGroups resources resourceNames nonResourceURLs
    sources { binding { kind name namespace roleRef { kind name } } via { kind name namespace } } }
    unresolved { binding { name } } }
  matrix { apiGroup resource verbs } } }`;
const ACCESS = `query ($ns: String!, $n: String!) { serviceAccountAccess(namespace: $ns, name: $n) {
  path rank subject { kind name namespace } permission bindings { kind name namespace } } }`;
const SAR = `query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed } }`;

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

describe.each(ENGINES)('access analysis (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'ci');
    await serviceAccount(t, 'ci', 'builder');
    await grant(t, 'ci', 'system:serviceaccount:ci:builder', [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods', 'secrets'] },
    ]);
    await grant(t, 'ci', 'alice', [{ verbs: ['create'], apiGroups: [''], resources: ['pods'] }]);
    await grant(t, 'ci', 'bob', [
      { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['builder'] },
    ]);
    await grant(t, 'ci', 'carol', [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }]);
    await grant(t, 'ci', 'dave', [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] }]);
    await grant(t, 'ci', 'erin', [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }]);
    await grantCluster(t, 'frank', [
      { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
    ]);
    // a binding to a role that does not exist, and a legacy token Secret of the account
    await t.ok('mutation ($i: RoleBindingInput!) { createRoleBinding(namespace: "ci", input: $i) { id } }', {
      i: {
        metadata: { name: 'dangling' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'not-yet' },
        subjects: [{ kind: 'ServiceAccount', name: 'builder', namespace: 'ci' }],
      },
    });
    await t.ok('mutation ($i: SecretInput!) { createSecret(namespace: "ci", input: $i) { id } }', {
      i: {
        metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    if (MANIFESTS) {
      for (const f of readdirSync(MANIFESTS).filter((f) => /\.ya?ml$/.test(f))) {
        await t.ok('mutation ($m: String!) { apply(manifests: $m, skipUnsupported: true) { action } }', {
          m: readFileSync(`${MANIFESTS}/${f}`, 'utf8'),
        });
      }
    }
  });
  afterAll(() => t?.close());

  const effective = async (s: Record<string, unknown>, ns?: string) =>
    (await t.ok(EFFECTIVE, { s, ns })).effectivePermissions;

  it("lists a ServiceAccount's rules by namespace, each with its binding and the subject it matched", async () => {
    const e = await effective({ kind: 'ServiceAccount', name: 'builder', namespace: 'ci' }, 'ci');
    expect(e.user).toEqual({
      username: 'system:serviceaccount:ci:builder',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
    });
    const ci = e.scopes.find((s: { namespace: string | null }) => s.namespace === 'ci');
    expect(ci.rules).toContainEqual(
      expect.objectContaining({
        verbs: ['get', 'list'],
        resources: ['pods', 'secrets'],
        sources: [
          expect.objectContaining({ via: { kind: 'User', name: 'system:serviceaccount:ci:builder', namespace: null } }),
        ],
      }),
    );
    expect(ci.unresolved).toEqual([{ binding: { name: 'dangling' } }]);
    // what every authenticated user holds, through the bootstrap system:basic-user binding
    const cluster = e.scopes.find((s: { namespace: string | null }) => s.namespace === null);
    const selfReviews = cluster.rules.find((r: { resources: string[] }) =>
      r.resources.includes('selfsubjectaccessreviews'),
    );
    expect(selfReviews.sources[0]).toMatchObject({
      binding: { kind: 'ClusterRoleBinding', name: 'system:basic-user' },
      via: { kind: 'Group', name: 'system:authenticated' },
    });
    expect(e.matrix).toContainEqual({ apiGroup: '', resource: 'pods', verbs: ['get', 'list'] });
    expect(e.matrix.find((r: { resource: string }) => r.resource === 'serviceaccounts')).toBeUndefined();
  });

  it('without a namespace, lists every namespace the subject holds something in', async () => {
    await namespace(t, 'other');
    await grant(t, 'other', 'system:serviceaccount:ci:builder', [
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
    ]);
    const e = await eventually(async () => {
      const found = await effective({ kind: 'ServiceAccount', name: 'builder', namespace: 'ci' });
      expect(found.scopes.map((s: { namespace: string | null }) => s.namespace)).toEqual([null, 'ci', 'other']);
      return found;
    });
    expect(e.scopes[2].rules[0].verbs).toEqual(['get']);
  });

  it('answers for groups and users; a user holds what system:authenticated holds', async () => {
    const masters = await effective({ kind: 'Group', name: 'system:masters' }, 'ci');
    expect(masters.matrix).toContainEqual({ apiGroup: '*', resource: '*', verbs: VERBS });
    const alice = await effective({ kind: 'User', name: 'alice' }, 'ci');
    expect(alice.matrix).toContainEqual({ apiGroup: '', resource: 'pods', verbs: ['create'] });
    const nobody = await effective({ kind: 'User', name: 'nobody' }, 'ci');
    expect(nobody.scopes.map((s: { namespace: string | null }) => s.namespace)).toEqual([null]);
  });

  it('refuses a caller who may not list the policy, and a subject without a name', async () => {
    const res = await gqlAs(t, { user: 'alice' }, EFFECTIVE, { s: { kind: 'User', name: 'bob' }, ns: 'ci' });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const bad = await t.gql(EFFECTIVE, { s: { kind: 'ServiceAccount', name: 'x' } });
    expect(bad.errors?.[0].extensions.code).toBe('INVALID');
    const access = await gqlAs(t, { user: 'alice' }, ACCESS, { ns: 'ci', n: 'builder' });
    expect(access.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it.each([
    ['system:masters first', 'SYSTEM_MASTERS', { kind: 'Group', name: 'system:masters' }],
    ['a token minted for it (resourceNames)', 'CREATE_TOKEN', { kind: 'User', name: 'bob' }],
    ['impersonating it', 'IMPERSONATE', { kind: 'User', name: 'dave' }],
    ['reading its legacy token Secret', 'READ_TOKEN_SECRET', { kind: 'User', name: 'carol' }],
    ['a Pod that names it', 'CREATE_POD', { kind: 'User', name: 'alice' }],
    ['a Deployment whose Pods name it', 'CREATE_WORKLOAD', { kind: 'User', name: 'erin' }],
    ['binding itself a role that can', 'ESCALATE_OR_BIND', { kind: 'User', name: 'frank' }],
  ])('finds who can obtain its credentials: %s', async (_name, path, subject) => {
    const paths = (await t.ok(ACCESS, { ns: 'ci', n: 'builder' })).serviceAccountAccess as {
      path: string;
      rank: number;
      subject: Record<string, unknown>;
    }[];
    expect(paths).toContainEqual(expect.objectContaining({ path, subject: expect.objectContaining(subject) }));
    // ranked: most direct first
    const ranks = paths.map((p) => p.rank);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(paths[0].path).toBe('SYSTEM_MASTERS');
  });

  it('does not list a reader of Secrets as a token reader where the account has no token Secret', async () => {
    await serviceAccount(t, 'ci', 'tokenless');
    const paths = (await t.ok(ACCESS, { ns: 'ci', n: 'tokenless' })).serviceAccountAccess as { path: string }[];
    expect(paths.some((p) => p.path === 'READ_TOKEN_SECRET')).toBe(false);
    expect(paths.some((p) => p.path === 'CREATE_POD')).toBe(true);
  });

  it.skipIf(!MANIFESTS)('over the real manifests: ingress-nginx and metrics-server accounts', async () => {
    const nginx = await effective({ kind: 'ServiceAccount', name: 'ingress-nginx', namespace: 'ingress-nginx' });
    expect(nginx.scopes.length).toBeGreaterThan(1);
    const metrics = await effective({ kind: 'ServiceAccount', name: 'metrics-server', namespace: 'kube-system' });
    const cluster = metrics.scopes.find((s: { namespace: string | null }) => s.namespace === null);
    expect(cluster.rules.some((r: { resources: string[] }) => r.resources.includes('nodes/metrics'))).toBe(true);
  });

  it('agrees with subjectAccessReview on every matrix cell, allowed or not', async () => {
    // subjects sampled from what the policy binds, each asked in its namespaces and cluster-wide
    const subjects: [Record<string, unknown>, { user: string; groups: string[] }][] = [
      [
        { kind: 'ServiceAccount', name: 'builder', namespace: 'ci' },
        {
          user: 'system:serviceaccount:ci:builder',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'],
        },
      ],
      [
        { kind: 'User', name: 'alice' },
        { user: 'alice', groups: ['system:authenticated'] },
      ],
      [
        { kind: 'User', name: 'bob' },
        { user: 'bob', groups: ['system:authenticated'] },
      ],
      [
        { kind: 'Group', name: 'system:serviceaccounts' },
        { user: '', groups: ['system:serviceaccounts'] },
      ],
      [
        { kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' },
        {
          user: 'system:serviceaccount:kube-system:replicaset-controller',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
        },
      ],
    ];
    if (MANIFESTS) {
      subjects.push([
        { kind: 'ServiceAccount', name: 'metrics-server', namespace: 'kube-system' },
        {
          user: 'system:serviceaccount:kube-system:metrics-server',
          groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
        },
      ]);
    }
    let asked = 0;
    let allowed = 0;
    for (const [subject, identity] of subjects) {
      for (const ns of ['ci', 'kube-system', '']) {
        const e = await effective(subject, ns || undefined);
        // every row it shows, and rows it does not (Keyway's kinds), each verb asked both ways
        const rows = new Map<string, { apiGroup: string; resource: string; verbs: string[] }>();
        for (const r of e.matrix) rows.set(`${r.apiGroup}/${r.resource}`, r);
        for (const [g, r] of [
          ['', 'pods'],
          ['', 'secrets'],
          ['', 'serviceaccounts/token'],
          ['rbac.authorization.k8s.io', 'roles'],
        ]) {
          if (!rows.has(`${g}/${r}`)) rows.set(`${g}/${r}`, { apiGroup: g, resource: r, verbs: [] });
        }
        for (const row of rows.values()) {
          if (row.apiGroup === '*' || row.resource.startsWith('*')) continue;
          const [resource, subresource] = row.resource.split('/');
          for (const verb of VERBS) {
            const sar = await t.ok(SAR, {
              i: {
                ...identity,
                resourceAttributes: { namespace: ns, verb, group: row.apiGroup, resource, subresource },
              },
            });
            asked++;
            if (sar.subjectAccessReview.allowed) allowed++;
            expect({ subject, ns, row: row.resource, verb, allowed: row.verbs.includes(verb) }).toEqual({
              subject,
              ns,
              row: row.resource,
              verb,
              allowed: sar.subjectAccessReview.allowed,
            });
          }
        }
      }
    }
    expect(asked).toBeGreaterThan(200);
    expect(allowed).toBeGreaterThan(20);
  });

  describe('rbacFindings', () => {
    const FINDINGS = `query ($ns: String) { rbacFindings(namespace: $ns) {
      code severity message namespace objects { kind namespace name } } }`;
    beforeAll(async () => {
      await namespace(t, 'risky');
      await t.ok('mutation ($m: String!) { apply(manifests: $m) { action } }', {
        m: `apiVersion: v1
kind: ServiceAccount
metadata: { name: deployer, namespace: risky }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: everything }
rules: [{ apiGroups: ["*"], resources: ["*"], verbs: ["*"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: ops-admin }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }
subjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: ops }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: { name: secret-reader }
rules: [{ apiGroups: [""], resources: [secrets], verbs: [get, list] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: { name: deployer-reads-secrets }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader }
subjects: [{ kind: ServiceAccount, name: deployer, namespace: risky }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: minter, namespace: risky }
rules: [{ apiGroups: [""], resources: [serviceaccounts/token], verbs: [create], resourceNames: [deployer] },
        { apiGroups: [rbac.authorization.k8s.io], resources: [roles], verbs: [bind] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: ghost-mints, namespace: risky }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: minter }
subjects: [{ kind: ServiceAccount, name: ghost, namespace: risky }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: devs-edit, namespace: risky }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit }
subjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: devs }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: public-view, namespace: risky }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view }
subjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: "system:unauthenticated" }]
`,
      });
    });

    it.each([
      ['WILDCARD', 'HIGH', 'ClusterRole', 'everything'],
      ['CLUSTER_ADMIN_BINDING', 'CRITICAL', 'ClusterRoleBinding', 'ops-admin'],
      ['CLUSTER_SECRET_READ', 'HIGH', 'ClusterRoleBinding', 'deployer-reads-secrets'],
      ['TOKEN_CREATION', 'HIGH', 'RoleBinding', 'ghost-mints'],
      ['ESCALATE_BIND_IMPERSONATE', 'HIGH', 'RoleBinding', 'ghost-mints'],
      ['MISSING_SUBJECT', 'MEDIUM', 'RoleBinding', 'ghost-mints'],
      ['ANONYMOUS_GRANT', 'CRITICAL', 'RoleBinding', 'public-view'],
      ['AUTOMOUNTED_PRIVILEGED_ACCOUNT', 'MEDIUM', 'ServiceAccount', 'deployer'],
      ['POD_CREATION_AS_PRIVILEGED_ACCOUNT', 'HIGH', 'RoleBinding', 'devs-edit'],
    ])('finds %s (%s) naming %s %s', async (code, severity, kind, name) => {
      const { rbacFindings } = await t.ok(FINDINGS, { ns: 'risky' });
      expect(rbacFindings).toContainEqual(
        expect.objectContaining({
          code,
          severity,
          objects: expect.arrayContaining([expect.objectContaining({ kind, name })]),
        }),
      );
    });

    it('reports nothing of the bootstrap policy, most severe first, and only what holds in the namespace', async () => {
      const everywhere = (await t.ok(FINDINGS, {})).rbacFindings as { severity: string; objects: { name: string }[] }[];
      expect(everywhere.filter((f) => f.objects.some((o) => o.name.startsWith('system:')))).toEqual([]);
      const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];
      const severities = everywhere.map((f) => order.indexOf(f.severity));
      expect(severities).toEqual([...severities].sort((a, b) => a - b));
      const ci = (await t.ok(FINDINGS, { ns: 'ci' })).rbacFindings as { objects: { name: string }[] }[];
      expect(ci.some((f) => f.objects.some((o) => o.name === 'ghost-mints'))).toBe(false);
      expect(ci.some((f) => f.objects.some((o) => o.name === 'ops-admin'))).toBe(true);
    });
  });

  describe('what-if: apply(dryRun: true) reports the access change of each role and binding', () => {
    const DRY = `mutation ($m: String!) { apply(manifests: $m, dryRun: true) { kind name action accessChange {
      gained { subject { kind name namespace } namespace rules { verbs apiGroups resources } }
      lost { subject { kind name namespace } namespace rules { verbs apiGroups resources } }
      findingsIntroduced { code severity } findingsResolved { code severity } } } }`;
    const binding = (name: string, ns: string, role: string, group: string) =>
      `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: { name: ${name}, namespace: ${ns} }\n` +
      `roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${role} }\n` +
      `subjects: [{ kind: Group, apiGroup: rbac.authorization.k8s.io, name: "${group}" }]\n`;

    it('a new cluster-admin binding: what its subject gains, and the finding it brings', async () => {
      const m =
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: whatif-admin }\n' +
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\n' +
        'subjects: [{ kind: User, apiGroup: rbac.authorization.k8s.io, name: mallory }]\n';
      const [r] = (await t.ok(DRY, { m })).apply;
      expect(r.action).toBe('CREATED');
      expect(r.accessChange.gained).toContainEqual({
        subject: { kind: 'User', name: 'mallory', namespace: null },
        namespace: null,
        rules: expect.arrayContaining([{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
      });
      expect(r.accessChange.lost).toEqual([]);
      expect(r.accessChange.findingsIntroduced).toContainEqual({ code: 'CLUSTER_ADMIN_BINDING', severity: 'CRITICAL' });
      // nothing was written, and the live policy is as it was
      expect((await t.gql('{ clusterRoleBinding(name: "whatif-admin") { id } }')).errors?.[0].extensions.code).toBe(
        'NOT_FOUND',
      );
      const sar = await t.ok(SAR, {
        i: { user: 'mallory', resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'ci' } },
      });
      expect(sar.subjectAccessReview.allowed).toBe(false);
    });

    it('a binding changed: what the old subject loses, the new one gains, and the finding it resolves', async () => {
      await t.ok('mutation ($m: String!) { apply(manifests: $m) { action } }', {
        m: binding('anon-view', 'ci', 'view', 'system:unauthenticated'),
      });
      const [r] = (await t.ok(DRY, { m: binding('anon-view', 'ci', 'view', 'auditors') })).apply;
      expect(r.action).toBe('CONFIGURED');
      expect(r.accessChange.lost).toContainEqual(
        expect.objectContaining({
          subject: { kind: 'Group', name: 'system:unauthenticated', namespace: null },
          namespace: 'ci',
        }),
      );
      expect(r.accessChange.gained).toContainEqual(
        expect.objectContaining({ subject: { kind: 'Group', name: 'auditors', namespace: null }, namespace: 'ci' }),
      );
      expect(r.accessChange.findingsResolved).toContainEqual({ code: 'ANONYMOUS_GRANT', severity: 'CRITICAL' });
      // an object that changes nothing in who may do what has an empty change; other kinds have none
      const same = (
        await t.ok(DRY, {
          m:
            `${binding('anon-view', 'ci', 'view', 'system:unauthenticated')}---\n` +
            'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: x, namespace: ci }\n',
        })
      ).apply;
      expect(same[0].accessChange).toBeNull();
      expect(same[1].accessChange).toBeNull();
    });

    it('is told only to a caller who may read the whole policy', async () => {
      await grant(t, 'ci', 'binder', [
        { verbs: ['create', 'get', 'patch'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings'] },
        { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
      ]);
      const res = await gqlAs(t, { user: 'binder' }, DRY, { m: binding('by-binder', 'ci', 'view', 'readers') });
      expect(res.data?.apply[0].action).toBe('CREATED');
      expect(res.data?.apply[0].accessChange).toBeNull();
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    });
  });
});

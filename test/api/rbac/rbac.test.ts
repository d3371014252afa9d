/**
 * RBAC through the API: the bootstrap policy, cross-namespace grants, names and subresources,
 * every field (nested ones included) asking its own question, escalation prevention,
 * impersonation, reviews, who-can, and revocation that takes at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gqlAs, startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { namespace, role, roleBinding, serviceAccount } from '../../helpers/fixtures.js';
import { token } from '../../helpers/tokens.js';

const SA = (ns: string, name: string) => `system:serviceaccount:${ns}:${name}`;

async function sar(t: TestApp, user: string, groups: string[], attrs: object) {
  const data = await t.ok(
    'query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed denied reason ' +
      'evaluationError } }',
    {
      i: { user, groups, ...attrs },
    },
  );
  return data.subjectAccessReview;
}

describe.each(ENGINES)('RBAC (%s)', (engine) => {
  let t: TestApp;
  let ci: string; // a token for dev/ci
  beforeAll(async () => {
    t = await startTestApp(engine);
    for (const ns of ['dev', 'maintenance']) await namespace(t, ns);
    await serviceAccount(t, 'dev', 'ci');
    ci = await token(t, 'dev', 'ci');
  });
  afterAll(() => t.close());

  describe('bootstrap policy', () => {
    it.each([
      'cluster-admin',
      'admin',
      'edit',
      'view',
      'system:basic-user',
      'system:discovery',
      'system:public-info-viewer',
      'system:auth-delegator',
      'system:service-account-issuer-discovery',
    ])('has ClusterRole %s', async (name) => {
      const data = await t.ok(
        'query ($n: String!) { clusterRole(name: $n) { metadata { labels annotations } rules { verbs } } }',
        { n: name },
      );
      expect(data.clusterRole.metadata.labels['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(data.clusterRole.metadata.annotations['rbac.authorization.kubernetes.io/autoupdate']).toBe('true');
    });

    it('lets a fresh ServiceAccount do nothing but discovery and self reviews', async () => {
      const groups = ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'];
      const user = SA('dev', 'ci');
      for (const [attrs, allowed] of [
        [{ nonResourceAttributes: { verb: 'get', path: '/healthz' } }, true],
        [{ nonResourceAttributes: { verb: 'get', path: '/apis/v1' } }, true],
        [{ nonResourceAttributes: { verb: 'get', path: '/openid/v1/jwks' } }, true],
        [
          {
            resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
          },
          true,
        ],
        [
          { resourceAttributes: { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews' } },
          true,
        ],
        [{ nonResourceAttributes: { verb: 'get', path: '/metrics' } }, false],
        [{ resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' } }, false],
        [{ resourceAttributes: { verb: 'list', resource: 'serviceaccounts', namespace: 'dev' } }, false],
        [
          {
            resourceAttributes: {
              verb: 'create',
              resource: 'serviceaccounts',
              subresource: 'token',
              namespace: 'dev',
              name: 'ci',
            },
          },
          false,
        ],
        [{ resourceAttributes: { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' } }, false],
      ] as const) {
        expect({ attrs, allowed: (await sar(t, user, groups, attrs)).allowed }).toEqual({ attrs, allowed });
      }
      // and through the API, as that account
      expect((await t.gql('{ whoami { username } }', {}, ci)).data?.whoami.username).toBe(user);
      const pods = await t.gql('{ pods(namespace: "dev") { totalCount } }', {}, ci);
      expect(pods.errors?.[0].message).toBe(
        `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "dev"`,
      );
    });

    it('lets anonymous callers read only the public health paths', async () => {
      expect(
        (
          await sar(t, 'system:anonymous', ['system:unauthenticated'], {
            nonResourceAttributes: { verb: 'get', path: '/readyz' },
          })
        ).allowed,
      ).toBe(true);
      expect(
        (
          await sar(t, 'system:anonymous', ['system:unauthenticated'], {
            nonResourceAttributes: { verb: 'get', path: '/api' },
          })
        ).allowed,
      ).toBe(false);
    });

    it('gives the reason an allow has', async () => {
      const r = await sar(t, 'x', ['system:masters'], {
        resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'dev' },
      });
      expect(r).toEqual({ allowed: true, denied: false, reason: '', evaluationError: '' });
      const basic = await sar(t, 'someone', ['system:authenticated'], {
        resourceAttributes: { verb: 'create', group: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' },
      });
      expect(basic.reason).toBe(
        'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" ' +
          'to Group "system:authenticated"',
      );
    });
  });

  it('lets one namespace grant another’s workloads access (the dev/maintenance example)', async () => {
    await role(t, 'maintenance', 'secret-reader', [
      { verbs: ['list', 'get'], apiGroups: [''], resources: ['secrets'] },
    ]);
    await roleBinding(t, 'maintenance', 'ci-reads-secrets', { kind: 'Role', name: 'secret-reader' }, [
      { kind: 'ServiceAccount', name: 'ci', namespace: 'dev' },
    ]);
    expect((await t.gql('{ secrets(namespace: "maintenance") { totalCount } }', {}, ci)).data?.secrets.totalCount).toBe(
      0,
    );
    const denied = await t.gql('{ secrets(namespace: "dev") { totalCount } }', {}, ci);
    expect(denied.errors?.[0].message).toBe(
      'secrets is forbidden: User "system:serviceaccount:dev:ci" cannot list resource "secrets" in ' +
        'API group "" in the namespace "dev"',
    );
    const reason = await sar(t, SA('dev', 'ci'), [], {
      resourceAttributes: { verb: 'list', resource: 'secrets', namespace: 'maintenance' },
    });
    expect(reason.reason).toBe(
      'RBAC: allowed by RoleBinding "ci-reads-secrets/maintenance" of Role "secret-reader" to ServiceAccount "ci/dev"',
    );
  });

  it('honours resourceNames and subresources', async () => {
    await serviceAccount(t, 'dev', 'named');
    const named = await token(t, 'dev', 'named');
    await role(t, 'dev', 'one-token', [
      { verbs: ['get'], apiGroups: [''], resources: ['serviceaccounts'], resourceNames: ['ci'] },
      { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'], resourceNames: ['ci'] },
    ]);
    await roleBinding(t, 'dev', 'named-one-token', { kind: 'Role', name: 'one-token' }, [
      { kind: 'ServiceAccount', name: 'named' },
    ]);
    expect(
      (await t.gql('{ serviceAccount(namespace: "dev", name: "ci") { metadata { name } } }', {}, named)).errors,
    ).toBeUndefined();
    expect(
      (await t.gql('{ serviceAccount(namespace: "dev", name: "named") { id } }', {}, named)).errors?.[0].extensions
        .code,
    ).toBe('FORBIDDEN');
    expect(
      (await t.gql('{ serviceAccounts(namespace: "dev") { totalCount } }', {}, named)).errors?.[0].extensions.code,
    ).toBe('FORBIDDEN');
    const minted = await t.gql(
      'mutation { createServiceAccountToken(namespace: "dev", name: "ci") { token } }',
      {},
      named,
    );
    expect(minted.errors).toBeUndefined();
    const other = await t.gql(
      'mutation { createServiceAccountToken(namespace: "dev", name: "default") { token } }',
      {},
      named,
    );
    expect(other.errors?.[0].message).toBe(
      'serviceaccounts "default" is forbidden: User "system:serviceaccount:dev:named" cannot create ' +
        'resource "serviceaccounts/token" in API group "" in the namespace "dev"',
    );
  });

  describe('nested fields', () => {
    let lister: string;
    beforeAll(async () => {
      await serviceAccount(t, 'dev', 'lister');
      lister = await token(t, 'dev', 'lister');
      await role(t, 'dev', 'lister', [
        { verbs: ['list'], apiGroups: [''], resources: ['pods', 'secrets'] },
        { verbs: ['get'], apiGroups: [''], resources: ['namespaces'] },
      ]);
      await roleBinding(t, 'dev', 'lister', { kind: 'Role', name: 'lister' }, [
        { kind: 'ServiceAccount', name: 'lister' },
      ]);
      await t.ok(
        'mutation { createPod(namespace: "dev", input: { metadata: { name: "web" }, spec: { serviceAccountName: ' +
          '"ci", automountServiceAccountToken: false, containers: [{ name: "c", image: "i" }] } }) { ' +
          'id } }',
      );
      await t.ok(
        'mutation { createSecret(namespace: "dev", input: { metadata: { name: "db" }, stringData: { ' +
          'password: "hunter2" } }) { id } }',
      );
    });

    it('nulls a denied nested field with its error at its path, and keeps the rest', async () => {
      const res = await t.gql(
        '{ pods(namespace: "dev") { edges { node { metadata { name } serviceAccount { metadata { name } } } } } }',
        {},
        lister,
      );
      expect(res.data?.pods.edges).toEqual([{ node: { metadata: { name: 'web' }, serviceAccount: null } }]);
      expect(res.errors).toEqual([
        expect.objectContaining({
          path: ['pods', 'edges', 0, 'node', 'serviceAccount'],
          message:
            'serviceaccounts "ci" is forbidden: User "system:serviceaccount:dev:lister" cannot get resource ' +
            '"serviceaccounts" in API group "" in the namespace "dev"',
          extensions: { code: 'FORBIDDEN' },
        }),
      ]);
    });

    it('asks `get` on each Secret for its data', async () => {
      const res = await t.gql(
        '{ secrets(namespace: "dev") { edges { node { metadata { name } type data } } } }',
        {},
        lister,
      );
      expect(res.data?.secrets.edges).toEqual([{ node: { metadata: { name: 'db' }, type: 'Opaque', data: null } }]);
      expect(res.errors?.map((e) => [e.path, e.extensions.code])).toEqual([
        [['secrets', 'edges', 0, 'node', 'data'], 'FORBIDDEN'],
      ]);
      expect(JSON.stringify(res)).not.toContain(Buffer.from('hunter2').toString('base64'));
    });

    it('asks `list` for a namespace’s lists', async () => {
      const res = await t.gql(
        '{ namespace(name: "dev") { pods { totalCount } serviceAccounts { totalCount } } }',
        {},
        lister,
      );
      expect(res.data?.namespace).toEqual({ pods: { totalCount: 1 }, serviceAccounts: null });
      expect(res.errors?.map((e) => e.path)).toEqual([['namespace', 'serviceAccounts']]);
    });
  });

  describe('escalation', () => {
    let writer: string;
    beforeAll(async () => {
      await serviceAccount(t, 'dev', 'writer');
      writer = await token(t, 'dev', 'writer');
      await role(t, 'dev', 'rbac-writer', [
        { verbs: ['create', 'update'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'] },
        { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      ]);
      await roleBinding(t, 'dev', 'writer', { kind: 'Role', name: 'rbac-writer' }, [
        { kind: 'ServiceAccount', name: 'writer' },
      ]);
    });

    it('lets a user grant what it holds', async () => {
      const res = await t.gql(
        'mutation { createRole(namespace: "dev", input: { metadata: { name: "pod-reader" }, rules: ' +
          '[{ verbs: ["get"], apiGroups: [""], resources: ["pods"] }] }) { id } }',
        {},
        writer,
      );
      expect(res.errors).toBeUndefined();
    });

    it('refuses more, with Kubernetes’ message', async () => {
      const res = await t.gql(
        'mutation { createRole(namespace: "dev", input: { metadata: { name: "too-much" }, rules: [{ ' +
          'verbs: ["get", "delete"], apiGroups: [""], resources: ["pods"] }, { verbs: ["*"], apiGroups: ' +
          '["batch"], resources: ["*"] }] }) { id } }',
        {},
        writer,
      );
      expect(res.errors?.[0]).toMatchObject({
        extensions: { code: 'FORBIDDEN' },
        message:
          'roles.rbac.authorization.k8s.io "too-much" is forbidden: user "system:serviceaccount:dev:writer" ' +
          '(groups=["system:serviceaccounts" "system:serviceaccounts:dev" "system:authenticated"]) is ' +
          'attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["pods"], ' +
          'Verbs:["delete"]}\n{APIGroups:["batch"], Resources:["*"], Verbs:["*"]}',
      });
    });

    it('lets a user bind a role it holds, not one it does not, unless it may bind it', async () => {
      const ok = await t.gql(
        'mutation { createRoleBinding(namespace: "dev", input: { metadata: { name: "b1" }, roleRef: ' +
          '{ kind: "Role", name: "pod-reader" }, subjects: [{ kind: "User", name: "x" }] }) { id } }',
        {},
        writer,
      );
      expect(ok.errors).toBeUndefined();
      const edit =
        'mutation { createRoleBinding(namespace: "dev", input: { metadata: { name: "b2" }, roleRef: ' +
        '{ kind: "ClusterRole", name: "edit" }, subjects: [{ kind: "User", name: "x" }] }) { id } }';
      const refused = await t.gql(edit, {}, writer);
      expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
      const message = refused.errors?.[0].message ?? '';
      expect(message).toMatch(
        /^rolebindings\.rbac\.authorization\.k8s\.io "b2" is forbidden: user "system:serviceaccount:dev:writer" /,
      );
      expect(message).toMatch(/ is attempting to grant RBAC permissions not currently held:\n/);
      await role(t, 'dev', 'may-bind-edit', [
        {
          verbs: ['bind'],
          apiGroups: ['rbac.authorization.k8s.io'],
          resources: ['clusterroles'],
          resourceNames: ['edit'],
        },
      ]);
      await roleBinding(t, 'dev', 'writer-binds-edit', { kind: 'Role', name: 'may-bind-edit' }, [
        { kind: 'ServiceAccount', name: 'writer' },
      ]);
      expect((await t.gql(edit, {}, writer)).errors).toBeUndefined();
      const missing = await t.gql(
        'mutation { createRoleBinding(namespace: "dev", input: { metadata: { name: "b3" }, roleRef: ' +
          '{ kind: "Role", name: "nope" } }) { id } }',
        {},
        writer,
      );
      expect(missing.errors?.[0]).toMatchObject({
        message: 'roles.rbac.authorization.k8s.io "nope" not found',
        extensions: { code: 'NOT_FOUND' },
      });
    });

    it('lets `escalate` create rules the user does not hold', async () => {
      await role(t, 'dev', 'may-escalate', [
        { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] },
      ]);
      await roleBinding(t, 'dev', 'writer-escalates', { kind: 'Role', name: 'may-escalate' }, [
        { kind: 'ServiceAccount', name: 'writer' },
      ]);
      const res = await t.gql(
        'mutation { createRole(namespace: "dev", input: { metadata: { name: "secrets-admin" }, rules: ' +
          '[{ verbs: ["*"], apiGroups: [""], resources: ["secrets"] }] }) { id } }',
        {},
        writer,
      );
      expect(res.errors).toBeUndefined();
    });
  });

  describe('impersonation', () => {
    it('acts as a ServiceAccount, with its groups', async () => {
      const res = await gqlAs(t, { user: SA('dev', 'ci') }, '{ whoami { username groups } }');
      expect(res.data?.whoami).toEqual({
        username: SA('dev', 'ci'),
        groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
      });
    });

    it('acts as a user with groups', async () => {
      const res = await gqlAs(t, { user: 'jane', groups: ['dev', 'ops'] }, '{ whoami { username groups } }');
      expect(res.data?.whoami).toEqual({ username: 'jane', groups: ['dev', 'ops', 'system:authenticated'] });
    });

    it('needs `impersonate`, refused with 403 and Kubernetes’ message', async () => {
      const res = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${ci}`, 'impersonate-user': 'jane' },
        body: JSON.stringify({ query: '{ whoami { username } }' }),
      });
      expect(res.status).toBe(403);
      expect((await res.json()).errors[0]).toMatchObject({
        message:
          'users "jane" is forbidden: User "system:serviceaccount:dev:ci" cannot impersonate resource ' +
          '"users" in API group "" at the cluster scope',
        extensions: { code: 'FORBIDDEN' },
      });
    });

    it('refuses groups without a user', async () => {
      const res = await t.fetch('/graphql', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${t.adminToken}`,
          'impersonate-group': 'dev',
        },
        body: JSON.stringify({ query: '{ whoami { username } }' }),
      });
      expect((await res.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    });
  });

  describe('reviews', () => {
    it('reviews the caller’s own access and rules', async () => {
      const self = await t.ok(
        '{ selfSubjectAccessReview(input: { resourceAttributes: { verb: "list", resource: "secrets", ' +
          'namespace: "maintenance" } }) { allowed } }',
        {},
        ci,
      );
      expect(self.selfSubjectAccessReview.allowed).toBe(true);
      const rules = await t.ok(
        '{ selfSubjectRulesReview(namespace: "maintenance") { resourceRules { verbs resources } nonResourceRules ' +
          '{ nonResourceURLs } incomplete } }',
        {},
        ci,
      );
      expect(rules.selfSubjectRulesReview.resourceRules).toContainEqual({
        verbs: ['list', 'get'],
        resources: ['secrets'],
      });
      expect(rules.selfSubjectRulesReview.nonResourceRules.flatMap((r: any) => r.nonResourceURLs)).toContain(
        '/openid/v1/jwks',
      );
      expect(rules.selfSubjectRulesReview.incomplete).toBe(false);
    });

    it.each([
      [
        {
          resourceAttributes: { verb: 'get', resource: 'pods' },
          nonResourceAttributes: { verb: 'get', path: '/x' },
          user: 'u',
        },
        'spec.nonResourceAttributes',
      ],
      [{ user: 'u' }, 'spec.resourceAttributes'],
      [{ resourceAttributes: { verb: 'get', resource: 'pods' } }, 'spec.user'],
    ])('refuses a malformed SubjectAccessReview (%#)', async (input, fieldPath) => {
      const res = await t.gql('query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed } }', {
        i: input,
      });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'INVALID', causes: [{ field: fieldPath }] });
    });

    it('authorizes the self reviews and whoami by RBAC, so an admin can narrow them', async () => {
      const own = await startTestApp(engine);
      try {
        for (const ns of ['dev', 'other']) await namespace(own, ns);
        for (const ns of ['dev', 'other']) await serviceAccount(own, ns, 'app');
        const [devApp, otherApp] = [await token(own, 'dev', 'app'), await token(own, 'other', 'app')];
        const SELF = `{ whoami { username }
          selfSubjectAccessReview(input: { nonResourceAttributes: { verb: "get", path: "/healthz" } }) { allowed }
          selfSubjectRulesReview(namespace: "dev") { incomplete } }`;
        // granted to every authenticated user by the bootstrap system:basic-user binding, and to no one else
        expect((await own.gql(SELF, {}, otherApp)).errors).toBeUndefined();
        const anonymous = await own.gql(SELF, {}, null);
        expect(anonymous.errors?.map((e) => e.message)).toEqual([
          'selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create ' +
            'resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope',
          'selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot ' +
            'create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster ' +
            'scope',
          'selfsubjectrulesreviews.authorization.k8s.io is forbidden: User "system:anonymous" cannot ' +
            'create resource "selfsubjectrulesreviews" in API group "authorization.k8s.io" at the cluster ' +
            'scope',
        ]);
        // an admin narrows the binding to one namespace's accounts (and keeps the reconciler off it)
        await own.ok('mutation ($i: ClusterRoleBindingInput!) { updateClusterRoleBinding(input: $i) { id } }', {
          i: {
            metadata: {
              name: 'system:basic-user',
              annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' },
            },
            subjects: [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'system:serviceaccounts:dev' }],
          },
        });
        expect((await own.gql(SELF, {}, devApp)).errors).toBeUndefined();
        const narrowed = await own.gql(SELF, {}, otherApp);
        expect(narrowed.errors?.map((e) => e.extensions.code)).toEqual(['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
        expect(narrowed.data).toEqual({ whoami: null, selfSubjectAccessReview: null, selfSubjectRulesReview: null });
      } finally {
        await own.close();
      }
    });

    it('is an RBAC question itself', async () => {
      const res = await t.gql(
        '{ subjectAccessReview(input: { user: "x", resourceAttributes: { verb: "get", resource: "pods" ' +
          '} }) { allowed } }',
        {},
        ci,
      );
      expect(res.errors?.[0].message).toBe(
        'subjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:dev:ci" ' +
          'cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster ' +
          'scope',
      );
    });

    it('appends what RBAC could not resolve to a refusal', async () => {
      await roleBinding(t, 'dev', 'dangling', { kind: 'Role', name: 'missing' }, [{ kind: 'User', name: 'dangler' }]);
      const r = await sar(t, 'dangler', [], {
        resourceAttributes: { verb: 'get', resource: 'pods', namespace: 'dev' },
      });
      expect(r).toEqual({
        allowed: false,
        denied: false,
        reason: 'RBAC: role.rbac.authorization.k8s.io "missing" not found',
        evaluationError: '',
      });
      const res = await gqlAs(t, { user: 'dangler' }, '{ pods(namespace: "dev") { totalCount } }');
      expect(res.errors?.[0].message).toBe(
        'pods is forbidden: User "dangler" cannot list resource "pods" in API group "" in the namespace ' +
          '"dev": RBAC: role.rbac.authorization.k8s.io "missing" not found',
      );
    });
  });

  it('tells who can, and through which bindings', async () => {
    const data = await t.ok(
      '{ whoCan(verb: "get", resource: "secrets", namespace: "maintenance") { subject { kind name ' +
        'namespace } bindings { kind name namespace roleRef { name } } } }',
    );
    expect(data.whoCan).toEqual([
      {
        subject: { kind: 'Group', name: 'system:masters', namespace: null },
        bindings: [
          { kind: 'ClusterRoleBinding', name: 'cluster-admin', namespace: null, roleRef: { name: 'cluster-admin' } },
        ],
      },
      {
        subject: { kind: 'ServiceAccount', name: 'ci', namespace: 'dev' },
        bindings: [
          {
            kind: 'RoleBinding',
            name: 'ci-reads-secrets',
            namespace: 'maintenance',
            roleRef: { name: 'secret-reader' },
          },
        ],
      },
      // Kubernetes' defaults: kube-controller-manager and the controllers that read every kind
      ...['generic-garbage-collector', 'namespace-controller'].map((name) => ({
        subject: { kind: 'ServiceAccount', name, namespace: 'kube-system' },
        bindings: [
          {
            kind: 'ClusterRoleBinding',
            name: `system:controller:${name}`,
            namespace: null,
            roleRef: { name: `system:controller:${name}` },
          },
        ],
      })),
      {
        subject: { kind: 'User', name: 'system:kube-controller-manager', namespace: null },
        bindings: [
          {
            kind: 'ClusterRoleBinding',
            name: 'system:kube-controller-manager',
            namespace: null,
            roleRef: { name: 'system:kube-controller-manager' },
          },
        ],
      },
    ]);
  });

  it('takes a revocation at once, here and on another replica', async () => {
    await serviceAccount(t, 'dev', 'revoked');
    const tok = await token(t, 'dev', 'revoked');
    const other = await t.replica();
    try {
      await role(t, 'dev', 'pod-lister', [{ verbs: ['list'], apiGroups: [''], resources: ['pods'] }]);
      await roleBinding(t, 'dev', 'revoked-lists', { kind: 'Role', name: 'pod-lister' }, [
        { kind: 'ServiceAccount', name: 'revoked' },
      ]);
      // the writer's next request sees the grant, and so does the other replica soon after
      expect((await t.gql('{ pods(namespace: "dev") { totalCount } }', {}, tok)).errors).toBeUndefined();
      const deadline = Date.now() + 1000;
      // (in process, a read answered from memory never yields to the event loop: wait between tries)
      while ((await other.gql('{ pods(namespace: "dev") { totalCount } }', {}, tok)).errors) {
        expect(Date.now()).toBeLessThan(deadline);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      // decisions are now cached on both; a revoke must still take at once
      const gone = await t.ok(
        'mutation { deleteRoleBinding(namespace: "dev", name: "revoked-lists") { metadata { resourceVersion } } }',
      );
      expect((await t.gql('{ pods(namespace: "dev") { totalCount } }', {}, tok)).errors?.[0].extensions.code).toBe(
        'FORBIDDEN',
      );
      await other.app.follower.heard(Number(gone.deleteRoleBinding.metadata.resourceVersion), 5000);
      expect((await other.gql('{ pods(namespace: "dev") { totalCount } }', {}, tok)).errors?.[0].extensions.code).toBe(
        'FORBIDDEN',
      );
    } finally {
      await other.close();
    }
  });

  it('loads every role and binding at start: a replica started later decides as the writer does', async () => {
    await role(t, 'maintenance', 'restart-one', [
      { verbs: ['update'], apiGroups: [''], resources: ['pods/status'], resourceNames: ['db-0'] },
    ]);
    await roleBinding(
      t,
      'maintenance',
      'dev-ci-restarts',
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'restart-one' },
      [{ kind: 'ServiceAccount', name: 'ci', namespace: 'dev' }],
    );
    await t.ok(
      'mutation { createClusterRole(input: { metadata: { name: "metrics-reader" }, rules: [{ verbs: ' +
        '["get"], nonResourceURLs: ["/metrics/*"] }] }) { id } }',
    );
    await t.ok(`mutation { createClusterRoleBinding(input: { metadata: { name: "ops-metrics" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "metrics-reader" },
      subjects: [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "ops" }] }) { id } }`);
    const ciGroups = ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'];
    const cases: [string, string[], object, boolean][] = [
      [
        SA('dev', 'ci'),
        ciGroups,
        {
          resourceAttributes: {
            verb: 'update',
            resource: 'pods',
            subresource: 'status',
            namespace: 'maintenance',
            name: 'db-0',
          },
        },
        true,
      ],
      [
        SA('dev', 'ci'),
        ciGroups,
        {
          resourceAttributes: {
            verb: 'update',
            resource: 'pods',
            subresource: 'status',
            namespace: 'maintenance',
            name: 'db-1',
          },
        },
        false,
      ],
      [
        SA('dev', 'ci'),
        ciGroups,
        {
          resourceAttributes: {
            verb: 'update',
            resource: 'pods',
            subresource: 'status',
            namespace: 'dev',
            name: 'db-0',
          },
        },
        false,
      ],
      ['alice', ['ops'], { nonResourceAttributes: { verb: 'get', path: '/metrics/app' } }, true],
      ['alice', ['dev'], { nonResourceAttributes: { verb: 'get', path: '/metrics/app' } }, false],
    ];
    const restarted = await t.replica();
    try {
      expect(restarted.app.rbac.stats).toEqual(t.app.rbac.stats);
      for (const [user, groups, attrs, allowed] of cases) {
        expect((await sar(t, user, groups, attrs)).allowed).toBe(allowed);
        expect((await sar(restarted, user, groups, attrs)).allowed).toBe(allowed);
      }
    } finally {
      await restarted.close();
    }
  });

  it('restores the bootstrap policy at start, unless told not to', async () => {
    // (view and edit are aggregated: their rules are the aggregation controller's, kept at once)
    const view = await t.ok(
      '{ clusterRole(name: "system:aggregate-to-view") { rules { verbs apiGroups resources resourceNames ' +
        'nonResourceURLs } } }',
    );
    await t.ok('mutation ($i: ClusterRoleInput!) { updateClusterRole(input: $i) { id } }', {
      i: { metadata: { name: 'system:aggregate-to-view' }, rules: view.clusterRole.rules.slice(1) },
    });
    await t.ok('mutation { deleteClusterRoleBinding(name: "system:discovery") { id } }');
    await t.ok('mutation ($i: ClusterRoleInput!) { updateClusterRole(input: $i) { id } }', {
      i: {
        metadata: {
          name: 'system:aggregate-to-edit',
          annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'false' },
        },
        rules: [],
      },
    });
    const restarted = await t.replica();
    try {
      const after = await t.ok(
        '{ clusterRole(name: "system:aggregate-to-view") { rules { verbs } } edit: clusterRole(name: ' +
          '"system:aggregate-to-edit") { rules { verbs } } clusterRoleBinding(name: "system:discovery") ' +
          '{ subjects { name } } }',
      );
      expect(after.clusterRole.rules).toHaveLength(view.clusterRole.rules.length);
      expect(after.edit.rules).toEqual([]);
      expect(after.clusterRoleBinding.subjects).toEqual([{ name: 'system:authenticated' }]);
    } finally {
      await restarted.close();
    }
  });
});

/**
 * Kubernetes REST for the review kinds, driven as Kubernetes drives it: a real Kubernetes client
 * (`@kubernetes/client-node`: discovery, AuthenticationV1Api, AuthorizationV1Api) over real HTTP,
 * and the request bodies kube-apiserver's webhook authenticator and authorizer send (taken from
 * their tests in the Kubernetes source: `test/fixtures/kubernetes-webhooks.json`), v1 and
 * v1beta1. Every answer is compared with the GraphQL field's for the same question.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import {
  ApiException,
  ApisApi,
  AuthenticationApi,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreApi,
  KubeConfig,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trustedDocuments } from '../../src/http/trusted.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, grantCluster, namespace, serviceAccount } from '../helpers/fixtures.js';
import { review, token } from '../helpers/tokens.js';

const RBAC = 'rbac.authorization.k8s.io';
const NS = 'kittensandponies';

interface Fixture {
  name: string;
  body: Record<string, any>;
}
const WEBHOOKS = JSON.parse(readFileSync(new URL('../fixtures/kubernetes-webhooks.json', import.meta.url), 'utf8')) as {
  tokenReviews: Fixture[];
  subjectAccessReviews: Fixture[];
};

const SAR = `query ($i: SubjectAccessReviewInput!) {
  subjectAccessReview(input: $i) { allowed denied reason evaluationError } }`;
const SSAR = `query ($i: SelfSubjectAccessReviewInput!) {
  selfSubjectAccessReview(input: $i) { allowed denied reason evaluationError } }`;
const LSAR = `query ($ns: String!, $i: SubjectAccessReviewInput!) {
  localSubjectAccessReview(namespace: $ns, input: $i) { allowed denied reason evaluationError } }`;

/** A SubjectAccessReview body's spec as the GraphQL input (written here independently of the server's mapping). */
function sarInput(spec: Record<string, any>, groupsKey: 'groups' | 'group') {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  return {
    user: spec.user ?? '',
    uid: spec.uid ?? '',
    groups: spec[groupsKey] ?? [],
    extra: spec.extra ?? {},
    resourceAttributes: r && {
      namespace: r.namespace ?? '',
      verb: r.verb ?? '',
      group: r.group ?? '',
      resource: r.resource ?? '',
      subresource: r.subresource ?? '',
      name: r.name ?? '',
    },
    nonResourceAttributes: n && { path: n.path ?? '', verb: n.verb ?? '' },
  };
}

/** A GraphQL access-review answer in Kubernetes' JSON (`omitempty` on all but `allowed`). */
function accessStatus(a: { allowed: boolean; denied: boolean; reason: string; evaluationError: string }) {
  return {
    allowed: a.allowed,
    ...(a.denied ? { denied: true } : {}),
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.evaluationError ? { evaluationError: a.evaluationError } : {}),
  };
}

/** A GraphQL tokenReview answer in Kubernetes' JSON. */
function tokenStatus(a: Awaited<ReturnType<typeof review>>) {
  const user: Record<string, unknown> = {};
  if (a.user?.username) user.username = a.user.username;
  if (a.user?.uid) user.uid = a.user.uid;
  if (a.user?.groups?.length) user.groups = a.user.groups;
  if (a.user && Object.keys(a.user.extra).length) user.extra = a.user.extra;
  return {
    ...(a.authenticated ? { authenticated: true } : {}),
    user,
    ...(a.audiences.length ? { audiences: a.audiences } : {}),
    ...(a.error ? { error: a.error } : {}),
  };
}

/** HTTP status of each GraphQL error code, as the REST answer must carry it. */
const HTTP: Record<string, number> = { INVALID: 422, BAD_REQUEST: 400, FORBIDDEN: 403, UNAUTHENTICATED: 401 };

describe.each(ENGINES)('Kubernetes REST (%s)', (engine) => {
  let t: TestApp;
  let http: Server;
  let base: string;
  /** A ServiceAccount bound to system:auth-delegator, as kube-apiserver's webhook credential would be. */
  let reviewer: string;
  /** A ServiceAccount with no grants. */
  let nobody: string;
  /** Tokens standing in for the fixtures' placeholders. */
  let tokens: Record<string, string>;

  const kubeconfig = (bearer?: string) => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'keyway', server: base, skipTLSVerify: true }],
      users: [{ name: 'u', ...(bearer ? { token: bearer } : {}) }],
      contexts: [{ name: 'c', cluster: 'keyway', user: 'u' }],
      currentContext: 'c',
    });
    return kc;
  };
  const post = (path: string, body: unknown, bearer: string | null = reviewer, type = 'application/json') =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': type, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
      // Go's json.Encoder ends the body with a newline
      body: typeof body === 'string' ? body : `${JSON.stringify(body)}\n`,
    });
  /** The ApiException a client call fails with. */
  const failure = async (call: Promise<unknown>) => {
    const err = await call.then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApiException);
    const e = err as ApiException<string | undefined>;
    // the generated client keeps no body for a 401
    return { code: e.code, body: (e.body === undefined ? undefined : JSON.parse(e.body)) as Record<string, any> };
  };

  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    await namespace(t, NS);
    await serviceAccount(t, 'default', 'reviewer');
    await serviceAccount(t, 'default', 'nobody');
    await serviceAccount(t, 'default', 'app');
    await t.ok('mutation ($i: ClusterRoleBindingInput!) { createClusterRoleBinding(input: $i) { id } }', {
      i: {
        metadata: { name: 'reviewer-auth-delegator' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'system:auth-delegator' },
        subjects: [{ kind: 'ServiceAccount', namespace: 'default', name: 'reviewer' }],
      },
    });
    await grant(t, NS, 'jane', [{ verbs: ['get'], apiGroups: ['group3'], resources: ['pods/proxy'] }]);
    await grant(t, NS, 'alice', [{ verbs: ['get', 'list'], apiGroups: ['*'], resources: ['*'] }]);
    await grantCluster(t, 'group1-user', [{ verbs: ['get'], nonResourceURLs: ['/debug'] }]);
    await t
      .ok('mutation ($i: ClusterRoleBindingInput!) { createClusterRoleBinding(input: $i) { id } }', {
        i: {
          metadata: { name: 'group1-debug' },
          roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'cluster-grant-1' },
          subjects: [{ kind: 'Group', apiGroup: RBAC, name: 'group1' }],
        },
      })
      .catch(() => undefined);
    reviewer = await token(t, 'default', 'reviewer');
    nobody = await token(t, 'default', 'nobody');
    tokens = {
      'my-s3cr3t-t0ken': await token(t, 'default', 'app', { audiences: ['api'] }),
      t0k3n: await token(t, 'default', 'app'),
      an0th3r_t0k3n: 'an0th3r_t0k3n',
      '014fbff9a07c...': await token(t, 'default', 'app', { audiences: ['https://myserver.internal.example.com'] }),
    };
    http = createServer(t.app.server);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => http?.close(resolve));
    await t?.close();
  });

  it('a Kubernetes client finds the review APIs by discovery', async () => {
    const kc = kubeconfig(reviewer);
    const core = await kc.makeApiClient(CoreApi).getAPIVersions();
    expect(core.versions).toEqual(['v1']);
    const groups = await kc.makeApiClient(ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toEqual(['authentication.k8s.io', 'authorization.k8s.io']);
    const authn = await kc.makeApiClient(AuthenticationApi).getAPIGroup();
    expect(authn.preferredVersion?.groupVersion).toBe('authentication.k8s.io/v1');
    expect(authn.versions.map((v) => v.version)).toEqual(['v1', 'v1beta1']);
    const authnResources = await kc.makeApiClient(AuthenticationV1Api).getAPIResources();
    expect(authnResources.resources).toEqual([
      expect.objectContaining({ name: 'tokenreviews', kind: 'TokenReview', namespaced: false, verbs: ['create'] }),
    ]);
    const authzResources = await kc.makeApiClient(AuthorizationV1Api).getAPIResources();
    expect(authzResources.resources.map((r) => [r.name, r.kind, r.namespaced])).toEqual([
      ['subjectaccessreviews', 'SubjectAccessReview', false],
      ['selfsubjectaccessreviews', 'SelfSubjectAccessReview', false],
      ['localsubjectaccessreviews', 'LocalSubjectAccessReview', true],
    ]);
  });

  it('discovery is for authenticated callers (system:discovery); a bad token is 401, never anonymous', async () => {
    const anonymous = await failure(kubeconfig().makeApiClient(ApisApi).getAPIVersions());
    expect(anonymous.code).toBe(403);
    expect(anonymous.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Forbidden', code: 403 });
    expect(anonymous.body.message).toBe('forbidden: User "system:anonymous" cannot get path "/apis"');
    const bad = await failure(kubeconfig('not-a-token').makeApiClient(ApisApi).getAPIVersions());
    expect(bad.code).toBe(401);
    const raw = await fetch(`${base}/apis`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
  });

  it('TokenReview through AuthenticationV1Api answers as the GraphQL tokenReview', async () => {
    const api = kubeconfig(reviewer).makeApiClient(AuthenticationV1Api);
    const cases: [string, string, string[] | undefined][] = [
      ['a bound token, API audience', tokens.t0k3n, undefined],
      ['a bound token, its own audience asked', tokens['my-s3cr3t-t0ken'], ['api']],
      ['a bound token, another audience asked', tokens['my-s3cr3t-t0ken'], ['other']],
      ['the static admin token', t.adminToken, undefined],
      ['garbage', 'an0th3r_t0k3n', undefined],
    ];
    for (const [name, tok, audiences] of cases) {
      const answer = await api.createTokenReview({
        body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token: tok, audiences } },
      });
      const graphql = await review(t, tok, audiences);
      expect({ name, status: JSON.parse(JSON.stringify(answer.status)) }).toEqual({
        name,
        status: tokenStatus(graphql),
      });
      expect(answer.kind).toBe('TokenReview');
      expect(answer.apiVersion).toBe('authentication.k8s.io/v1');
    }
    const ok = await api.createTokenReview({ body: { spec: { token: tokens.t0k3n } } });
    expect(ok.status?.authenticated).toBe(true);
    expect(ok.status?.user?.username).toBe('system:serviceaccount:default:app');
    const bad = await api.createTokenReview({ body: { spec: { token: 'an0th3r_t0k3n' } } });
    // a token that is not accepted is not authenticated, and never an anonymous user
    expect(bad.status?.authenticated).toBeFalsy();
    expect(bad.status?.user?.username).toBeUndefined();
    expect(bad.status?.error).toBeTruthy();
  });

  it("the webhook token authenticator's request bodies (v1 and v1beta1) get the GraphQL answer", async () => {
    for (const { name, body } of WEBHOOKS.tokenReviews) {
      const tok = tokens[body.spec.token];
      expect(tok, `placeholder ${body.spec.token}`).toBeDefined();
      const sent = { ...body, spec: { ...body.spec, token: tok } };
      const version = body.apiVersion.split('/')[1];
      const res = await post(`/apis/authentication.k8s.io/${version}/tokenreviews`, sent);
      expect(res.status, name).toBe(200);
      const answer = await res.json();
      expect(answer.apiVersion).toBe(body.apiVersion);
      expect(answer.kind).toBe('TokenReview');
      expect(answer.spec).toEqual(sent.spec);
      expect(answer.metadata).toEqual(body.metadata);
      expect({ name, status: answer.status }).toEqual({
        name,
        status: tokenStatus(await review(t, tok, body.spec.audiences)),
      });
    }
  });

  it("the webhook authorizer's request bodies (v1 and v1beta1) get the GraphQL answer, errors included", async () => {
    let allowed = 0;
    for (const { name, body } of WEBHOOKS.subjectAccessReviews) {
      const version = body.apiVersion.split('/')[1];
      const res = await post(`/apis/authorization.k8s.io/${version}/subjectaccessreviews`, body);
      const answer = await res.json();
      const graphql = await t.gql(SAR, { i: sarInput(body.spec, version === 'v1beta1' ? 'group' : 'groups') });
      if (graphql.errors) {
        const [e] = graphql.errors;
        expect({ name, status: res.status }).toEqual({ name, status: HTTP[e.extensions.code] });
        expect(answer).toMatchObject({ kind: 'Status', status: 'Failure', message: e.message });
        continue;
      }
      expect(res.status, name).toBe(200);
      expect(answer).toMatchObject({ kind: 'SubjectAccessReview', apiVersion: body.apiVersion, spec: body.spec });
      expect({ name, status: answer.status }).toEqual({
        name,
        status: accessStatus(graphql.data!.subjectAccessReview),
      });
      if (answer.status.allowed) allowed++;
    }
    // the policy above allows some of them: the comparison is not of denials alone
    expect(allowed).toBeGreaterThanOrEqual(3);
  });

  it('SubjectAccessReview, SelfSubjectAccessReview, LocalSubjectAccessReview through AuthorizationV1Api', async () => {
    const api = kubeconfig(reviewer).makeApiClient(AuthorizationV1Api);
    const attrs = { namespace: NS, verb: 'get', group: 'group3', resource: 'pods', subresource: 'proxy', name: 'p' };
    const sar = await api.createSubjectAccessReview({ body: { spec: { user: 'jane', resourceAttributes: attrs } } });
    const graphql = await t.ok(SAR, { i: { user: 'jane', resourceAttributes: attrs } });
    expect(sar.status).toEqual(accessStatus(graphql.subjectAccessReview));
    expect(sar.status?.allowed).toBe(true);

    // the ServiceAccount asks about itself: may it create tokenreviews? (system:auth-delegator says yes)
    const self = await api.createSelfSubjectAccessReview({
      body: {
        spec: { resourceAttributes: { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' } },
      },
    });
    const selfGraphql = await t.ok(
      SSAR,
      { i: { resourceAttributes: { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' } } },
      reviewer,
    );
    expect(self.status).toEqual(accessStatus(selfGraphql.selfSubjectAccessReview));
    expect(self.status?.allowed).toBe(true);

    // a LocalSubjectAccessReview is asked of the admin's client (the reviewer may not: only cluster-wide SARs)
    const admin = kubeconfig(t.adminToken).makeApiClient(AuthorizationV1Api);
    const local = await admin.createNamespacedLocalSubjectAccessReview({
      namespace: NS,
      body: { spec: { user: 'alice', resourceAttributes: { namespace: NS, verb: 'list', resource: 'secrets' } } },
    });
    const localGraphql = await t.ok(LSAR, {
      ns: NS,
      i: { user: 'alice', resourceAttributes: { namespace: NS, verb: 'list', resource: 'secrets' } },
    });
    expect(local.status).toEqual(accessStatus(localGraphql.localSubjectAccessReview));
    expect(local.status?.allowed).toBe(true);
    expect(local.metadata?.namespace).toBe(NS);
    const refused = await failure(
      api.createNamespacedLocalSubjectAccessReview({
        namespace: NS,
        body: { spec: { user: 'alice', resourceAttributes: { namespace: NS, verb: 'list', resource: 'secrets' } } },
      }),
    );
    expect(refused.code).toBe(403);
    expect(refused.body.message).toBe(
      'localsubjectaccessreviews.authorization.k8s.io is forbidden: User "system:serviceaccount:default:reviewer" ' +
        'cannot create resource "localsubjectaccessreviews" in API group "authorization.k8s.io" ' +
        `in the namespace "${NS}"`,
    );
  });

  it('refusals and bad bodies are Kubernetes Status objects with its codes, never a 500', async () => {
    const TR = '/apis/authentication.k8s.io/v1/tokenreviews';
    const SARS = '/apis/authorization.k8s.io/v1/subjectaccessreviews';
    const LOCAL = `/apis/authorization.k8s.io/v1/namespaces/${NS}/localsubjectaccessreviews`;
    const spec = { token: 'x' };
    const cases: [string, () => Promise<Response>, number, string, RegExp?][] = [
      ['not JSON', () => post(TR, '{"spec":'), 400, 'BadRequest', /not valid JSON/],
      ['a JSON list', () => post(TR, '[]'), 400, 'BadRequest', /must be a TokenReview object/],
      ['another kind', () => post(TR, { kind: 'SubjectAccessReview', spec }), 400, 'BadRequest', /kind in the data/],
      ['another version', () => post(TR, { apiVersion: 'authentication.k8s.io/v2', spec }), 400, 'BadRequest'],
      [
        'a number as token',
        () => post(TR, { spec: { token: 7 } }),
        400,
        'BadRequest',
        /spec\.token: expected a string/,
      ],
      ['audiences not a list', () => post(TR, { spec: { token: 'x', audiences: 'a' } }), 400, 'BadRequest'],
      [
        'groups not strings',
        () => post(SARS, { spec: { user: 'u', groups: [1], resourceAttributes: {} } }),
        400,
        'BadRequest',
      ],
      [
        'extra not lists',
        () => post(SARS, { spec: { user: 'u', extra: { a: 'b' }, resourceAttributes: {} } }),
        400,
        'BadRequest',
      ],
      ['an empty token', () => post(TR, { spec: {} }), 400, 'BadRequest', /token is required/],
      ['no subject', () => post(SARS, { spec: { resourceAttributes: { verb: 'get' } } }), 422, 'Invalid'],
      [
        'both attribute kinds',
        () => post(SARS, { spec: { user: 'u', resourceAttributes: {}, nonResourceAttributes: {} } }),
        422,
        'Invalid',
      ],
      [
        'a local review naming another namespace',
        () => post(LOCAL, { spec: { user: 'u', resourceAttributes: { namespace: 'other' } } }, t.adminToken),
        422,
        'Invalid',
        /must match metadata\.namespace/,
      ],
      [
        'a local review whose object names another namespace',
        () => post(LOCAL, { metadata: { namespace: 'other' }, spec: { user: 'u' } }, t.adminToken),
        400,
        'BadRequest',
        /does not match the namespace sent on the request/,
      ],
      ['a caller token not accepted', () => post(TR, { spec }, 'forged'), 401, 'Unauthorized'],
      ['no caller token', () => post(TR, { spec }, null), 403, 'Forbidden', /User "system:anonymous" cannot create/],
      ['a caller without the grant', () => post(SARS, { spec: { user: 'u' } }, nobody), 403, 'Forbidden'],
      [
        'a GET on a review',
        () => fetch(`${base}${TR}`, { headers: { authorization: `Bearer ${reviewer}` } }),
        405,
        'MethodNotAllowed',
      ],
      ['a YAML body', () => post(TR, 'spec: {}', reviewer, 'application/yaml'), 415, 'UnsupportedMediaType'],
      ['an unknown resource', () => post('/apis/authorization.k8s.io/v1/rolereviews', {}), 404, 'NotFound'],
      ['an unknown version', () => post('/apis/authentication.k8s.io/v2/tokenreviews', {}), 404, 'NotFound'],
    ];
    for (const [name, send, code, reason, message] of cases) {
      const res = await send();
      const body = await res.json();
      expect({ name, code: res.status, reason: body.reason }).toEqual({ name, code, reason });
      expect(body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code });
      if (message) expect(body.message, name).toMatch(message);
      expect(res.headers.get('audit-id'), name).toBeTruthy();
    }
  });

  it('a caller token that is not accepted is 401 on every review, never anonymous', async () => {
    for (const path of [
      '/apis/authentication.k8s.io/v1/tokenreviews',
      '/apis/authentication.k8s.io/v1beta1/tokenreviews',
      '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      `/apis/authorization.k8s.io/v1beta1/namespaces/${NS}/localsubjectaccessreviews`,
    ]) {
      const res = await post(path, { spec: {} }, `${reviewer}x`);
      expect({ path, status: res.status }).toEqual({ path, status: 401 });
    }
  });

  it('a review over REST is audited like its GraphQL twin, under the Audit-ID it answered with', async () => {
    const res = await post('/apis/authentication.k8s.io/v1/tokenreviews', { spec: { token: tokens.t0k3n } });
    expect(res.status).toBe(200);
    const auditID = res.headers.get('audit-id');
    const data = await t.ok(
      `query ($f: AuditEventFilter) { auditEvents(filter: $f, first: 1000) {
        edges { node { auditID user verb apiGroup resource decision code request } } } }`,
      { f: { user: 'system:serviceaccount:default:reviewer' } },
    );
    const events = data.auditEvents.edges.map((e: { node: Record<string, unknown> }) => e.node);
    const mine = events.filter((e: { auditID: string }) => e.auditID === auditID);
    expect(mine).toEqual([
      expect.objectContaining({ verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'tokenreviews' }),
    ]);
    // the reviewed token is never kept
    expect(JSON.stringify(events)).not.toContain(tokens.t0k3n);
    // and the request is counted under its own endpoint, not as GraphQL
    const metrics = await (await t.fetch('/metrics', { headers: { authorization: `Bearer ${t.adminToken}` } })).text();
    expect(metrics).toMatch(
      /keyway_http_request_duration_seconds_count\{endpoint="kubernetes",method="POST",code="200"\} \d+/,
    );
  });

  it('works in trusted-documents mode, where a client may send no document of its own', async () => {
    const only = '{ whoami { username } }';
    const replica = await t.replica({ http: { trustedDocuments: trustedDocuments({ whoami: only }) } });
    try {
      const refused = await replica.gql('{ namespaces { totalCount } }');
      expect(refused.errors?.[0].extensions.code).toBe('BAD_REQUEST');
      const res = await replica.fetch('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${reviewer}` },
        body: JSON.stringify({
          spec: { user: 'jane', resourceAttributes: { namespace: NS, verb: 'get', resource: 'pods' } },
        }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).status).toEqual({ allowed: false });
    } finally {
      await replica.close();
    }
  });
});

describe.each(ENGINES)('Query.localSubjectAccessReview (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    // controllers on: the bootstrap `admin` gets its rules from the aggregation controller
    t = await startTestApp(engine);
    await namespace(t, 'team');
    await grant(t, 'team', 'bob', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }]);
    // a namespace admin (the bootstrap `admin` role, bound in one namespace) may ask about it
    await t.ok('mutation ($i: RoleBindingInput!) { createRoleBinding(namespace: "team", input: $i) { id } }', {
      i: {
        metadata: { name: 'lead-admin' },
        roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'admin' },
        subjects: [{ kind: 'User', apiGroup: RBAC, name: 'lead' }],
      },
    });
    await eventually(async () => {
      const res = await ask('lead', 'team', { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } });
      if (res.errors) throw new Error(res.errors[0].message);
    });
  });
  afterAll(() => t?.close());

  const as = (user: string) => ({
    'content-type': 'application/json',
    authorization: `Bearer ${t.adminToken}`,
    'impersonate-user': user,
  });
  const ask = async (user: string, ns: string, input: Record<string, unknown>) => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: as(user),
      body: JSON.stringify({ query: LSAR, variables: { ns, i: input } }),
    });
    return (await res.json()) as {
      data?: Record<string, any>;
      errors?: { message: string; extensions: Record<string, any> }[];
    };
  };

  it.each([
    ['allowed, namespace defaulted', { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } }, true],
    [
      'allowed, namespace named',
      { user: 'bob', resourceAttributes: { namespace: 'team', verb: 'get', resource: 'pods' } },
      true,
    ],
    ['not allowed', { user: 'bob', resourceAttributes: { verb: 'delete', resource: 'pods' } }, false],
  ])('%s', async (_name, input, allowed) => {
    const res = await ask('lead', 'team', input);
    expect(res.errors).toBeUndefined();
    expect(res.data?.localSubjectAccessReview.allowed).toBe(allowed);
  });

  it.each([
    [
      'another namespace',
      { user: 'bob', resourceAttributes: { namespace: 'x', verb: 'get', resource: 'pods' } },
      'spec.resourceAttributes.namespace',
    ],
    [
      'a non-resource question',
      { user: 'bob', nonResourceAttributes: { path: '/x', verb: 'get' } },
      'spec.nonResourceAttributes',
    ],
    ['no subject', { resourceAttributes: { verb: 'get', resource: 'pods' } }, 'spec.user'],
    ['no question', { user: 'bob' }, 'spec.resourceAttributes'],
  ])('%s is INVALID', async (_name, input, field) => {
    const res = await ask('lead', 'team', input);
    expect(res.errors?.[0].extensions.code).toBe('INVALID');
    expect(res.errors?.[0].extensions.causes.map((c: { field: string }) => c.field)).toContain(field);
  });

  it('needs create localsubjectaccessreviews in the namespace', async () => {
    const res = await ask('lead', 'default', { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(res.data?.localSubjectAccessReview).toBeNull();
  });
});

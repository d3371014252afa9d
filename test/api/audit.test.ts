/**
 * The audit log: an event for every mutation (in its transaction), token issuance (its jti),
 * token and access review, and denied request; the policy's levels; Audit-ID; the query with its
 * filters and authorization; retention; and no token or secret value in the table or the logs.
 */
import { Writable } from 'node:stream';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditPolicy } from '../../src/audit/policy.js';
import { rows } from '../../src/db/client.js';
import { createLogger } from '../../src/log.js';
import { eventually, gqlAs, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, namespace, serviceAccount } from '../helpers/fixtures.js';
import { decode, review, token } from '../helpers/tokens.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const EVENTS = `query ($filter: AuditEventFilter, $first: Int, $after: String) {
  auditEvents(filter: $filter, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { node { auditID time level user groups impersonator verb apiGroup resource subresource namespace name
      path decision reason code annotations request } } } }`;

async function events(t: TestApp, filter: Record<string, unknown>, first = 100) {
  const data = await t.ok(EVENTS, { filter, first });
  return data.auditEvents.edges.map((e: { node: Record<string, any> }) => e.node) as Record<string, any>[];
}

/** POST /graphql with the Audit-ID the response carries. */
async function post(t: TestApp, query: string, variables: Record<string, unknown>, bearer: string) {
  const res = await t.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return { auditID: res.headers.get('audit-id')!, status: res.status, body: (await res.json()) as any };
}

describe.each(ENGINES)('audit log (%s)', (engine) => {
  let t: TestApp;
  let lines = '';
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines += chunk;
        done();
      },
    });
    const policy = AuditPolicy.parse(
      `apiVersion: audit.k8s.io/v1
kind: Policy
rules:
  - level: None
    users: ["quiet"]
  - level: Request
    resources:
      - group: ""
        resources: ["serviceaccounts", "secrets", "serviceaccounts/token"]
      - group: authentication.k8s.io
        resources: ["tokenreviews"]
  - level: Metadata
`,
      'policy.yaml',
    );
    t = await startTestApp(engine, {
      log: createLogger('info', sink),
      audit: { policy, retentionMs: 60_000, trimEveryMs: 100 },
    });
    await namespace(t, 'audited');
    await serviceAccount(t, 'audited', 'robot');
  });
  afterAll(() => t.close());

  it('records a mutation with its Audit-ID, in its transaction, at the level the policy says', async () => {
    const made = await post(
      t,
      'mutation ($i: ServiceAccountInput!) { createServiceAccount(namespace: "audited", input: $i) { id } }',
      { i: { metadata: { name: 'builder', labels: { team: 'x' } } } },
      t.adminToken,
    );
    expect(made.body.errors).toBeUndefined();
    // written with the write: there when the answer is
    const [event] = await events(t, { auditID: made.auditID });
    expect(event).toMatchObject({
      level: 'Request',
      user: 'keyway:admin',
      groups: expect.arrayContaining(['system:masters']),
      impersonator: null,
      verb: 'create',
      apiGroup: '',
      resource: 'serviceaccounts',
      namespace: 'audited',
      name: 'builder',
      decision: 'ALLOW',
      code: 201,
    });
    expect(JSON.parse(event.request)).toEqual({
      field: 'createServiceAccount',
      arguments: { namespace: 'audited', input: { metadata: { name: 'builder', labels: { team: 'x' } } } },
    });
    const failed = await post(
      t,
      'mutation { createServiceAccount(namespace: "audited", input: { metadata: { name: "builder" } }) { id } }',
      {},
      t.adminToken,
    );
    expect(failed.body.errors[0].extensions.code).toBe('ALREADY_EXISTS');
    expect((await events(t, { auditID: failed.auditID }))[0]).toMatchObject({ verb: 'create', code: 409 });
    // a namespace is Metadata: no request kept
    const ns = await post(
      t,
      'mutation { createNamespace(input: { metadata: { name: "meta" } }) { id } }',
      {},
      t.adminToken,
    );
    expect((await events(t, { auditID: ns.auditID }))[0]).toMatchObject({ level: 'Metadata', request: null });
  });

  it('acknowledges no write without its event', async () => {
    // the audit table refuses this one event: the write goes with it
    await t.db.database.db.execute(
      sql.raw(`alter table audit_events add constraint refuse_probe check (name <> 'probe')`),
    );
    try {
      const res = await t.gql(
        'mutation { createServiceAccount(namespace: "audited", input: { metadata: { name: "probe" } }) { id } }',
      );
      expect(res.errors?.[0].extensions.code).toBe('INTERNAL');
      const raw = await rows(
        t.db.database.db,
        sql`select 1 from objects where kind = 'ServiceAccount' and name = 'probe'`,
      );
      expect(raw).toHaveLength(0);
      expect(
        (await t.gql('{ serviceAccount(namespace: "audited", name: "probe") { id } }')).errors?.[0].extensions.code,
      ).toBe('NOT_FOUND');
    } finally {
      await t.db.database.db.execute(sql.raw('alter table audit_events drop constraint refuse_probe'));
    }
  });

  it("records a token's issuance by its jti, and reviews, never the token", async () => {
    const minted = await post(
      t,
      'mutation { createServiceAccountToken(namespace: "audited", name: "robot") { token } }',
      {},
      t.adminToken,
    );
    const jwt = minted.body.data.createServiceAccountToken.token as string;
    const [issued] = await events(t, { auditID: minted.auditID });
    expect(issued).toMatchObject({
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      name: 'robot',
      // tokens are never kept above Metadata, whatever the policy says
      level: 'Metadata',
      request: null,
      annotations: { 'authentication.kubernetes.io/issued-credential-id': `JTI=${decode(jwt).payload.jti}` },
    });
    expect((await review(t, jwt)).authenticated).toBe(true);
    const reviews = await events(t, { resource: 'tokenreviews' });
    expect(reviews[0]).toMatchObject({
      verb: 'create',
      apiGroup: 'authentication.k8s.io',
      level: 'Metadata',
      request: null,
      annotations: { 'authentication.k8s.io/authenticated': 'true' },
    });
    await t.ok(
      '{ subjectAccessReview(input: { user: "x", resourceAttributes: { verb: "get", resource: "pods" } }) ' +
        '{ allowed } }',
    );
    expect((await events(t, { resource: 'subjectaccessreviews' }))[0]).toMatchObject({
      decision: 'ALLOW',
      annotations: { 'authorization.k8s.io/allowed': 'false' },
    });
  });

  it('records every denied request: a denied question, a refused token, a refused impersonation', async () => {
    const denied = await gqlAs(t, { user: 'snoop' }, '{ pods(namespace: "audited") { totalCount } }');
    expect(denied.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const [event] = await events(t, { user: 'snoop', decision: 'FORBID' });
    expect(event).toMatchObject({
      user: 'snoop',
      impersonator: 'keyway:admin',
      verb: 'list',
      resource: 'pods',
      namespace: 'audited',
      decision: 'FORBID',
      code: 403,
    });
    // a denied mutation is one event, not two
    const refused = await gqlAs(
      t,
      { user: 'snoop' },
      'mutation { deleteServiceAccount(namespace: "audited", name: "robot") { id } }',
    );
    expect(refused.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const deletes = await events(t, { user: 'snoop', verb: 'delete' });
    expect(deletes).toHaveLength(1);
    expect(deletes[0]).toMatchObject({ name: 'robot', decision: 'FORBID', code: 403, reason: expect.any(String) });

    const bogus = await post(t, '{ whoami { username } }', {}, 'not-a-real-token-0123456789');
    expect(bogus.status).toBe(401);
    expect((await events(t, { auditID: bogus.auditID }))[0]).toMatchObject({
      user: '',
      verb: 'post',
      path: '/graphql',
      decision: 'FORBID',
      code: 401,
    });
    const sa = await token(t, 'audited', 'robot');
    const impersonating = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${sa}`, 'impersonate-user': 'root' },
      body: JSON.stringify({ query: '{ whoami { username } }' }),
    });
    expect(impersonating.status).toBe(403);
    expect((await events(t, { auditID: impersonating.headers.get('audit-id') }))[0]).toMatchObject({
      user: 'system:serviceaccount:audited:robot',
      code: 403,
      decision: 'FORBID',
    });
  });

  it("records the controllers' writes as theirs: the default ServiceAccount of a new namespace", async () => {
    await namespace(t, 'by-controllers');
    const made = await eventually(async () => {
      const found = (await events(t, { namespace: 'by-controllers', verb: 'create' })).filter(
        (e) => e.resource === 'serviceaccounts',
      );
      expect(found).toHaveLength(1);
      return found[0];
    });
    expect(made).toMatchObject({
      user: 'system:kube-controller-manager',
      name: 'default',
      apiGroup: '',
      decision: 'ALLOW',
      code: 201,
    });
  });

  it('keeps nothing for what the policy says None to', async () => {
    const res = await gqlAs(t, { user: 'quiet' }, '{ pods(namespace: "audited") { totalCount } }');
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(await events(t, { user: 'quiet' })).toEqual([]);
  });

  it('filters by user, namespace, verb, decision and time, pages newest first, and is authorized', async () => {
    const all = await events(t, {}, 1000);
    expect(all.length).toBeGreaterThan(5);
    const times = all.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    for (const e of await events(t, { namespace: 'audited', verb: 'create' })) {
      expect(e).toMatchObject({ namespace: 'audited', verb: 'create' });
    }
    const future = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    expect(await events(t, { since: future })).toEqual([]);
    expect((await events(t, { until: future }, 1000)).length).toBe(all.length);
    // pages
    const first = await t.ok(EVENTS, { filter: {}, first: 2 });
    const second = await t.ok(EVENTS, { filter: {}, first: 2, after: first.auditEvents.pageInfo.endCursor });
    expect(first.auditEvents.pageInfo.hasNextPage).toBe(true);
    expect(second.auditEvents.edges[0].node).toEqual(all[2]);
    expect(first.auditEvents.totalCount).toBe(all.length);
    // a namespaced grant reads that namespace's events only
    await grant(t, 'audited', 'auditor', [
      { verbs: ['list'], apiGroups: ['audit.keyway.dev'], resources: ['auditevents'] },
    ]);
    const mine = await gqlAs(t, { user: 'auditor' }, EVENTS, { filter: { namespace: 'audited' } });
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.auditEvents.edges.length).toBeGreaterThan(0);
    const everything = await gqlAs(t, { user: 'auditor' }, EVENTS, { filter: {} });
    expect(everything.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('has the leading replica remove events past their retention', async () => {
    await t.db.database.db.execute(
      sql`update audit_events set time = now() - interval '2 minutes' where username = 'snoop'`,
    );
    await eventually(async () => expect(await events(t, { user: 'snoop' })).toEqual([]), 5000);
    expect((await events(t, { user: 'keyway:admin' })).length).toBeGreaterThan(0);
  });

  it('keeps no token or secret value in the audit table or the logs', async () => {
    const values = ['audit-secret-value-1', 'audit-secret-value-2'];
    await t.ok('mutation ($i: SecretInput!) { createSecret(namespace: "audited", input: $i) { id } }', {
      i: { metadata: { name: 'kept' }, data: { a: b64(values[0]) }, stringData: { b: values[1] } },
    });
    await t.ok('mutation ($i: SecretInput!) { updateSecret(namespace: "audited", input: $i) { id } }', {
      i: { metadata: { name: 'kept' }, stringData: { b: values[1] } },
    });
    await t.ok('mutation ($i: SecretInput!) { createSecret(namespace: "audited", input: $i) { id } }', {
      i: {
        metadata: { name: 'robot-legacy', annotations: { 'kubernetes.io/service-account.name': 'robot' } },
        type: 'kubernetes.io/service-account-token',
      },
    });
    const legacy = await eventually(async () => {
      const d = await t.ok('{ secret(namespace: "audited", name: "robot-legacy") { data } }');
      expect(d.secret.data.token).toBeTruthy();
      return Buffer.from(d.secret.data.token, 'base64').toString();
    });
    // the tokens controller filled it: its write is audited as the controller's, at Metadata
    const filled = (await events(t, { user: 'system:kube-controller-manager', namespace: 'audited' })).filter(
      (e) => e.resource === 'secrets' && e.name === 'robot-legacy',
    );
    expect(filled).toEqual([
      expect.objectContaining({ verb: 'update', decision: 'ALLOW', code: 200, level: 'Metadata', request: null }),
    ]);
    const minted = await token(t, 'audited', 'robot');
    await review(t, minted);
    await review(t, legacy);
    await review(t, 'bogus-token-that-must-not-be-logged');
    await t.gql('{ whoami { username } }', {}, minted);
    await t.gql('{ whoami { username } }', {}, 'bogus-token-that-must-not-be-logged');
    // an apply of a ServiceAccount (kept at Request) and a Secret, whose event names the account
    await t.ok('mutation ($m: String!) { apply(manifests: $m) { action } }', {
      m:
        'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: applied, namespace: audited }\n---\n' +
        'apiVersion: v1\nkind: Secret\nmetadata: { name: applied, namespace: audited }\n' +
        `stringData: { v: ${values[0]} }\n`,
    });
    const [applied] = (await events(t, { verb: 'create', namespace: 'audited' })).filter((e) => e.name === 'applied');
    expect(applied).toMatchObject({ resource: 'serviceaccounts', level: 'Request' });
    expect(JSON.parse(applied.request).arguments.manifests).toBe('[not recorded]');
    await t.gql('mutation ($i: SecretInput!) { createSecret(namespace: "nowhere", input: $i) { id } }', {
      i: { metadata: { name: 'x' }, stringData: { v: values[0] } },
    });
    // the policy asks Request for Secrets: they are kept at Metadata, without their request
    const secretEvents = await events(t, { resource: 'secrets', namespace: 'audited' });
    expect(secretEvents.length).toBeGreaterThanOrEqual(3);
    for (const e of secretEvents) expect(e).toMatchObject({ level: 'Metadata', request: null });
    const table = (await rows<{ row: string }>(t.db.database.db, sql`select e::text as row from audit_events e`))
      .map((r) => r.row)
      .join('\n');
    expect(table).toContain('secrets');
    expect(lines).toContain('"msg":"request"');
    const secrets = [...values, legacy, minted, 'bogus-token-that-must-not-be-logged', t.adminToken];
    for (const where of [table, lines]) {
      for (const value of secrets) {
        expect(where).not.toContain(value);
        expect(where).not.toContain(b64(value));
      }
    }
  });
});

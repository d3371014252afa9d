/**
 * Regressions for what a security review of the core found, one block per finding, on every
 * engine. Each ends by checking the server still answers /healthz.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gqlAs, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, grantCluster, namespace, serviceAccount } from '../helpers/fixtures.js';
import { forge, token, whoami } from '../helpers/tokens.js';

const RBAC = 'rbac.authorization.k8s.io';

const codes = (res: { errors?: { extensions: { code: string } }[] }) =>
  (res.errors ?? []).map((e) => e.extensions.code);

describe.each(ENGINES)('security review regressions (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'sec');
    await namespace(t, 'other');
  });
  afterAll(() => t.close());
  afterEach(async () => {
    expect((await t.fetch('/healthz')).status).toBe(200);
  });

  describe('1. the anonymous surface', () => {
    it('refuses anonymous introspection at once, however many times it is asked', async () => {
      const aliases = (n: number) =>
        Array.from({ length: n }, (_, i) => `a${i}: __schema { types { name fields { name type { name } } } }`).join(
          ' ',
        );
      // thousands of them are refused while parsing, by the query limits (limits.test.ts)
      let started = Date.now();
      expect(codes(await t.gql(`{ ${aliases(3000)} }`, {}, null))).toEqual(['GRAPHQL_PARSE_FAILED']);
      expect(Date.now() - started).toBeLessThan(3000);
      // within the limits: refused in place of validation, parsing is all it costs
      started = Date.now();
      const res = await t.gql(`{ ${aliases(40)} }`, {}, null);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(res.data ?? null).toBeNull();
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].message).toContain('system:anonymous');
      expect(codes(await t.gql('{ __type(name: "Secret") { name } }', {}, null))).toEqual(['FORBIDDEN']);
      // what anonymous callers keep: health, readiness, discovery, and the type name
      expect((await t.fetch('/readyz')).status).toBe(200);
      expect((await t.fetch('/.well-known/openid-configuration')).status).toBe(200);
      expect((await t.fetch('/openid/v1/jwks')).status).toBe(200);
      expect(await t.gql('{ __typename }', {}, null)).toMatchObject({ data: { __typename: 'Query' } });
    });

    it('refuses an anonymous caller without refusing the next caller of the same document, and audits it', async () => {
      // GraphiQL's introspection is one document for everyone: an anonymous asker first must not
      // leave its refusal to them (yoga caches a document's validation for every caller)
      const doc = '{ __schema { mutationType { name } } }';
      const anonymous = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: doc }),
      });
      expect(anonymous.status).toBe(403);
      expect(await t.ok(doc)).toEqual({ __schema: { mutationType: { name: 'Mutation' } } });
      const auditID = anonymous.headers.get('audit-id');
      const events = await t.ok(
        'query ($f: AuditEventFilter) { auditEvents(filter: $f) { edges { node { auditID user code decision } } } }',
        { f: { user: 'system:anonymous' } },
      );
      expect(events.auditEvents.edges.map((e: { node: unknown }) => e.node)).toContainEqual({
        auditID,
        user: 'system:anonymous',
        code: 403,
        decision: 'FORBID',
      });
    });

    it('lets authenticated callers introspect, and anonymous ones when the setting opens it', async () => {
      expect(await t.ok('{ __schema { queryType { name } } }')).toEqual({ __schema: { queryType: { name: 'Query' } } });
      const open = await t.replica({ http: { publicIntrospection: true } });
      try {
        expect(await open.ok('{ __schema { queryType { name } } }', {}, null)).toEqual({
          __schema: { queryType: { name: 'Query' } },
        });
      } finally {
        await open.close();
      }
    });

    it('answers 413 to a body over the limit, declared or streamed', async () => {
      const big = JSON.stringify({ query: `{ __typename } # ${'x'.repeat(20 * 1024 * 1024)}` });
      const declared = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: big,
      });
      expect(declared.status).toBe(413);
      expect(await declared.json()).toEqual({
        errors: [{ message: 'Request entity too large: limit is 3145728', extensions: { code: 'BAD_REQUEST' } }],
      });
      const chunk = new TextEncoder().encode('x'.repeat(1024 * 1024));
      const body = new ReadableStream({
        start(c) {
          for (let i = 0; i < 5; i++) c.enqueue(chunk);
          c.close();
        },
      });
      const streamed = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(streamed.status).toBe(413);
      // just under the limit is parsed as usual (the bulk in a variable: a document that long is
      // refused by the query limits, see limits.test.ts)
      const fits = JSON.stringify({
        query: 'query ($pad: String) { __typename }',
        variables: { pad: 'x'.repeat(3 * 1024 * 1024 - 100) },
      });
      expect(
        (await t.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: fits }))
          .status,
      ).toBe(200);
    });

    it("refuses objects over Kubernetes' limits as INVALID, with Kubernetes' messages", async () => {
      const labels = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`label-${i}`, `value-${i}`]));
      const many = await t.gql(
        'mutation ($i: ServiceAccountInput!) { createServiceAccount(namespace: "sec", input: $i) { id } }',
        {
          i: { metadata: { name: 'many-labels', labels } },
        },
      );
      expect(codes(many)).toEqual(['INVALID']);
      expect(many.errors![0].message).toBe(
        'ServiceAccount "many-labels" is invalid: Too long: must have at most 1572864 bytes',
      );
      const annotations = { big: 'x'.repeat(256 * 1024) };
      const annotated = await t.gql(
        'mutation ($i: ServiceAccountInput!) { createServiceAccount(namespace: "sec", input: $i) { id } }',
        {
          i: { metadata: { name: 'big-annotations', annotations } },
        },
      );
      expect(annotated.errors![0].message).toBe(
        'ServiceAccount "big-annotations" is invalid: metadata.annotations: Too long: must have at most 262144 bytes',
      );
      expect(await t.ok('{ serviceAccounts(namespace: "sec") { totalCount } }')).toEqual({
        serviceAccounts: { totalCount: 1 },
      }); // default only
    });
  });

  describe('2. an immutable Secret cannot be used to test guesses', () => {
    it('refuses data sent to an immutable Secret the same way, right guess or wrong', async () => {
      await t.ok(
        'mutation { createSecret(namespace: "sec", input: { metadata: { name: "pin" }, stringData: ' +
          '{ pin: "4711" }, immutable: true }) { id } }',
      );
      await grant(t, 'sec', 'updater', [{ verbs: ['update'], apiGroups: [''], resources: ['secrets'] }]);
      const send = (stringData: Record<string, string>) =>
        gqlAs(
          t,
          { user: 'updater' },
          'mutation ($d: StringMap) { updateSecret(namespace: "sec", input: { metadata: { name: "pin" ' +
            '}, stringData: $d }) { metadata { name } } }',
          {
            d: stringData,
          },
        );
      const right = await send({ pin: '4711' });
      const wrong = await send({ pin: '1234' });
      expect(codes(right)).toEqual(['INVALID']);
      expect(right.errors).toEqual(wrong.errors);
      expect(right.errors![0].message).toBe(
        'Secret "pin" is invalid: data: Forbidden: field is immutable when `immutable` is set',
      );
      // metadata still changes
      const labelled = await gqlAs(
        t,
        { user: 'updater' },
        'mutation { updateSecret(namespace: "sec", input: { metadata: { name: "pin", labels: { a: "b" ' +
          '} } }) { metadata { labels } } }',
      );
      expect(labelled.data).toEqual({ updateSecret: { metadata: { labels: { a: 'b' } } } });
    });
  });

  describe('3. revoking by jti tells nothing of tokens the caller may not see', () => {
    const REVOKE =
      'mutation ($jti: String!) { revokeServiceAccountToken(jti: $jti) { metadata { name } status { revoked } } }';

    it('refuses an existing token of another namespace and a missing one alike, before looking', async () => {
      await serviceAccount(t, 'other', 'app');
      const theirs = await token(t, 'other', 'app');
      const jti = JSON.parse(Buffer.from(theirs.split('.')[1], 'base64url').toString()).jti as string;
      await grant(t, 'sec', 'ns-admin', [
        { verbs: ['update'], apiGroups: ['authentication.keyway.dev'], resources: ['issuedtokens'] },
      ]);
      const existing = await gqlAs(t, { user: 'ns-admin' }, REVOKE, { jti });
      const missing = await gqlAs(t, { user: 'ns-admin' }, REVOKE, { jti: '00000000-0000-4000-8000-000000000000' });
      expect(codes(existing)).toEqual(['FORBIDDEN']);
      expect(existing.errors![0].message.replace(jti, 'JTI')).toBe(
        missing.errors![0].message.replace('00000000-0000-4000-8000-000000000000', 'JTI'),
      );
      expect(existing.errors![0].message).not.toContain('other');
      expect(existing.errors![0].message).toContain('at the cluster scope');
      // the token still works
      expect((await whoami(t, theirs)).status).toBe(200);
    });

    it("lets a namespace's own admin revoke there", async () => {
      await serviceAccount(t, 'sec', 'mine');
      const mine = await token(t, 'sec', 'mine');
      const jti = JSON.parse(Buffer.from(mine.split('.')[1], 'base64url').toString()).jti as string;
      const res = await gqlAs(t, { user: 'ns-admin' }, REVOKE, { jti });
      expect(res.data).toEqual({ revokeServiceAccountToken: { metadata: { name: jti }, status: { revoked: true } } });
      expect((await whoami(t, mine)).status).toBe(401);
    });

    it.each([
      ['not-a-uuid'],
      ['x'.repeat(10_000)],
      ["'; drop table objects; --"],
      ['00000000-0000-4000-8000-00000000000\u0000'],
    ])('answers INVALID to a malformed jti (%#)', async (jti) => {
      for (const as of [undefined, 'nobody']) {
        const res = as ? await gqlAs(t, { user: as }, REVOKE, { jti }) : await t.gql(REVOKE, { jti });
        expect(codes(res)).toEqual(['INVALID']);
        expect(res.errors![0].message).toBe(
          'IssuedToken.authentication.keyway.dev "" is invalid: jti: Invalid value: must be the jti of ' +
            'an issued token (a UUID)',
        );
      }
    });
  });

  describe('4. bad input is INVALID or BAD_REQUEST, never INTERNAL', () => {
    const SA = 'mutation ($i: ServiceAccountInput!) { createServiceAccount(namespace: "sec", input: $i) { id } }';
    it.each([
      [
        'NUL in an annotation',
        { metadata: { name: 'nul-a', annotations: { a: 'x\u0000y' } } },
        'INVALID',
        'metadata.annotations[a]: Invalid value: must not contain NUL',
      ],
      [
        'a lone surrogate in an annotation',
        { metadata: { name: 'sur-a', annotations: { a: 'x\ud800' } } },
        'BAD_REQUEST',
        'no unpaired surrogates',
      ],
      [
        'a lone surrogate in a key',
        { metadata: { name: 'sur-k', annotations: { '\udc00': 'x' } } },
        'BAD_REQUEST',
        'no unpaired surrogates',
      ],
      [
        'NUL in a label',
        { metadata: { name: 'nul-l', labels: { a: 'x\u0000' } } },
        'INVALID',
        'metadata.labels: Invalid value',
      ],
    ])('%s', async (_what, input, code, message) => {
      const res = await t.gql(SA, { i: input });
      expect(codes(res)).toEqual([code]);
      expect(res.errors![0].message).toContain(message);
    });

    it('refuses NUL in a Pod image and in token audiences', async () => {
      const pod = await t.gql('mutation ($i: PodInput!) { createPod(namespace: "sec", input: $i) { id } }', {
        i: { metadata: { name: 'nul-image' }, spec: { containers: [{ name: 'c', image: 'busybox\u0000' }] } },
      });
      expect(codes(pod)).toEqual(['INVALID']);
      expect(pod.errors![0].message).toContain('spec.containers[0].image: Invalid value: must not contain NUL');
      const tok = await t.gql(
        'mutation { createServiceAccountToken(namespace: "sec", name: "default", input: { audiences: ' +
          '["a\\u0000b"] }) { token } }',
      );
      expect(codes(tok)).toEqual(['INVALID']);
    });

    it('finds nothing under names that could never be stored', async () => {
      expect(await t.gql('{ secret(namespace: "sec", name: "a\\u0000b") { id } }').then(codes)).toEqual(['NOT_FOUND']);
      expect(await t.ok('{ secrets(namespace: "s\\u0000") { totalCount } }')).toEqual({ secrets: { totalCount: 0 } });
      const del = await t.gql('mutation { deleteRole(namespace: "sec", name: "r\\u0000") { id } }');
      expect(codes(del)).toEqual(['NOT_FOUND']);
      const node = await t.gql('query ($id: ID!) { node(id: $id) { id } }', {
        id: Buffer.from('Secret:sec/a\u0000b').toString('base64'),
      });
      expect(codes(node)).toEqual(['BAD_REQUEST']);
      const cursor = Buffer.from(JSON.stringify(['sec', 'a\u0000'])).toString('base64url');
      expect(
        codes(await t.gql('query ($c: String) { secrets(namespace: "sec", after: $c) { totalCount } }', { c: cursor })),
      ).toEqual(['BAD_REQUEST']);
    });

    it('refuses a 200,000-digit label-selector operand as BAD_REQUEST', async () => {
      const res = await t.gql('query ($s: String) { pods(labelSelector: $s) { totalCount } }', {
        s: `a>${'9'.repeat(200_000)}`,
      });
      expect(codes(res)).toEqual(['BAD_REQUEST']);
      expect(res.errors![0].message).toContain("for 'Gt', 'Lt' operators, the value must be an integer");
    });

    it('keeps an Impersonate-Extra key that does not decode, and checks it', async () => {
      const send = async (token: string) =>
        t.fetch('/graphql', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            'impersonate-user': 'carol',
            'impersonate-extra-%zz': 'v',
          },
          body: JSON.stringify({ query: '{ whoami { username extra } }' }),
        });
      const res = await send(t.adminToken);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { data: unknown }).data).toEqual({
        whoami: { username: 'carol', extra: { '%zz': ['v'] } },
      });
    });

    it('refuses RBAC names past the index limit as INVALID', async () => {
      const res = await t.gql('mutation ($i: ClusterRoleInput!) { createClusterRole(input: $i) { id } }', {
        i: { metadata: { name: 'r'.repeat(3000) }, rules: [] },
      });
      expect(codes(res)).toEqual(['INVALID']);
      expect(res.errors![0].extensions.causes).toEqual([
        {
          field: 'metadata.name',
          message: expect.stringContaining('must be no more than 1024 bytes'),
          reason: 'FieldValueInvalid',
        },
      ]);
      expect(
        await t.ok('mutation ($i: ClusterRoleInput!) { createClusterRole(input: $i) { metadata { name } } }', {
          i: { metadata: { name: `a:${'r'.repeat(1022)}` }, rules: [] },
        }),
      ).toBeTruthy();
    });
  });

  describe('5. external JWTs must expire', () => {
    let external: TestApp;
    const ISSUER = 'https://idp.example.com';
    const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    const sign = (claims: Record<string, unknown>) =>
      forge({ alg: 'ES256', kid: 'k1' }, { iss: ISSUER, aud: 'keyway', sub: 'dana', ...claims }, key);
    beforeAll(async () => {
      const dir = await mkdtemp(join(tmpdir(), 'keyway-sec-'));
      await writeFile(
        join(dir, 'jwks.json'),
        JSON.stringify({ keys: [{ ...createPublicKey(key).export({ format: 'jwk' }), kid: 'k1', alg: 'ES256' }] }),
      );
      await writeFile(
        join(dir, 'issuers.yaml'),
        `jwt:\n  - issuer: { url: "${ISSUER}", audiences: [keyway], jwksFile: "${join(dir, 'jwks.json')}" ` +
          `}\n    claimMappings: { username: { claim: sub, prefix: "idp:" } }\n`,
      );
      external = await t.replica({ oidcIssuersFile: join(dir, 'issuers.yaml') });
    });
    afterAll(() => external.close());

    it.each([
      ['no exp at all', {}, 401],
      ['an exp in the future', { exp: 'soon' }, 200],
      ['an exp 30 s ago (no leeway, as Kubernetes)', { exp: 'ago30s' }, 401],
      ['an iat an hour ahead', { exp: 'soon', iat: 'later' }, 401],
      ['an iat within the minute of leeway', { exp: 'soon', iat: 'in30s' }, 200],
      ['an nbf an hour ahead', { exp: 'soon', nbf: 'later' }, 401],
    ])('a token with %s answers %s', async (_what, times, status) => {
      const now = Math.floor(Date.now() / 1000);
      const at = { soon: now + 600, later: now + 3600, in30s: now + 30, ago30s: now - 30 } as Record<string, number>;
      const claims = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, at[v as string]]));
      expect((await whoami(external, sign(claims))).status).toBe(status);
    });
  });

  describe('6. ending every token of a ServiceAccount ends its legacy tokens too', () => {
    it('marks its legacy token Secrets invalid in the same transaction and counts each kind', async () => {
      await serviceAccount(t, 'sec', 'legacy');
      const bound = await token(t, 'sec', 'legacy');
      await t.ok('mutation ($i: SecretInput!) { createSecret(namespace: "sec", input: $i) { id } }', {
        i: {
          metadata: { name: 'legacy-token', annotations: { 'kubernetes.io/service-account.name': 'legacy' } },
          type: 'kubernetes.io/service-account-token',
        },
      });
      const legacy = await eventually(async () => {
        const data = await t.ok('{ secret(namespace: "sec", name: "legacy-token") { data } }');
        const value = data.secret.data.token as string | undefined;
        if (!value) throw new Error('not filled yet');
        return Buffer.from(value, 'base64').toString();
      });
      expect((await whoami(t, legacy)).status).toBe(200);
      const res = await t.ok(
        'mutation { revokeServiceAccountTokens(namespace: "sec", name: "legacy") { revoked issuedTokens ' +
          'legacyTokens } }',
      );
      expect(res.revokeServiceAccountTokens).toEqual({ revoked: 2, issuedTokens: 1, legacyTokens: 1 });
      expect((await whoami(t, bound)).status).toBe(401);
      expect((await whoami(t, legacy)).status).toBe(401);
      const marked = await t.ok('{ secret(namespace: "sec", name: "legacy-token") { metadata { labels } } }');
      expect(marked.secret.metadata.labels['kubernetes.io/legacy-token-invalid-since']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      // nothing more to end
      const again = await t.ok(
        'mutation { revokeServiceAccountTokens(namespace: "sec", name: "legacy") { revoked issuedTokens ' +
          'legacyTokens } }',
      );
      expect(again.revokeServiceAccountTokens).toEqual({ revoked: 0, issuedTokens: 0, legacyTokens: 0 });
    });

    it('needs update on secrets as well as on issuedtokens', async () => {
      await grant(t, 'sec', 'revoker', [
        { verbs: ['update'], apiGroups: ['authentication.keyway.dev'], resources: ['issuedtokens'] },
      ]);
      const res = await gqlAs(
        t,
        { user: 'revoker' },
        'mutation { revokeServiceAccountTokens(namespace: "sec", name: "legacy") { revoked } }',
      );
      expect(codes(res)).toEqual(['FORBIDDEN']);
      expect(res.errors![0].message).toContain('cannot update resource "secrets"');
    });
  });

  describe('7. keys such as __proto__ are data', () => {
    const KEYS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString'];

    it.each(KEYS)('a Secret keeps %j in data and stringData', async (key) => {
      const name = `proto-${KEYS.indexOf(key)}`;
      await t.ok(
        'mutation ($n: String!, $d: StringMap, $s: StringMap) { createSecret(namespace: "sec", input: ' +
          '{ metadata: { name: $n }, data: $d, stringData: $s }) { id } }',
        {
          n: name,
          d: { [key]: Buffer.from('from data').toString('base64'), plain: 'eA==' },
          s: { [`${key}2`]: 'from stringData' },
        },
      );
      const data = (await t.ok('query ($n: String!) { secret(namespace: "sec", name: $n) { data } }', { n: name }))
        .secret.data;
      expect(Object.keys(data).sort()).toEqual([key, `${key}2`, 'plain'].sort());
      expect(Buffer.from(data[key], 'base64').toString()).toBe('from data');
      // a stringData key is a key too, and an update that changes nothing writes nothing
      const before = (
        await t.ok('query ($n: String!) { secret(namespace: "sec", name: $n) { metadata { resourceVersion } } }', {
          n: name,
        })
      ).secret;
      const after = await t.ok(
        'mutation ($n: String!, $s: StringMap) { updateSecret(namespace: "sec", input: { metadata: ' +
          '{ name: $n }, stringData: $s }) { metadata { resourceVersion } } }',
        {
          n: name,
          s: { [`${key}2`]: 'from stringData' },
        },
      );
      expect(after.updateSecret.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    });

    it.each(KEYS)('labels and annotations treat %j as Kubernetes does', async (key) => {
      const name = `proto-meta-${KEYS.indexOf(key)}`;
      const res = await t.gql(
        'mutation ($i: ServiceAccountInput!) { createServiceAccount(namespace: "sec", input: $i) { ' +
          'metadata { labels annotations } } }',
        {
          i: { metadata: { name, labels: { [key]: 'v' }, annotations: { [key]: 'v' } } },
        },
      );
      if (key.startsWith('_')) {
        // not a qualified name: refused, not dropped
        expect(codes(res)).toEqual(['INVALID']);
        expect(res.errors![0].extensions.causes.map((c: { field: string }) => c.field)).toEqual([
          'metadata.labels',
          'metadata.annotations',
        ]);
      } else {
        expect(res.data?.createServiceAccount.metadata).toEqual({
          labels: { [key]: 'v' },
          annotations: { [key]: 'v' },
        });
        const selected = await t.ok(
          'query ($s: String) { serviceAccounts(namespace: "sec", labelSelector: $s) { edges { node { ' +
            'metadata { name } } } } }',
          { s: key },
        );
        expect(
          selected.serviceAccounts.edges.map((e: { node: { metadata: { name: string } } }) => e.node.metadata.name),
        ).toEqual([name]);
      }
    });

    it.each(KEYS)('an Impersonate-Extra-%s header is checked and kept like any other', async (key) => {
      const impersonate = (bearer: string) =>
        t.fetch('/graphql', {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${bearer}`,
            'impersonate-user': 'erin',
            [`impersonate-extra-${key}`]: 'v',
          },
          body: JSON.stringify({ query: '{ whoami { username extra } }' }),
        });
      // the admin may impersonate anything: the extra arrives under its own key
      const asAdmin = await impersonate(t.adminToken);
      expect(((await asAdmin.json()) as { data: unknown }).data).toEqual({
        whoami: { username: 'erin', extra: { [key.toLowerCase()]: ['v'] } },
      });
      // an account allowed to impersonate users, and no extras, is refused this one
      const sa = `imp-${KEYS.indexOf(key)}`;
      await serviceAccount(t, 'sec', sa);
      const name = `imp-${KEYS.indexOf(key)}`;
      await t.ok('mutation ($i: ClusterRoleInput!) { createClusterRole(input: $i) { id } }', {
        i: { metadata: { name }, rules: [{ verbs: ['impersonate'], apiGroups: [''], resources: ['users'] }] },
      });
      await t.ok('mutation ($i: ClusterRoleBindingInput!) { createClusterRoleBinding(input: $i) { id } }', {
        i: {
          metadata: { name },
          roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name },
          subjects: [{ kind: 'ServiceAccount', name: sa, namespace: 'sec' }],
        },
      });
      const refused = await impersonate(await token(t, 'sec', sa));
      expect(refused.status).toBe(403);
      const body = (await refused.json()) as { errors: { message: string; extensions: { code: string } }[] };
      expect(body.errors[0].extensions.code).toBe('FORBIDDEN');
      expect(body.errors[0].message).toContain(`cannot impersonate resource "userextras/${key.toLowerCase()}"`);
    });
  });

  describe('8. errors never repeat Secret values', () => {
    it('masks the value in variable coercion and literal errors', async () => {
      const variable = await t.gql('mutation ($i: SecretInput!) { createSecret(namespace: "sec", input: $i) { id } }', {
        i: { metadata: { name: 'echo' }, stringData: { password: 'hunter2', count: 5 } },
      });
      expect(codes(variable)).toEqual(['BAD_REQUEST']);
      expect(variable.errors![0].message).toBe(
        'Variable "$i" got invalid value at "i.stringData"; StringMap must be an object whose values are all strings',
      );
      const wrongType = await t.gql(
        'mutation ($i: SecretInput!) { createSecret(namespace: "sec", input: $i) { id } }',
        {
          i: { metadata: { name: 'echo' }, immutable: 'hunter2' },
        },
      );
      expect(wrongType.errors![0].message).toBe(
        'Variable "$i" got invalid value at "i.immutable"; Boolean cannot represent a non boolean value.',
      );
      const literal = await t.gql(
        'mutation { createSecret(namespace: "sec", input: { metadata: { name: "echo" }, stringData: ' +
          '{ password: "hunter2", n: 5 } }) { id } }',
      );
      const unknownField = await t.gql(
        'mutation ($i: SecretInput!) { createSecret(namespace: "sec", input: $i) { id } }',
        {
          i: { metadata: { name: 'echo' }, stringDta: { password: 'hunter2' } },
        },
      );
      for (const res of [variable, wrongType, literal, unknownField]) {
        expect(res.errors?.length).toBeGreaterThan(0);
        expect(JSON.stringify(res)).not.toContain('hunter2');
      }
    });
  });

  describe('9. whoCan shows only what the caller may read', () => {
    it('needs to read the roles as well as the bindings', async () => {
      await grantCluster(t, 'auditor', [
        { verbs: ['list'], apiGroups: [RBAC], resources: ['clusterrolebindings', 'rolebindings'] },
      ]);
      const WHO = '{ whoCan(verb: "get", resource: "secrets", namespace: "sec", name: "pin") { subject { name } } }';
      const refused = await gqlAs(t, { user: 'auditor' }, WHO);
      expect(codes(refused)).toEqual(['FORBIDDEN']);
      expect(refused.errors![0].message).toMatch(/cannot list resource "(cluster)?roles"/);
      await grantCluster(t, 'auditor', [{ verbs: ['list'], apiGroups: [RBAC], resources: ['clusterroles', 'roles'] }]);
      const allowed = await gqlAs(t, { user: 'auditor' }, WHO);
      expect(allowed.errors).toBeUndefined();
      expect(allowed.data?.whoCan.map((e: { subject: { name: string } }) => e.subject.name)).toContain(
        'system:masters',
      );
    });
  });

  describe('10. CORS', () => {
    const preflight = (app: TestApp, origin: string) =>
      app.fetch('/graphql', {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type',
        },
      });
    const post = (app: TestApp, origin: string) =>
      app.fetch('/graphql', {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });

    it('sends no Access-Control-Allow-Origin when no origins are configured', async () => {
      for (const res of [await preflight(t, 'https://evil.example'), await post(t, 'https://evil.example')]) {
        expect(res.headers.get('access-control-allow-origin')).toBeNull();
        expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      }
    });

    it('allows exactly the configured origins', async () => {
      const app = await t.replica({ http: { corsOrigins: ['https://console.example'] } });
      try {
        expect((await preflight(app, 'https://console.example')).headers.get('access-control-allow-origin')).toBe(
          'https://console.example',
        );
        expect((await post(app, 'https://console.example')).headers.get('access-control-allow-origin')).toBe(
          'https://console.example',
        );
        expect((await post(app, 'https://evil.example')).headers.get('access-control-allow-origin')).not.toBe(
          'https://evil.example',
        );
      } finally {
        await app.close();
      }
    });
  });
});

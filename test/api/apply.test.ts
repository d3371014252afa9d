/**
 * `Mutation.apply`: real-world manifests as they are written (../shared/real-manifests), applied
 * and applied again unchanged; field ownership of the last apply; dry runs; one transaction;
 * errors that name the document; the caller's own permissions per object.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gqlAs, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, namespace } from '../helpers/fixtures.js';

// ../shared/real-manifests beside the repository (or where KEYWAY_REAL_MANIFESTS says; a clean
// clone elsewhere finds the team's copy at /work/shared)
const CANDIDATES = [
  process.env.KEYWAY_REAL_MANIFESTS,
  new URL('../../../shared/real-manifests', import.meta.url).pathname,
  '/work/shared/real-manifests',
].filter((p): p is string => !!p);
const MANIFESTS = `${CANDIDATES.find((p) => existsSync(p)) ?? CANDIDATES[0]}/`;
const files = existsSync(MANIFESTS)
  ? readdirSync(MANIFESTS)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort()
  : [];
if (!files.length) console.warn(`apply: no real manifests in ${CANDIDATES.join(' or ')}; those tests are skipped`);

const APPLY = `mutation ($m: String!, $dry: Boolean, $ns: String, $skip: Boolean) {
  apply(manifests: $m, dryRun: $dry, namespace: $ns, skipUnsupported: $skip) { kind namespace name action } }`;

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** What the server sets, which an export leaves out. */
const SERVER_SET = [
  'uid:',
  'resourceVersion:',
  'creationTimestamp:',
  'keyway.dev/last-applied',
  'status:',
  'kubernetes.io/metadata.name',
  '- kubernetes\n',
];

describe.each(ENGINES)('apply (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  const apply = async (m: string, vars: Record<string, unknown> = {}) =>
    (await t.ok(APPLY, { m, ...vars })).apply as {
      kind: string;
      namespace: string | null;
      name: string;
      action: string;
    }[];

  describe.skipIf(!files.length)('real-world manifests', () => {
    it.each(files)('applies %s as it is, then again unchanged', async (file) => {
      const text = readFileSync(`${MANIFESTS}${file}`, 'utf8');
      const first = await apply(text, { skip: true });
      expect(first.length).toBeGreaterThan(0);
      // every kind in them is one of ours: none may be skipped as misread
      for (const r of first) expect(r.action, `${r.kind} ${r.name}`).toBe('CREATED');
      const again = await apply(text, { skip: true });
      expect(again.map((r) => r.action)).toEqual(first.map(() => 'UNCHANGED'));
    });

    it('exports what it applied as YAML that applies back unchanged, Secret values only when asked', async () => {
      for (const file of files) await apply(readFileSync(`${MANIFESTS}${file}`, 'utf8'), { skip: true });
      const { export: withData } = await t.ok('{ export(includeSecretData: true) }');
      for (const field of SERVER_SET) {
        expect(withData).not.toContain(field);
      }
      expect(withData).toContain('password: MWYyZDFlMmU2N2Rm');
      const again = await apply(withData);
      expect(again.length).toBeGreaterThan(100);
      expect(again.filter((r) => r.action !== 'UNCHANGED')).toEqual([]);
      const { export: without } = await t.ok('{ export(namespace: "default", kinds: [Secret, ServiceAccount]) }');
      expect(without).toContain('name: secret-env');
      expect(without).not.toContain('MWYyZDFlMmU2N2Rm');
      expect((await apply(without)).filter((r) => r.action !== 'UNCHANGED')).toEqual([]);
      const kept = await t.ok('{ secret(namespace: "default", name: "secret-env") { data } }');
      expect(kept.secret.data.password).toBe('MWYyZDFlMmU2N2Rm');
    });

    it("keeps and returns the Kubernetes fields Keyway does not type (a Pod's command, resources)", async () => {
      await apply(readFileSync(`${MANIFESTS}dashboard-test-pods.yaml`, 'utf8'));
      const data = await t.ok('{ pod(namespace: "default", name: "env-variables") { json } }');
      const pod = data.pod.json;
      expect(pod).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'env-variables' } });
      expect(pod.spec.restartPolicy).toBe('Never');
      const [container] = pod.spec.containers;
      expect(container.command).toEqual(['sh', '-c']);
      expect(container.resources).toEqual({
        requests: { memory: '32Mi', cpu: '125m' },
        limits: { memory: '64Mi', cpu: '250m' },
      });
      expect(container.env[0]).toEqual({
        name: 'MY_POD_NAME',
        valueFrom: { fieldRef: { fieldPath: 'metadata.name' } },
      });
      expect(container.env[1].valueFrom.resourceFieldRef).toEqual({
        containerName: 'test-container',
        resource: 'requests.memory',
      });
    });

    const review = async (user: string, attrs: Record<string, string>) => {
      const data = await t.ok('query ($i: SubjectAccessReviewInput!) { subjectAccessReview(input: $i) { allowed } }', {
        i: { user, groups: ['system:serviceaccounts', 'system:authenticated'], resourceAttributes: attrs },
      });
      return data.subjectAccessReview.allowed as boolean;
    };
    it.each([
      [
        'system:serviceaccount:kube-system:metrics-server',
        { verb: 'get', resource: 'nodes', subresource: 'metrics' },
        true,
      ],
      ['system:serviceaccount:kube-system:metrics-server', { verb: 'list', resource: 'pods', namespace: 'x' }, true],
      ['system:serviceaccount:kube-system:metrics-server', { verb: 'delete', resource: 'pods', namespace: 'x' }, false],
      ['system:serviceaccount:kube-system:metrics-server', { verb: 'get', resource: 'secrets', namespace: 'x' }, false],
      ['system:serviceaccount:default:nfs-client-provisioner', { verb: 'create', resource: 'persistentvolumes' }, true],
      [
        'system:serviceaccount:default:nfs-client-provisioner',
        { verb: 'patch', resource: 'endpoints', namespace: 'default' },
        true,
      ],
      [
        'system:serviceaccount:default:nfs-client-provisioner',
        { verb: 'patch', resource: 'endpoints', namespace: 'other' },
        false,
      ],
      [
        'system:serviceaccount:default:nfs-client-provisioner',
        { verb: 'update', resource: 'persistentvolumes' },
        false,
      ],
      // through bootstrap roles the manifests bind to, and through an aggregated role
      [
        'system:serviceaccount:kube-system:metrics-server',
        { verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews' },
        true,
      ],
      [
        'system:serviceaccount:kube-system:metrics-server',
        { verb: 'get', resource: 'configmaps', namespace: 'kube-system', name: 'extension-apiserver-authentication' },
        true,
      ],
      [
        'system:serviceaccount:knative-serving:controller',
        { verb: 'list', group: 'serving.knative.dev', resource: 'routes' },
        true,
      ],
      [
        'system:serviceaccount:knative-serving:controller',
        { verb: 'list', group: 'serving.knative.dev', resource: 'revisions' },
        true,
      ],
      ['system:serviceaccount:knative-serving:controller', { verb: 'create', resource: 'pods', namespace: 'x' }, true],
      ['system:serviceaccount:knative-serving:activator', { verb: 'delete', resource: 'pods', namespace: 'x' }, false],
    ])('grants what Kubernetes would: %s %o → %s', async (user, attrs, allowed) => {
      // (an aggregated role's rules follow its sources a moment after they are written)
      await eventually(async () => expect(await review(user, attrs)).toBe(allowed));
    });
  });

  it('makes labels so again; keeps a body field another writer changed until the manifest changes it', async () => {
    const m =
      'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n' +
      'metadata: { name: drifted, namespace: default, labels: { tier: web } }\n' +
      'rules: [{ apiGroups: [""], resources: [pods], verbs: [get] }]\n';
    expect((await apply(m)).map((r) => r.action)).toEqual(['CREATED']);
    await t.ok(
      'mutation { updateRole(namespace: "default", input: { metadata: { name: "drifted", labels: { tier: "db" } }, ' +
        'rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "delete"] }] }) { id } }',
    );
    expect((await apply(m)).map((r) => r.action)).toEqual(['CONFIGURED']);
    const read = () => t.ok('{ role(namespace: "default", name: "drifted") { metadata { labels } rules { verbs } } }');
    expect((await read()).role).toEqual({
      metadata: { labels: { tier: 'web' } },
      rules: [{ verbs: ['get', 'delete'] }],
    });
    expect((await apply(m)).map((r) => r.action)).toEqual(['UNCHANGED']);
    // the manifest changes the rules: they are its again
    expect((await apply(m.replace('verbs: [get]', 'verbs: [get, list]'))).map((r) => r.action)).toEqual(['CONFIGURED']);
    expect((await read()).role.rules).toEqual([{ verbs: ['get', 'list'] }]);
  });

  it('owns the fields the last apply set: removes those it no longer sets, keeps what others set', async () => {
    await namespace(t, 'own');
    const manifest = (labels: string, data: string, automount: string) => `
apiVersion: v1
kind: ServiceAccount
metadata: { name: robot, namespace: own, labels: { ${labels} } }
${automount}
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: own }
stringData: { ${data} }
`;
    expect(
      (await apply(manifest('a: "1", b: "2"', 'x: one, y: two', 'automountServiceAccountToken: false'))).map(
        (r) => r.action,
      ),
    ).toEqual(['CREATED', 'CREATED']);
    // another writer adds a label and a data key
    await t.ok(
      'mutation { updateServiceAccount(namespace: "own", input: { metadata: { name: "robot", ' +
        'labels: { a: "1", b: "2", c: "3" } } }) { id } }',
    );
    await t.ok(
      'mutation { updateSecret(namespace: "own", input: { metadata: { name: "creds" }, ' +
        'stringData: { z: "theirs" } }) { id } }',
    );
    const second = await apply(manifest('a: "1"', 'x: one', ''));
    expect(second.map((r) => r.action)).toEqual(['CONFIGURED', 'CONFIGURED']);
    const data =
      await t.ok(`{ serviceAccount(namespace: "own", name: "robot") { automountServiceAccountToken metadata { labels } }
      secret(namespace: "own", name: "creds") { data } }`);
    expect(data.serviceAccount.metadata.labels).toEqual({ a: '1', c: '3' });
    expect(data.serviceAccount.automountServiceAccountToken).toBeNull();
    expect(data.secret.data).toEqual({ x: b64('one'), z: b64('theirs') });
    expect((await apply(manifest('a: "1"', 'x: one', ''))).map((r) => r.action)).toEqual(['UNCHANGED', 'UNCHANGED']);
  });

  it('dry-runs: the same actions, nothing written', async () => {
    const m =
      'apiVersion: v1\nkind: Namespace\nmetadata: { name: dry }\n---\n' +
      'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: a, namespace: dry }\n';
    expect((await apply(m, { dry: true })).map((r) => r.action)).toEqual(['CREATED', 'CREATED']);
    expect((await t.gql('{ namespace(name: "dry") { id } }')).errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect((await apply(m)).map((r) => r.action)).toEqual(['CREATED', 'CREATED']);
  });

  it('writes all or nothing, and names the document, kind, name and field of an error', async () => {
    const m = `apiVersion: v1
kind: ServiceAccount
metadata: { name: first, namespace: default }
---
# a comment-only document is nothing
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: broken, namespace: default }
rules: [{ apiGroups: [""], resources: ["pods"] }]
`;
    const res = await t.gql(APPLY, { m });
    const error = res.errors![0];
    expect(error.extensions).toMatchObject({
      code: 'INVALID',
      document: 2,
      kind: 'Role',
      namespace: 'default',
      name: 'broken',
    });
    expect(error.message).toMatch(
      /^document 2 \(Role default\/broken\): Role.rbac.authorization.k8s.io "broken" is invalid: rules\[0\]\.verbs/,
    );
    expect(error.extensions.causes[0].field).toBe('rules[0].verbs');
    expect(
      (await t.gql('{ serviceAccount(namespace: "default", name: "first") { id } }')).errors?.[0].extensions.code,
    ).toBe('NOT_FOUND');
  });

  it.each([
    ['a label that is a number', 'ServiceAccount', 'metadata: { name: n1, labels: { a: 1 } }', 'metadata.labels'],
    [
      'a boolean given as a string',
      'ServiceAccount',
      'metadata: { name: n2 }\nautomountServiceAccountToken: "yes"',
      'automountServiceAccountToken',
    ],
    [
      'verbs as a string',
      'Role',
      'metadata: { name: n3 }\nrules: [{ apiGroups: [""], resources: [pods], verbs: get }]',
      'rules[0].verbs',
    ],
    ['rules as a string', 'Role', 'metadata: { name: n4 }\nrules: all', 'rules'],
    ['containers as a string', 'Pod', 'metadata: { name: n5 }\nspec: { containers: x }', 'spec.containers'],
    ['Secret data that is not text', 'Secret', 'metadata: { name: n6 }\ndata: { a: 1 }', 'data'],
    [
      'a mode that is not a number',
      'Pod',
      'metadata: { name: n7 }\nspec: { containers: [{ name: c, image: i }], volumes: [{ name: v, ' +
        'secret: { secretName: s, defaultMode: rw } }] }',
      'spec.volumes[0].secret.defaultMode',
    ],
  ])('refuses %s as INVALID, naming the document and the field, never INTERNAL', async (_name, kind, body, at) => {
    const apiVersion = kind === 'Role' ? 'rbac.authorization.k8s.io/v1' : 'v1';
    const res = await t.gql(APPLY, {
      m:
        'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: typed-ok }\n---\n' +
        `apiVersion: ${apiVersion}\nkind: ${kind}\n${body}\n`,
    });
    expect(res.errors?.[0].extensions).toMatchObject({ code: 'INVALID', document: 1, kind });
    expect(res.errors?.[0].extensions.causes.map((c: { field: string }) => c.field)).toEqual([at]);
    expect(res.errors?.[0].message).toMatch(/^document 1 \(/);
    // all or nothing: the first document was not written either
    const ok = await t.gql('{ serviceAccount(namespace: "default", name: "typed-ok") { id } }');
    expect(ok.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('reads YAML as kubectl does (1.1: 0644 is octal, yes is true); exports what reads back the same', async () => {
    const m = `apiVersion: v1
kind: ServiceAccount
metadata: { name: yaml11, labels: { enabled: "yes", mode: "0644" } }
automountServiceAccountToken: no
---
apiVersion: v1
kind: Pod
metadata: { name: yaml11 }
spec:
  serviceAccountName: yaml11
  containers: [{ name: c, image: busybox }]
  volumes: [{ name: v, secret: { secretName: s, defaultMode: 0644 } }]
`;
    expect((await apply(m)).map((r) => r.action)).toEqual(['CREATED', 'CREATED']);
    const read = await t.ok(`{ serviceAccount(namespace: "default", name: "yaml11") { automountServiceAccountToken
      metadata { labels } }
      pod(namespace: "default", name: "yaml11") { spec { volumes { secret { defaultMode } } } } }`);
    expect(read.serviceAccount).toEqual({
      automountServiceAccountToken: false,
      metadata: { labels: { enabled: 'yes', mode: '0644' } },
    });
    expect(read.pod.spec.volumes.find((v: { secret: unknown }) => v.secret).secret.defaultMode).toBe(0o644);
    // exported, the strings kubectl would read as a boolean or a number are quoted, and apply back unchanged
    const { export: text } = await t.ok('{ export(namespace: "default", kinds: [ServiceAccount]) }');
    expect(text).toContain('enabled: "yes"');
    expect(text).toContain('mode: "0644"');
    expect((await apply(text)).every((r) => r.action === 'UNCHANGED')).toBe(true);
    const tooOpen = await t.gql(APPLY, {
      m:
        'apiVersion: v1\nkind: Pod\nmetadata: { name: open }\nspec: { containers: [{ name: c, image: i }], ' +
        'volumes: [{ name: v, secret: { secretName: s, defaultMode: 01000 } }] }\n',
    });
    expect(tooOpen.errors?.[0].extensions.causes[0].field).toBe('spec.volumes[0].secret.defaultMode');
  });

  it('applies a namespace and a Pod that runs as its default ServiceAccount together, dry run too', async () => {
    const m = `apiVersion: v1
kind: Namespace
metadata: { name: together }
---
apiVersion: v1
kind: Pod
metadata: { name: p, namespace: together }
spec: { containers: [{ name: c, image: busybox }] }
`;
    expect((await apply(m, { dry: true })).map((r) => r.action)).toEqual(['CREATED', 'CREATED']);
    expect((await apply(m)).map((r) => r.action)).toEqual(['CREATED', 'CREATED']);
    const pod = await t.ok('{ pod(namespace: "together", name: "p") { spec { serviceAccountName } } }');
    expect(pod.pod.spec.serviceAccountName).toBe('default');
    expect((await apply(m)).map((r) => r.action)).toEqual(['UNCHANGED', 'UNCHANGED']);
  });

  it("names the document when admission's last word is a refusal it waited for", async () => {
    // no controllers: nothing makes the namespace's default ServiceAccount
    const bare = await startTestApp(engine, { controllers: false });
    try {
      await namespace(bare, 'bare');
      const res = await bare.gql(APPLY, {
        m:
          'apiVersion: v1\nkind: Pod\nmetadata: { name: p, namespace: bare }\n' +
          'spec: { containers: [{ name: c, image: i }] }\n',
      });
      expect(res.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', document: 0, kind: 'Pod', name: 'p' });
      expect(res.errors?.[0].message).toMatch(/^document 0 \(Pod bare\/p\): pods "p" is forbidden: error looking up/);
    } finally {
      await bare.close();
    }
  });

  it('refuses a kind it does not serve unless asked to skip it; takes Lists and JSON', async () => {
    const deployment = 'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: web }\nspec: {}\n';
    const refused = await t.gql(APPLY, { m: deployment });
    expect(refused.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    expect(refused.errors?.[0].message).toBe(
      'document 0 (Deployment web): apps/v1 Deployment is not a kind Keyway serves ' +
        '(pass skipUnsupported: true to skip it)',
    );
    expect(await apply(deployment, { skip: true })).toEqual([
      { kind: 'Deployment', namespace: null, name: 'web', action: 'SKIPPED' },
    ]);
    const list = JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'from-list' } }],
    });
    expect(await apply(list, { ns: 'own' })).toEqual([
      { kind: 'ServiceAccount', namespace: 'own', name: 'from-list', action: 'CREATED' },
    ]);
    const mismatch = await t.gql(APPLY, {
      m: 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: x, namespace: a }\n',
      ns: 'b',
    });
    expect(mismatch.errors?.[0].message).toContain('does not match the namespace "b"');
    expect((await t.gql(APPLY, { m: 'kind: [' })).errors?.[0].extensions.code).toBe('BAD_REQUEST');
  });

  it('exports Secret values only to a caller who may get each Secret, and never IssuedTokens', async () => {
    await grant(t, 'own', 'lister', [{ verbs: ['list'], apiGroups: [''], resources: ['secrets'] }]);
    const listed = await gqlAs(t, { user: 'lister' }, '{ export(namespace: "own", kinds: [Secret]) }');
    expect(listed.errors).toBeUndefined();
    expect(listed.data!.export).toContain('name: creds');
    expect(listed.data!.export).not.toContain(b64('one'));
    const values = await gqlAs(
      t,
      { user: 'lister' },
      '{ export(namespace: "own", kinds: [Secret], includeSecretData: true) }',
    );
    expect(values.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(values.errors?.[0].message).toContain('cannot get resource "secrets"');
    expect((await t.gql('{ export(kinds: [IssuedToken]) }')).errors?.[0].extensions.code).toBe('BAD_REQUEST');
    // a Secret's json holds its data: get on it, as its data field
    const json = await gqlAs(t, { user: 'lister' }, '{ secrets(namespace: "own") { edges { node { json } } } }');
    expect(json.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(JSON.stringify(json)).not.toContain(b64('one'));
  });

  it("applies with the caller's own permissions: create when new, patch when it exists", async () => {
    await namespace(t, 'team');
    await grant(t, 'team', 'dev', [{ verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts'] }]);
    const sa = 'apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: app, labels: { v: "1" } }\n';
    const role = 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: { name: r }\nrules: []\n';
    const both = await gqlAs(t, { user: 'dev' }, APPLY, { m: `${sa}---\n${role}`, ns: 'team' });
    expect(both.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect((await t.gql('{ serviceAccount(namespace: "team", name: "app") { id } }')).errors?.[0].extensions.code).toBe(
      'NOT_FOUND',
    );
    expect((await gqlAs(t, { user: 'dev' }, APPLY, { m: sa, ns: 'team' })).data?.apply[0].action).toBe('CREATED');
    // changing it is a patch, which dev may not do
    const changed = await gqlAs(t, { user: 'dev' }, APPLY, { m: sa.replace('"1"', '"2"'), ns: 'team' });
    expect(changed.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(changed.errors?.[0].message).toContain('cannot patch resource "serviceaccounts"');
  });
});

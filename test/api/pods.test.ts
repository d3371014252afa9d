/**
 * Pods through the API: spec validation, ServiceAccount admission (default account, missing
 * account refused with nothing stored, token automount, imagePullSecrets, mountable-secrets
 * enforcement over every reference path), bound tokens following their Pod, and admission inside
 * the create's transaction (a concurrent ServiceAccount delete never leaves a Pod behind it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { review, token } from '../helpers/tokens.js';
import { namespace } from '../helpers/fixtures.js';

const SPEC = `spec {
  serviceAccountName automountServiceAccountToken imagePullSecrets { name }
  initContainers { name volumeMounts { name mountPath readOnly } }
  containers { name volumeMounts { name mountPath readOnly } }
  volumes { name secret { secretName } projected { defaultMode sources {
    serviceAccountToken { audience expirationSeconds path } secret { name }
    configMap { name items { key path } } downwardAPI { items { path fieldRef { apiVersion fieldPath } } } } } }
}`;
const CREATE_POD =
  `mutation ($ns: String!, $i: PodInput!) { createPod(namespace: $ns, input: $i) { metadata { ` +
  `name uid resourceVersion } ${SPEC} } }`;
const CREATE_SA =
  'mutation ($ns: String!, $i: ServiceAccountInput!) { createServiceAccount(namespace: $ns, input: ' +
  '$i) { metadata { uid } } }';
const MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

const container = (name: string, more: Record<string, unknown> = {}) => ({ name, image: 'busybox', ...more });
const podInput = (name: string, spec: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  metadata: { name, ...metadata },
  spec: { containers: [container('app')], ...spec },
});

/** The projected volume Kubernetes' ServiceAccount admission adds, under whatever name it drew. */
const tokenVolume = (name: string) => ({
  name,
  secret: null,
  projected: {
    defaultMode: 420,
    sources: [
      {
        serviceAccountToken: { audience: null, expirationSeconds: 3607, path: 'token' },
        secret: null,
        configMap: null,
        downwardAPI: null,
      },
      {
        serviceAccountToken: null,
        secret: null,
        configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] },
        downwardAPI: null,
      },
      {
        serviceAccountToken: null,
        secret: null,
        configMap: null,
        downwardAPI: {
          items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
        },
      },
    ],
  },
});

describe.each(ENGINES)('pods (%s)', (engine) => {
  let t: TestApp;
  const ns = 'shop';
  const create = (input: object, namespaceName = ns) => t.gql(CREATE_POD, { ns: namespaceName, i: input });
  const createOk = async (input: object, namespaceName = ns) =>
    (await t.ok(CREATE_POD, { ns: namespaceName, i: input })).createPod;
  const account = (name: string, more: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) =>
    t.ok(CREATE_SA, { ns, i: { metadata: { name, ...metadata }, ...more } });
  const podCount = async (namespaceName = ns) =>
    (await t.ok('query ($ns: String!) { pods(namespace: $ns) { totalCount } }', { ns: namespaceName })).pods.totalCount;

  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, ns);
  });
  afterAll(() => t.close());

  describe('spec validation', () => {
    it('refuses an invalid spec with every error and its path, and stores nothing', async () => {
      const res = await create(
        podInput('broken', {
          initContainers: [container('app')],
          containers: [
            container('app', { volumeMounts: [{ name: 'nope', mountPath: '/data' }] }),
            container('Bad_Name'),
          ],
          volumes: [
            { name: 'data', secret: { secretName: 's' } },
            { name: 'data', secret: { secretName: 't' } },
          ],
        }),
      );
      expect(res.errors?.[0].extensions.code).toBe('INVALID');
      const causes = res.errors![0].extensions.causes.map(
        (c: { field: string; message: string }) => `${c.field}: ${c.message}`,
      );
      expect(causes).toEqual(
        expect.arrayContaining([
          'spec.volumes[1].name: Duplicate value: "data"',
          'spec.initContainers[0].name: Duplicate value: "app"',
          'spec.containers[0].volumeMounts[0].name: Not found: "nope"',
          expect.stringMatching(
            /^spec\.containers\[1\]\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 label must consist of/,
          ),
        ]),
      );
      expect(res.errors![0].message).toMatch(/^Pod "broken" is invalid: \[/);
      expect(await podCount()).toBe(0);
    });

    it('lets only labels and annotations change after create', async () => {
      await createOk(podInput('fixed'));
      const changed = await t.gql(
        'mutation { updatePod(namespace: "shop", input: { metadata: { name: "fixed" }, spec: { containers: ' +
          '[{ name: "app", image: "nginx" }] } }) { id } }',
      );
      expect(changed.errors?.[0].extensions.code).toBe('INVALID');
      expect(changed.errors?.[0].message).toContain('spec: Forbidden: pod updates may not change fields other than');
      const relabelled = await t.ok(
        'mutation { updatePod(namespace: "shop", input: { metadata: { name: "fixed", labels: { tier: ' +
          '"web" }, annotations: { note: "x" } } }) { metadata { labels annotations } } }',
      );
      expect(relabelled.updatePod.metadata).toEqual({ labels: { tier: 'web' }, annotations: { note: 'x' } });
      await t.ok('mutation { deletePod(namespace: "shop", name: "fixed") { id } }');
    });
  });

  describe('the ServiceAccount', () => {
    it('runs a Pod that names none as default (the seed: default ServiceAccount assignment)', async () => {
      const pod = await createOk(podInput('web'));
      expect(pod.spec.serviceAccountName).toBe('default');
      const read = await t.ok('{ pod(namespace: "shop", name: "web") { serviceAccount { metadata { name } } } }');
      expect(read.pod.serviceAccount.metadata.name).toBe('default');
    });

    it('refuses a Pod whose ServiceAccount does not exist, with Kubernetes’ message, and stores nothing', async () => {
      const head = await t.app.store.read.head();
      const res = await create(podInput('orphan', { serviceAccountName: 'ghost' }));
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toBe(
        'pods "orphan" is forbidden: error looking up service account shop/ghost: serviceaccount "ghost" not found',
      );
      expect((await t.gql('{ pod(namespace: "shop", name: "orphan") { id } }')).errors?.[0].extensions.code).toBe(
        'NOT_FOUND',
      );
      expect((await t.app.store.read.changesAfter(head, 100)).filter((c) => c.kind === 'Pod')).toEqual([]);
    });

    it('looks for a missing default as Kubernetes does: found if it comes in time, refused if not', async () => {
      // its own database and no controllers: the test decides when `default` appears
      const quiet = await startTestApp(engine, { controllers: false });
      try {
        await namespace(quiet, 'late');
        const pending = quiet.gql(CREATE_POD, { ns: 'late', i: podInput('patient') });
        await new Promise((resolve) => setTimeout(resolve, 300));
        await quiet.ok(CREATE_SA, { ns: 'late', i: { metadata: { name: 'default' } } });
        const created = await pending;
        expect(created.errors).toBeUndefined();
        expect(created.data!.createPod.spec.serviceAccountName).toBe('default');

        await namespace(quiet, 'bare');
        const started = Date.now();
        const res = await quiet.gql(CREATE_POD, { ns: 'bare', i: podInput('p') });
        expect(res.errors?.[0].message).toBe(
          'pods "p" is forbidden: error looking up service account bare/default: serviceaccount "default" not found',
        );
        expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 9 pauses of 100–200 ms
      } finally {
        await quiet.close();
      }
    });
  });

  describe('token automount', () => {
    it('mounts a kube-api-access volume read-only in every container and init container', async () => {
      const pod = await createOk(
        podInput('mounted', {
          initContainers: [container('init')],
          containers: [
            container('app'),
            container('sidecar', { volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }),
          ],
          volumes: [{ name: 'cache', projected: { sources: [] } }],
        }),
      );
      const volume = pod.spec.volumes.find((v: { name: string }) => v.name.startsWith('kube-api-access-'));
      expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(volume).toEqual(tokenVolume(volume.name));
      const mount = { name: volume.name, mountPath: MOUNT_PATH, readOnly: true };
      expect(pod.spec.initContainers[0].volumeMounts).toEqual([mount]);
      expect(pod.spec.containers[0].volumeMounts).toEqual([mount]);
      expect(pod.spec.containers[1].volumeMounts).toEqual([
        { name: 'cache', mountPath: '/cache', readOnly: null },
        mount,
      ]);
      expect(pod.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['cache', volume.name]);
    });

    it('leaves a container that already mounts the path alone, and adds no volume if none needs it', async () => {
      const own = { name: 'mine', mountPath: MOUNT_PATH };
      const pod = await createOk(
        podInput('own-mount', {
          containers: [container('app', { volumeMounts: [own] })],
          volumes: [{ name: 'mine', secret: { secretName: 'creds' } }],
        }),
      );
      expect(pod.spec.containers[0].volumeMounts).toEqual([{ ...own, readOnly: null }]);
      expect(pod.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['mine']);

      const mixed = await createOk(
        podInput('mixed', {
          containers: [container('app', { volumeMounts: [own] }), container('other')],
          volumes: [{ name: 'mine', secret: { secretName: 'creds' } }],
        }),
      );
      expect(mixed.spec.containers[1].volumeMounts[0].mountPath).toBe(MOUNT_PATH);
      expect(mixed.spec.volumes).toHaveLength(2);
    });

    it('reuses a kube-api-access volume the Pod brings', async () => {
      const pod = await createOk(
        podInput('reuse', { volumes: [{ name: 'kube-api-access-mine', projected: { sources: [] } }] }),
      );
      expect(pod.spec.volumes.map((v: { name: string }) => v.name)).toEqual(['kube-api-access-mine']);
      expect(pod.spec.containers[0].volumeMounts).toEqual([
        { name: 'kube-api-access-mine', mountPath: MOUNT_PATH, readOnly: true },
      ]);
    });

    it.each([
      // [account's setting, pod's setting, mounted]
      [null, null, true],
      [true, null, true],
      [false, null, false],
      [null, false, false],
      [true, false, false],
      [false, true, true],
    ])('account %s, pod %s: mounted %s (the Pod wins, default true)', async (saSetting, podSetting, mounted) => {
      const name = `auto-${String(saSetting)}-${String(podSetting)}`;
      await account(name, saSetting === null ? {} : { automountServiceAccountToken: saSetting });
      const pod = await createOk(
        podInput(name, {
          serviceAccountName: name,
          ...(podSetting === null ? {} : { automountServiceAccountToken: podSetting }),
        }),
      );
      expect(pod.spec.volumes.some((v: { name: string }) => v.name.startsWith('kube-api-access-'))).toBe(mounted);
      expect(pod.spec.containers[0].volumeMounts.length).toBe(mounted ? 1 : 0);
    });

    it('opts out on the account and back in on the Pod (the seed scenario)', async () => {
      await account('build-robot', { automountServiceAccountToken: false });
      const off = await createOk(podInput('robot-off', { serviceAccountName: 'build-robot' }));
      expect(off.spec.volumes).toEqual([]);
      const on = await createOk(
        podInput('robot-on', { serviceAccountName: 'build-robot', automountServiceAccountToken: true }),
      );
      expect(on.spec.volumes).toEqual([tokenVolume(on.spec.volumes[0].name)]);
    });
  });

  describe('imagePullSecrets', () => {
    it('copies the account’s to a Pod that names none, and leaves a Pod’s own alone', async () => {
      await account('puller', { imagePullSecrets: [{ name: 'registry-a' }, { name: 'registry-b' }] });
      const copied = await createOk(podInput('pull-copied', { serviceAccountName: 'puller' }));
      expect(copied.spec.imagePullSecrets).toEqual([{ name: 'registry-a' }, { name: 'registry-b' }]);
      const own = await createOk(
        podInput('pull-own', { serviceAccountName: 'puller', imagePullSecrets: [{ name: 'mine' }] }),
      );
      expect(own.spec.imagePullSecrets).toEqual([{ name: 'mine' }]);
    });
  });

  describe('kubernetes.io/enforce-mountable-secrets', () => {
    const because = 'is not allowed because service account locked does not reference that secret';
    beforeAll(async () => {
      await account(
        'locked',
        { secrets: [{ name: 'allowed' }], imagePullSecrets: [{ name: 'pull-ok' }] },
        { annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } },
      );
    });

    const envRef = (name: string) => [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name, key: 'k' } } }];
    const envFrom = (name: string) => [{ secretRef: { name } }];
    // every path Kubernetes checks, allowed and refused; [case, spec, refusal or null]
    const cases: [string, Record<string, unknown>, string | null][] = [
      ['secret volume, listed', { volumes: [{ name: 'v', secret: { secretName: 'allowed' } }] }, null],
      [
        'secret volume, not listed',
        { volumes: [{ name: 'v', secret: { secretName: 'other' } }] },
        `volume with secret.secretName="other" ${because}`,
      ],
      ['init container env, listed', { initContainers: [container('init', { env: envRef('allowed') })] }, null],
      [
        'init container env, not listed',
        { initContainers: [container('init', { env: envRef('other') })] },
        `init container init with envVar TOKEN referencing secret.secretName="other" ${because}`,
      ],
      [
        'init container envFrom, listed',
        { initContainers: [container('init', { envFrom: envFrom('allowed') })] },
        null,
      ],
      [
        'init container envFrom, not listed',
        { initContainers: [container('init', { envFrom: envFrom('other') })] },
        `init container init with envFrom referencing secret.secretName="other" ${because}`,
      ],
      ['container env, listed', { containers: [container('app', { env: envRef('allowed') })] }, null],
      [
        'container env, not listed',
        { containers: [container('app', { env: envRef('other') })] },
        `container app with envVar TOKEN referencing secret.secretName="other" ${because}`,
      ],
      ['container envFrom, listed', { containers: [container('app', { envFrom: envFrom('allowed') })] }, null],
      [
        'container envFrom, not listed',
        { containers: [container('app', { envFrom: envFrom('other') })] },
        `container app with envFrom referencing secret.secretName="other" ${because}`,
      ],
      ['imagePullSecrets, listed', { imagePullSecrets: [{ name: 'pull-ok' }] }, null],
      [
        'imagePullSecrets, not listed',
        { imagePullSecrets: [{ name: 'pull-ok' }, { name: 'pull-other' }] },
        'imagePullSecrets[1].name="pull-other" is not allowed because service account locked does not ' +
          'reference that imagePullSecret',
      ],
      ['imagePullSecrets copied from the account', {}, null],
      [
        'a mountable secret is not a pull secret',
        { imagePullSecrets: [{ name: 'allowed' }] },
        'imagePullSecrets[0].name="allowed" is not allowed because service account locked does not ' +
          'reference that imagePullSecret',
      ],
      [
        'projected secret (not checked, as in Kubernetes)',
        { volumes: [{ name: 'p', projected: { sources: [{ secret: { name: 'other' } }] } }] },
        null,
      ],
      ['plain env values', { containers: [container('app', { env: [{ name: 'A', value: 'b' }] })] }, null],
      [
        'volumes are checked first',
        {
          volumes: [{ name: 'v', secret: { secretName: 'vol-secret' } }],
          initContainers: [container('init', { env: envRef('init-secret') })],
          imagePullSecrets: [{ name: 'pull-other' }],
        },
        `volume with secret.secretName="vol-secret" ${because}`,
      ],
      [
        'init containers before containers, env before envFrom',
        {
          initContainers: [container('init', { env: envRef('init-env'), envFrom: envFrom('init-from') })],
          containers: [container('app', { env: envRef('app-env') })],
        },
        `init container init with envVar TOKEN referencing secret.secretName="init-env" ${because}`,
      ],
      [
        'containers before imagePullSecrets',
        {
          containers: [container('app', { envFrom: envFrom('app-from') })],
          imagePullSecrets: [{ name: 'pull-other' }],
        },
        `container app with envFrom referencing secret.secretName="app-from" ${because}`,
      ],
    ];

    it.each(cases)('%s', async (label, spec, refusal) => {
      const name = `m-${label.replace(/[^a-z]+/gi, '-').toLowerCase()}`.slice(0, 60).replace(/-+$/, '');
      const res = await create(podInput(name, { serviceAccountName: 'locked', ...spec }));
      if (refusal === null) {
        expect(res.errors).toBeUndefined();
        return;
      }
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toBe(`pods "${name}" is forbidden: ${refusal}`);
      expect(
        (await t.gql('query ($n: String!) { pod(namespace: "shop", name: $n) { id } }', { n: name })).errors?.[0]
          .extensions.code,
      ).toBe('NOT_FOUND');
    });

    it.each([
      ['true', true, 0],
      ['1', true, 1],
      ['True', true, 2],
      ['false', false, 3],
      ['yes', false, 4],
      [null, false, 5],
    ])('annotation %s enforces: %s', async (value, enforced, n) => {
      const name = `enforce-${n}`;
      await account(
        name,
        {},
        value === null ? {} : { annotations: { 'kubernetes.io/enforce-mountable-secrets': value } },
      );
      const res = await create(
        podInput(name, { serviceAccountName: name, volumes: [{ name: 'v', secret: { secretName: 'anything' } }] }),
      );
      expect(res.errors?.[0].extensions.code).toBe(enforced ? 'FORBIDDEN' : undefined);
    });
  });

  describe('bound tokens follow their Pod', () => {
    it('fails the moment the Pod is deleted; a new Pod of the same name does not revive it', async () => {
      const pod = await createOk(podInput('runner'));
      const tok = await token(t, ns, 'default', {
        boundObjectRef: { kind: 'Pod', name: 'runner', uid: pod.metadata.uid },
      });
      expect((await review(t, tok)).authenticated).toBe(true);
      expect((await review(t, tok)).user.extra['authentication.kubernetes.io/pod-uid']).toEqual([pod.metadata.uid]);
      await t.ok('mutation { deletePod(namespace: "shop", name: "runner") { id } }');
      expect((await review(t, tok)).authenticated).toBe(false);
      await createOk(podInput('runner'));
      const after = await review(t, tok);
      expect(after.authenticated).toBe(false);
      expect(after.error).toContain('does not match');
    });
  });

  describe('admission inside the transaction', () => {
    // PGlite is one connection: its transactions run one after the other and cannot race.
    it.skipIf(engine === 'pglite')(
      'never stores a Pod whose ServiceAccount was deleted first, however the two race',
      async () => {
        for (let i = 0; i < 15; i++) {
          const sa = `racer-${i}`;
          await account(sa);
          const [created, deleted] = await Promise.all([
            create(podInput(`race-${i}`, { serviceAccountName: sa })),
            t.gql(
              'mutation ($ns: String!, $n: String!) { deleteServiceAccount(namespace: $ns, name: $n) { metadata ' +
                '{ resourceVersion } } }',
              { ns, n: sa },
            ),
          ]);
          expect(deleted.errors).toBeUndefined();
          const deletedAt = Number(deleted.data!.deleteServiceAccount.metadata.resourceVersion);
          if (created.errors) {
            expect(created.errors[0].message).toBe(
              `pods "race-${i}" is forbidden: error looking up service account shop/${sa}: serviceaccount ` +
                `"${sa}" not found`,
            );
          } else {
            // the Pod committed while its account still existed
            expect(Number(created.data!.createPod.metadata.resourceVersion)).toBeLessThan(deletedAt);
          }
        }
      },
    );
  });
});

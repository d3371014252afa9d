/**
 * Kubernetes object semantics for all eight kinds, through the GraphQL endpoint: metadata
 * (uid, resourceVersion, generation, timestamps, labels), create/get/update/delete, and the
 * errors a Kubernetes client expects, worded as Kubernetes words them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KINDS, qualifiedResource } from '../../src/apis/kinds.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { docs, KIND_CASES, META, namespaced } from '../helpers/kinds.js';
import { namespace } from '../helpers/fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339_SECONDS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

describe.each(ENGINES)('objects (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'objects');
  });
  afterAll(() => t.close());

  describe.each(KIND_CASES)('$kind', ({ kind, input, change, body }) => {
    const d = docs(kind, `${META} ${body}`);
    const ns = namespaced(kind) ? { namespace: 'objects' } : {};
    const name = `${kind.toLowerCase()}-one`;
    const field = (verb: string) => `${verb}${kind}`;
    const one = kind[0].toLowerCase() + kind.slice(1);
    let created: any;

    it('creates with server-set metadata', async () => {
      const before = Date.now();
      const data = await t.ok(d.create, {
        ...ns,
        input: { metadata: { name, labels: { app: 'web' }, annotations: { note: 'hi' } }, ...input },
      });
      created = data[field('create')];
      const m = created.metadata;
      expect(m.name).toBe(name);
      expect(m.namespace).toBe(namespaced(kind) ? 'objects' : null);
      expect(m.uid).toMatch(UUID);
      expect(m.resourceVersion).toMatch(/^\d+$/);
      expect(m.generation).toBe(1);
      expect(m.creationTimestamp).toMatch(RFC3339_SECONDS);
      expect(Date.parse(m.creationTimestamp)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
      expect(m.deletionTimestamp).toBeNull();
      expect(m.labels).toMatchObject({ app: 'web' });
      expect(m.annotations).toEqual({ note: 'hi' });
    });

    it('reads it back', async () => {
      const data = await t.ok(d.get, { ...ns, name });
      expect(data[one].metadata).toEqual(created.metadata);
    });

    it('refuses a second object of the same name with ALREADY_EXISTS', async () => {
      const res = await t.gql(d.create, { ...ns, input: { metadata: { name }, ...input } });
      expect(res.data?.[field('create')]).toBeNull();
      expect(res.errors?.[0].extensions.code).toBe('ALREADY_EXISTS');
      expect(res.errors?.[0].message).toBe(`${qualifiedResource(kind)} "${name}" already exists`);
      expect(res.errors?.[0].path).toEqual([field('create')]);
    });

    it('updates metadata without bumping generation', async () => {
      const data = await t.ok(d.update, {
        ...ns,
        input: { metadata: { name, labels: { app: 'api' }, resourceVersion: created.metadata.resourceVersion } },
      });
      const m = data[field('update')].metadata;
      expect(m.labels).toMatchObject({ app: 'api' });
      expect(m.annotations).toEqual({ note: 'hi' }); // omitted fields are kept
      expect(Number(m.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
      expect(m.generation).toBe(1);
      expect(m.uid).toBe(created.metadata.uid);
      expect(m.creationTimestamp).toBe(created.metadata.creationTimestamp);
      created = data[field('update')];
    });

    it.runIf(change !== null)('bumps generation when the body changes', async () => {
      const data = await t.ok(d.update, { ...ns, input: { metadata: { name }, ...change } });
      expect(data[field('update')].metadata.generation).toBe(2);
      created = data[field('update')];
    });

    it('writes nothing when an update changes nothing', async () => {
      const data = await t.ok(d.update, { ...ns, input: { metadata: { name } } });
      expect(data[field('update')].metadata.resourceVersion).toBe(created.metadata.resourceVersion);
    });

    it('refuses an update on a stale resourceVersion with CONFLICT', async () => {
      const res = await t.gql(d.update, {
        ...ns,
        input: { metadata: { name, labels: { x: 'y' }, resourceVersion: '1' } },
      });
      expect(res.errors?.[0].extensions.code).toBe('CONFLICT');
      expect(res.errors?.[0].message).toBe(
        `Operation cannot be fulfilled on ${qualifiedResource(kind)} "${name}": the object has been ` +
          `modified; please apply your changes to the latest version and try again`,
      );
    });

    it('answers NOT_FOUND for an object that does not exist', async () => {
      for (const doc of [d.get, d.delete]) {
        const res = await t.gql(doc, { ...ns, name: 'nope' });
        expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
        expect(res.errors?.[0].message).toBe(`${qualifiedResource(kind)} "nope" not found`);
      }
      const res = await t.gql(d.update, { ...ns, input: { metadata: { name: 'nope' } } });
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    });

    it.runIf(kind !== 'Namespace')('deletes and returns the object as last stored', async () => {
      const data = await t.ok(d.delete, { ...ns, name });
      expect(data[field('delete')].metadata.uid).toBe(created.metadata.uid);
      const res = await t.gql(d.get, { ...ns, name });
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
      expect(res.data?.[one]).toBeNull();
    });

    it('refuses an invalid name with INVALID and a cause', async () => {
      const res = await t.gql(d.create, {
        ...ns,
        input: { metadata: { name: kind.includes('Role') ? 'a/b' : 'Not_Valid' }, ...input },
      });
      const err = res.errors?.[0];
      expect(err?.extensions.code).toBe('INVALID');
      expect(err?.extensions.causes[0].field).toBe('metadata.name');
      const group = KINDS[kind].apiGroup ? `.${KINDS[kind].apiGroup}` : '';
      expect(
        err?.message.startsWith(
          `${kind}${group} "${kind.includes('Role') ? 'a/b' : 'Not_Valid'}" is invalid: metadata.name: Invalid value:`,
        ),
      ).toBe(true);
    });
  });

  it('draws every resourceVersion from one sequence across kinds', async () => {
    const versions: number[] = [];
    for (const { kind, input } of KIND_CASES) {
      const d = docs(kind, 'metadata { resourceVersion }');
      const data = await t.ok(d.create, {
        ...(namespaced(kind) ? { namespace: 'objects' } : {}),
        input: { metadata: { name: `seq-${kind.toLowerCase()}` }, ...input },
      });
      versions.push(Number(data[`create${kind}`].metadata.resourceVersion));
    }
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('generates a name from generateName', async () => {
    const data = await t.ok(
      'mutation { createServiceAccount(namespace: "objects", input: { metadata: { generateName: "worker-" ' +
        '} }) { metadata { name } } }',
    );
    expect(data.createServiceAccount.metadata.name).toMatch(/^worker-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('collects every validation error, each with its path', async () => {
    const res = await t.gql(docs('RoleBinding', 'metadata { name }').create, {
      namespace: 'objects',
      input: {
        metadata: { name: 'rb', labels: { 'bad key!': 'v' } },
        roleRef: { kind: 'Secret', name: '' },
        subjects: [
          { kind: 'Robot', name: 'x' },
          { kind: 'ServiceAccount', name: 'Bad' },
        ],
      },
    });
    const err = res.errors![0];
    expect(err.extensions.code).toBe('INVALID');
    expect(err.extensions.causes.map((c: { field: string }) => c.field)).toEqual([
      'metadata.labels',
      'roleRef.kind',
      'roleRef.name',
      'subjects[0].kind',
      'subjects[1].name',
    ]);
    expect(err.message).toMatch(
      /^RoleBinding\.rbac\.authorization\.k8s\.io "rb" is invalid: \[metadata\.labels: Invalid value: "bad key!": /,
    );
    expect(err.message).toContain(
      ', roleRef.kind: Unsupported value: "Secret": supported values: "Role", "ClusterRole", ' +
        'roleRef.name: Required value, ',
    );
    expect(err.extensions.causes[2]).toEqual({
      field: 'roleRef.name',
      message: 'Required value',
      reason: 'FieldValueRequired',
    });
  });

  it('refuses a namespace argument that disagrees with metadata.namespace', async () => {
    const res = await t.gql(
      'mutation { createServiceAccount(namespace: "objects", input: { metadata: { name: "x", namespace: ' +
        '"default" } }) { metadata { name } } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.errors?.[0].message).toBe(
      'the namespace of the provided object does not match the namespace sent on the request',
    );
  });

  it('refuses a namespace on a cluster-scoped kind', async () => {
    const res = await t.gql(
      'mutation { createClusterRole(input: { metadata: { name: "x", namespace: "default" } }) { metadata { name } } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('INVALID');
    expect(res.errors?.[0].extensions.causes).toEqual([
      { field: 'metadata.namespace', message: 'Forbidden: not allowed on this type', reason: 'FieldValueForbidden' },
    ]);
  });

  it('refuses to change a binding’s roleRef', async () => {
    await t.ok(
      'mutation { createRoleBinding(namespace: "objects", input: { metadata: { name: "fixed" }, roleRef: ' +
        '{ kind: "Role", name: "a" } }) { id } }',
    );
    const res = await t.gql(
      'mutation { updateRoleBinding(namespace: "objects", input: { metadata: { name: "fixed" }, roleRef: ' +
        '{ kind: "ClusterRole", name: "a" } }) { id } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('INVALID');
    expect(res.errors?.[0].extensions.causes[0]).toMatchObject({
      field: 'roleRef',
      message: expect.stringMatching(/: cannot change roleRef$/),
    });
  });

  it('lets only metadata of a Pod change after create', async () => {
    await t.ok(
      'mutation { createPod(namespace: "objects", input: { metadata: { name: "fixed" }, spec: { containers: ' +
        '[{ name: "c", image: "a" }] } }) { id } }',
    );
    const res = await t.gql(
      'mutation { updatePod(namespace: "objects", input: { metadata: { name: "fixed" }, spec: { containers: ' +
        '[{ name: "c", image: "b" }] } }) { id } }',
    );
    expect(res.errors?.[0].extensions.causes[0]).toMatchObject({ field: 'spec', reason: 'FieldValueForbidden' });
    const ok = await t.ok(
      'mutation { updatePod(namespace: "objects", input: { metadata: { name: "fixed", labels: { a: ' +
        '"b" } } }) { metadata { labels } spec { containers { image } } } }',
    );
    expect(ok.updatePod).toEqual({ metadata: { labels: { a: 'b' } }, spec: { containers: [{ image: 'a' }] } });
  });
});

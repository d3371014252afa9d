/**
 * Namespaces live as Kubernetes': the system ones exist from the first start, a delete makes a
 * namespace Terminating, its content goes, then it; nothing new gets in meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

const NS =
  'mutation ($n: String!) { createNamespace(input: { metadata: { name: $n } }) { metadata { name ' +
  'labels } status { phase } spec { finalizers } } }';
const DELETE =
  'mutation ($n: String!) { deleteNamespace(name: $n) { metadata { name deletionTimestamp } status { phase } } }';
const GET = 'query ($n: String!) { namespace(name: $n) { status { phase } } }';

describe.each(ENGINES)('namespaces (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('has default, kube-system, kube-public and kube-node-lease from the first start', async () => {
    const data = await t.ok('{ namespaces { edges { node { metadata { name } status { phase } } } } }');
    expect(data.namespaces.edges.map((e: any) => [e.node.metadata.name, e.node.status.phase])).toEqual([
      ['default', 'Active'],
      ['kube-node-lease', 'Active'],
      ['kube-public', 'Active'],
      ['kube-system', 'Active'],
    ]);
  });

  it('labels a namespace with its name and gives it the kubernetes finalizer', async () => {
    const data = await t.ok(NS, { n: 'labelled' });
    expect(data.createNamespace).toEqual({
      metadata: { name: 'labelled', labels: { 'kubernetes.io/metadata.name': 'labelled' } },
      status: { phase: 'Active' },
      spec: { finalizers: ['kubernetes'] },
    });
    const updated = await t.ok(
      'mutation { updateNamespace(input: { metadata: { name: "labelled", labels: { team: "a" } } ' +
        '}) { metadata { labels } } }',
    );
    expect(updated.updateNamespace.metadata.labels).toEqual({ team: 'a', 'kubernetes.io/metadata.name': 'labelled' });
  });

  it.each(['default', 'kube-system', 'kube-public'])('refuses to delete %s', async (n) => {
    const res = await t.gql(DELETE, { n });
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
    expect(res.errors?.[0].message).toBe(`namespaces "${n}" is forbidden: this namespace may not be deleted`);
    expect((await t.ok(GET, { n })).namespace.status.phase).toBe('Active');
  });

  it('recreates kube-node-lease after it is deleted', async () => {
    const before = await t.ok('{ namespace(name: "kube-node-lease") { metadata { uid } } }');
    await t.ok(DELETE, { n: 'kube-node-lease' });
    await eventually(async () => {
      const after = await t.ok('{ namespace(name: "kube-node-lease") { metadata { uid } status { phase } } }');
      expect(after.namespace.metadata.uid).not.toBe(before.namespace.metadata.uid);
      expect(after.namespace.status.phase).toBe('Active');
    });
  });

  it('removes every object in a deleted namespace, then the namespace', async () => {
    await t.ok(NS, { n: 'doomed' });
    await t.ok('mutation { createServiceAccount(namespace: "doomed", input: { metadata: { name: "ci" } }) { id } }');
    await t.ok(
      'mutation { createSecret(namespace: "doomed", input: { metadata: { name: "s" }, stringData: ' +
        '{ a: "b" } }) { id } }',
    );
    await t.ok('mutation { createRole(namespace: "doomed", input: { metadata: { name: "r" } }) { id } }');
    await t.ok(
      'mutation { createRoleBinding(namespace: "doomed", input: { metadata: { name: "rb" }, roleRef: ' +
        '{ kind: "Role", name: "r" } }) { id } }',
    );
    await t.ok(
      'mutation { createPod(namespace: "doomed", input: { metadata: { name: "p" }, spec: { containers: ' +
        '[{ name: "c", image: "i" }] } }) { id } }',
    );

    const deleted = await t.ok(DELETE, { n: 'doomed' });
    expect(deleted.deleteNamespace.status.phase).toBe('Terminating');
    expect(deleted.deleteNamespace.metadata.deletionTimestamp).toMatch(/Z$/);

    await eventually(async () => {
      const res = await t.gql(GET, { n: 'doomed' });
      expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    });
    for (const q of ['serviceAccounts', 'secrets', 'roles', 'roleBindings', 'pods']) {
      const data = await t.ok(`{ ${q}(namespace: "doomed") { totalCount } }`);
      expect(data[q].totalCount).toBe(0);
    }
  });

  it('refuses creates in a missing namespace with NOT_FOUND', async () => {
    const res = await t.gql(
      'mutation { createServiceAccount(namespace: "nowhere", input: { metadata: { name: "x" } }) { id } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    expect(res.errors?.[0].message).toBe('namespaces "nowhere" not found');
  });

  describe('while terminating', () => {
    let paused: TestApp;
    beforeAll(async () => {
      // A replica without controllers, so the namespace stays Terminating while we look.
      paused = await startTestApp(engine, { controllers: false });
      await paused.ok(NS, { n: 'closing' });
      await paused.ok(
        'mutation { createServiceAccount(namespace: "closing", input: { metadata: { name: "stays" } }) { id } }',
      );
      await paused.ok(DELETE, { n: 'closing' });
    });
    afterAll(() => paused.close());

    it('stays visible as Terminating', async () => {
      expect((await paused.ok(GET, { n: 'closing' })).namespace.status.phase).toBe('Terminating');
    });

    it('refuses new content with Kubernetes’ message', async () => {
      const res = await paused.gql(
        'mutation { createSecret(namespace: "closing", input: { metadata: { name: "late" } }) { id } }',
      );
      expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
      expect(res.errors?.[0].message).toBe(
        'secrets "late" is forbidden: unable to create new content in namespace closing because it is being terminated',
      );
    });

    it('still lets existing content be updated and deleted', async () => {
      await paused.ok(
        'mutation { updateServiceAccount(namespace: "closing", input: { metadata: { name: "stays", ' +
          'labels: { a: "b" } } }) { id } }',
      );
      await paused.ok('mutation { deleteServiceAccount(namespace: "closing", name: "stays") { id } }');
    });

    it('answers a second delete with CONFLICT', async () => {
      const res = await paused.gql(DELETE, { n: 'closing' });
      expect(res.errors?.[0].extensions.code).toBe('CONFLICT');
      expect(res.errors?.[0].message).toBe(
        'The system is ensuring all content is removed from this namespace.  Upon completion, this ' +
          'namespace will automatically be purged by the system.',
      );
    });
  });
});

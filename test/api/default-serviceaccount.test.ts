/** Every Active namespace has a `default` ServiceAccount, which comes back when deleted. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';

const GET = 'query ($n: String!) { serviceAccount(namespace: $n, name: "default") { metadata { uid } } }';

describe.each(ENGINES)('default ServiceAccount (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it.each(['default', 'kube-system', 'kube-public', 'kube-node-lease'])('exists in %s from the start', async (n) => {
    expect((await t.ok(GET, { n })).serviceAccount.metadata.uid).toBeTruthy();
  });

  it('appears in a new namespace', async () => {
    await namespace(t, 'fresh');
    await eventually(async () => expect((await t.ok(GET, { n: 'fresh' })).serviceAccount).not.toBeNull());
  });

  it('comes back with a new uid when deleted', async () => {
    const before = (await t.ok(GET, { n: 'default' })).serviceAccount.metadata.uid;
    const deleted = await t.ok(
      'mutation { deleteServiceAccount(namespace: "default", name: "default") { metadata { uid } } }',
    );
    expect(deleted.deleteServiceAccount.metadata.uid).toBe(before);
    await eventually(async () => {
      const after = (await t.gql(GET, { n: 'default' })).data?.serviceAccount;
      expect(after?.metadata.uid).toBeTruthy();
      expect(after.metadata.uid).not.toBe(before);
    });
  });

  it('ends with exactly one when two replicas race to make it', async () => {
    const replicas = [await t.replica(), await t.replica()];
    try {
      for (let i = 0; i < 5; i++) {
        const n = `race-${i}`;
        await namespace(t, n);
        await t
          .ok('mutation ($n: String!) { deleteServiceAccount(namespace: $n, name: "default") { id } }', { n })
          .catch(() => undefined);
      }
      await Promise.all([t, ...replicas].map((r) => r.app.idle()));
      await eventually(async () => {
        const data = await t.ok(
          '{ serviceAccounts(labelSelector: "") { edges { node { metadata { namespace name } } } } }',
        );
        const defaults = data.serviceAccounts.edges
          .map((e: any) => e.node.metadata)
          .filter((m: any) => m.namespace.startsWith('race-'));
        expect(defaults.map((m: any) => `${m.namespace}/${m.name}`).sort()).toEqual(
          [0, 1, 2, 3, 4].map((i) => `race-${i}/default`),
        );
      });
    } finally {
      for (const r of replicas) await r.close();
    }
  });

  it('does not make one in a Terminating namespace', async () => {
    const paused = await startTestApp(engine, { controllers: false });
    try {
      await namespace(paused, 'ending');
      await paused.ok('mutation { deleteNamespace(name: "ending") { id } }');
      // A replica with controllers starts, resyncs, and must leave the namespace alone but purge it.
      const worker = await paused.replica({ controllers: true });
      try {
        await worker.app.idle();
        const res = await paused.gql(GET, { n: 'ending' });
        expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
      } finally {
        await worker.close();
      }
    } finally {
      await paused.close();
    }
  });
});

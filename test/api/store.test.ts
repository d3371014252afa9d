/**
 * The store below the registry: `bodies()` (what in-memory indexes load from) pages by keyset and
 * agrees with whole objects; PGlite, which has no autovacuum, keeps its planner statistics
 * current after migrations and as writes accumulate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { openDatabase, rows, type Database } from '../../src/db/client.js';
import { ObjectStore } from '../../src/store/store.js';
import { eventually, startTestApp, testTransformer, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';

describe.each(ENGINES)('store reads (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    for (const ns of ['a', 'b']) await namespace(t, ns);
    for (const [ns, name] of [
      ['b', 'r1'],
      ['a', 'r2'],
      ['a', 'r1'],
      ['b', 'r0'],
      ['a', 'r3'],
    ]) {
      await t.ok(
        'mutation ($ns: String!, $n: String!) { createRole(namespace: $ns, input: { metadata: { name: ' +
          '$n }, rules: [{ verbs: ["get"], apiGroups: [""], resources: [$n] }] }) { id } }',
        {
          ns,
          n: name,
        },
      );
    }
  });
  afterAll(() => t.close());

  it.each([1, 2, 5, 1000])(
    'bodies() in pages of %i reads every object once, in order, as whole objects have it',
    async (pageSize) => {
      const read = t.app.store.read;
      const whole = [];
      for await (const role of read.all('Role', { pageSize: 100 })) whole.push(role);
      const lean = [];
      for await (const role of read.bodies('Role', pageSize)) lean.push(role);
      // the test's roles, then the bootstrap policy's (kube-public, kube-system), in order
      const names = lean.map((r) => `${r.metadata.namespace}/${r.metadata.name}`);
      expect(names.slice(0, 5)).toEqual(['a/r1', 'a/r2', 'a/r3', 'b/r0', 'b/r1']);
      expect(names).toContain('kube-system/extension-apiserver-authentication-reader');
      expect(names).toEqual([...names].sort());
      expect(lean).toEqual(
        whole.map(({ kind, metadata, rules }) => ({
          kind,
          metadata: { name: metadata.name, namespace: metadata.namespace },
          rules,
        })),
      );
    },
  );

  it('leaves the namespace out of a cluster-scoped kind', async () => {
    const first = await t.app.store.read.bodies('Namespace').next();
    expect(first.value!.metadata).toEqual({ name: 'a' });
  });
});

describe('PGlite planner statistics', () => {
  let database: Database;
  const analyzed = async () =>
    Number(
      (
        await rows<{ n: string }>(
          database.db,
          sql`select analyze_count::text as n from pg_stat_user_tables where relname = 'objects'`,
        )
      )[0].n,
    );
  beforeAll(async () => {
    database = await openDatabase({ engine: 'pglite', analyzeEvery: 3 });
  });
  afterAll(() => database.close());

  it('analyzes after migrations and again each time enough rows were written', async () => {
    await database.migrate();
    expect(await analyzed()).toBe(1);
    const store = new ObjectStore(database, testTransformer());
    const account = (name: string) => ({
      kind: 'ServiceAccount' as const,
      metadata: {
        name,
        namespace: 'default',
        uid: crypto.randomUUID(),
        resourceVersion: '0',
        generation: 1,
        creationTimestamp: new Date().toISOString(),
        labels: {},
        annotations: {},
      },
      secrets: [],
      imagePullSecrets: [],
    });
    await store.transaction(async (tx) => {
      await tx.create(account('one'));
      await tx.create(account('two'));
    });
    expect(await analyzed()).toBe(1);
    await store.transaction(async (tx) => void (await tx.create(account('three'))));
    await eventually(async () => expect(await analyzed()).toBe(2));
  });
});

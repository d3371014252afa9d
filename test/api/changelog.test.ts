/**
 * Every write is recorded in the change log in its own transaction, and signalled: a failed
 * mutation leaves neither object nor change, and another replica hears of a change at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

describe.each(ENGINES)('change log (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  const head = () => t.app.store.read.head();
  const changesSince = (rv: number) => t.app.store.read.changesAfter(rv, 100);

  it('records ADDED, MODIFIED and DELETED with the object and its resourceVersion', async () => {
    const start = await head();
    const created = await t.ok(
      'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "logged" ' +
        '} }) { metadata { uid resourceVersion } } }',
    );
    const updated = await t.ok(
      'mutation { updateServiceAccount(namespace: "default", input: { metadata: { name: "logged", ' +
        'labels: { a: "b" } } }) { metadata { resourceVersion } } }',
    );
    const deleted = await t.ok(
      'mutation { deleteServiceAccount(namespace: "default", name: "logged") { metadata { resourceVersion } } }',
    );
    const log = await changesSince(start);
    expect(log.map((c) => [c.type, c.kind, c.namespace, c.name, String(c.resourceVersion)])).toEqual([
      ['ADDED', 'ServiceAccount', 'default', 'logged', created.createServiceAccount.metadata.resourceVersion],
      ['MODIFIED', 'ServiceAccount', 'default', 'logged', updated.updateServiceAccount.metadata.resourceVersion],
      ['DELETED', 'ServiceAccount', 'default', 'logged', deleted.deleteServiceAccount.metadata.resourceVersion],
    ]);
    expect(log.every((c) => c.uid === created.createServiceAccount.metadata.uid)).toBe(true);
    expect(log[1].object).toMatchObject({ kind: 'ServiceAccount', metadata: { name: 'logged', labels: { a: 'b' } } });
  });

  it('writes nothing for a mutation that fails', async () => {
    await t.ok(
      'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "taken" } }) { id } }',
    );
    const start = await head();
    const failures = [
      'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "taken" } }) { id } }',
      'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "Bad!" } }) { id } }',
      'mutation { createServiceAccount(namespace: "missing", input: { metadata: { name: "x" } }) { id } }',
      'mutation { updateServiceAccount(namespace: "default", input: { metadata: { name: "taken", ' +
        'resourceVersion: "1" } }) { id } }',
      'mutation { createPod(namespace: "default", input: { metadata: { name: "p" }, spec: { containers: ' +
        '[] } }) { id } }',
    ];
    for (const doc of failures) expect((await t.gql(doc)).errors).toHaveLength(1);
    expect(await changesSince(start)).toEqual([]);
    expect((await t.gql('{ pod(namespace: "default", name: "p") { id } }')).errors?.[0].extensions.code).toBe(
      'NOT_FOUND',
    );
  });

  it('wakes another replica through NOTIFY, not its poll', async () => {
    const replica = await t.replica({ pollIntervalMs: 600_000, controllers: false });
    try {
      const data = await t.ok(
        'mutation { createServiceAccount(namespace: "default", input: { metadata: { name: "heard" } ' +
          '}) { metadata { resourceVersion } } }',
      );
      const rv = Number(data.createServiceAccount.metadata.resourceVersion);
      await eventually(async () => expect(replica.app.follower.resourceVersion).toBeGreaterThanOrEqual(rv), 2000);
    } finally {
      await replica.close();
    }
  });
});

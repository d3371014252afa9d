/**
 * The change log keeps a window: older changes go (the newest few are kept), the horizon moves,
 * kept changes past the window lose Secret data, and a follower behind the horizon relists. The
 * cleanup controllers run on one replica at a time (PostgreSQL only: PGlite is one process).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Informer } from '../../src/changelog/follower.js';
import { ChangeFollower } from '../../src/changelog/follower.js';
import type { Controller } from '../../src/controllers/controller.js';
import { createLogger } from '../../src/log.js';
import type { Change, StoreReader } from '../../src/store/store.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs the retention controller now (it otherwise waits for its period). */
async function trim(t: TestApp): Promise<void> {
  const retention = t.app.controllers.find((c) => c.name === 'changelog-retention') as Controller;
  await retention.resync();
  await retention.idle();
}

describe.each(ENGINES)('change-log retention (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { retention: { windowMs: 300, keep: 5, everyMs: 3_600_000 } });
    await namespace(t, 'ret');
  });
  afterAll(() => t.close());

  it('removes changes past the window, keeping the newest, and moves the horizon', async () => {
    for (let i = 0; i < 10; i++) {
      await t.ok(
        'mutation ($n: String!) { createServiceAccount(namespace: "ret", input: { metadata: { name: $n } }) { id } }',
        {
          n: `sa-${i}`,
        },
      );
    }
    const head = await t.app.store.read.head();
    await sleep(350);
    await trim(t);
    const left = await t.app.store.read.changesAfter(0, 100);
    expect(left.map((c) => c.resourceVersion)).toEqual([head - 4, head - 3, head - 2, head - 1, head]);
    expect(await t.app.store.read.horizon()).toBe(head - 5);
    // nothing was lost to the objects themselves
    expect((await t.ok('{ serviceAccounts(namespace: "ret") { totalCount } }')).serviceAccounts.totalCount).toBe(11);
  });

  it("keeps no Secret's data in the log past the window", async () => {
    await t.ok(
      'mutation { createSecret(namespace: "ret", input: { metadata: { name: "gone" }, ' +
        'stringData: { pin: "4711" } }) { id } }',
    );
    await t.ok('mutation { deleteSecret(namespace: "ret", name: "gone") { id } }');
    const recent = (await t.app.store.read.changesAfter(0, 100)).filter((c) => c.kind === 'Secret');
    expect(recent.map((c) => (c.object as { data?: unknown }).data)).toEqual([
      { pin: 'NDcxMQ==' },
      { pin: 'NDcxMQ==' },
    ]);
    await sleep(350);
    await trim(t);
    // both changes are among the newest five, so kept, but without the values
    const kept = (await t.app.store.read.changesAfter(0, 100)).filter((c) => c.kind === 'Secret');
    expect(kept.map((c) => c.type)).toEqual(['ADDED', 'DELETED']);
    for (const change of kept) expect(change.object).not.toHaveProperty('data');
  });

  it('relists a follower that fell behind the horizon', async () => {
    const seen = new Set<string>();
    let loads = 0;
    const names: Informer = {
      name: 'names',
      kinds: ['ServiceAccount'],
      async load(reader: StoreReader) {
        loads++;
        seen.clear();
        for await (const sa of reader.all('ServiceAccount')) seen.add(`${sa.metadata.namespace}/${sa.metadata.name}`);
      },
      apply(change: Change) {
        if (change.type === 'DELETED') seen.delete(`${change.namespace}/${change.name}`);
        else seen.add(`${change.namespace}/${change.name}`);
      },
    };
    // a follower of its own that hears nothing (it never polls on its own) while the log moves on
    const database = await t.db.reopen();
    const follower = new ChangeFollower(
      t.app.store,
      { ...database, listen: async () => async () => {} },
      createLogger('silent'),
      3_600_000,
    );
    follower.register(names);
    await follower.start();
    try {
      for (let i = 0; i < 8; i++) {
        await t.ok(
          'mutation ($n: String!) { createServiceAccount(namespace: "ret", input: { metadata: { name: $n } }) { id } }',
          {
            n: `late-${i}`,
          },
        );
      }
      await t.ok('mutation { deleteServiceAccount(namespace: "ret", name: "sa-0") { id } }');
      await sleep(350);
      await trim(t);
      expect(await t.app.store.read.horizon()).toBeGreaterThan(follower.resourceVersion);
      // it wakes up behind the horizon: the changes it missed are gone, so it relists
      await follower.poll();
      expect(loads).toBe(2);
      expect(follower.relists).toBe(1);
      expect(seen.has('ret/late-7')).toBe(true);
      expect(seen.has('ret/sa-0')).toBe(false);
      expect(follower.resourceVersion).toBe(await t.app.store.read.head());
    } finally {
      await follower.stop();
      await database.close();
    }
  });
});

describe.runIf(ENGINES.includes('postgres'))('one leader for the cleanup controllers (PostgreSQL only)', () => {
  it('runs them on one replica at a time, and on another when it goes', async () => {
    const owner = await startTestApp('postgres', { controllers: false });
    const a = await owner.replica({ leaseCheckMs: 100 });
    const b = await owner.replica({ leaseCheckMs: 100 });
    try {
      expect([a.app.leadership.isLeader, b.app.leadership.isLeader]).toEqual([true, false]);
      await a.close();
      await eventually(async () => expect(b.app.leadership.isLeader).toBe(true), 3000, 50);
    } finally {
      await b.close();
      await owner.close();
    }
  });
});

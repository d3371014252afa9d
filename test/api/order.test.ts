/**
 * One order for every follower. Writers do not wait for each other, so changes may commit out of
 * resourceVersion order and some numbers are never used; every follower still hands the changes
 * out in resourceVersion order with none skipped (changelog/follower.ts, "Order"). Concurrent
 * writes through two replicas on both engines; on PostgreSQL, where a transaction can be held open
 * while others commit, a follower is shown waiting at a number a running transaction drew, going
 * on past one a rolled-back transaction drew, and a replica starting meanwhile getting the change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER_USER } from '../../src/authn/identity.js';
import type { ChangeFollower } from '../../src/changelog/follower.js';
import type { Change } from '../../src/store/store.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';

/** Every change a follower hands out from now on, in the order it hands them out. */
function record(follower: ChangeFollower): { seen: number[]; stop: () => void } {
  const seen: number[] = [];
  const stop = follower.subscribe((change: Change) => seen.push(change.resourceVersion));
  return { seen, stop };
}

const createSecret = (t: TestApp, name: string) =>
  t.gql('mutation ($n: String!) { createSecret(namespace: "order", input: { metadata: { name: $n } }) { id } }', {
    n: name,
  });

describe.each(ENGINES)('change order (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    await namespace(t, 'order');
  });
  afterAll(() => t.close());

  it('shows concurrent writes through two replicas to every follower in one order, none skipped', async () => {
    const replica = await t.replica({ controllers: false });
    const onA = record(t.app.follower);
    const onB = record(replica.app.follower);
    try {
      const start = await t.app.store.read.head();
      // creates, updates, creates of names taken (numbers drawn and never used) and refusals,
      // through both replicas at once
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 60; i++) {
        const via = i % 2 ? replica : t;
        writes.push(createSecret(via, `s${i}`));
        writes.push(createSecret(via, `s${i - (i % 3)}`));
        writes.push(
          via.gql(
            'mutation ($n: String!) { createServiceAccount(namespace: "order", ' +
              'input: { metadata: { name: $n } }) { id } }',
            { n: `sa${i % 10}` },
          ),
        );
      }
      const answers = (await Promise.all(writes)) as { errors?: { extensions: { code: string } }[] }[];
      const codes = new Set(answers.flatMap((a) => (a.errors ?? []).map((e) => e.extensions.code)));
      expect([...codes]).toEqual(['ALREADY_EXISTS']);
      const logged = (await t.app.store.read.changesAfter(start, 1000)).map((c) => c.resourceVersion);
      expect(logged.length).toBeGreaterThanOrEqual(70);
      const last = logged.at(-1)!;
      await eventually(async () => {
        expect(t.app.follower.resourceVersion).toBeGreaterThanOrEqual(last);
        expect(replica.app.follower.resourceVersion).toBeGreaterThanOrEqual(last);
      });
      expect(onA.seen.filter((rv) => rv > start)).toEqual(logged);
      expect(onB.seen.filter((rv) => rv > start)).toEqual(logged);
    } finally {
      onA.stop();
      onB.stop();
      await replica.close();
    }
  });

  describe.runIf(engine === 'postgres')('with a transaction held open', () => {
    /** A Secret created in a transaction that stays open until the returned `end` is called. */
    async function held(name: string) {
      let end: (commit: boolean) => void = () => {};
      const ended = new Promise<boolean>((resolve) => {
        end = resolve;
      });
      let drawn: (rv: number) => void = () => {};
      const resourceVersion = new Promise<number>((resolve) => {
        drawn = resolve;
      });
      const done = t.app.store
        .transaction(async (tx) => {
          const obj = await t.app.registry.createIn(
            tx,
            'Secret',
            'order',
            { metadata: { name } },
            {
              user: CONTROLLER_USER,
            },
          );
          drawn(Number(obj.metadata.resourceVersion));
          if (!(await ended)) throw new Error('rolled back on purpose');
        })
        .catch(() => undefined);
      return { resourceVersion: await resourceVersion, end, done };
    }

    it('skips no change under 16 writers that hold their transactions open and roll some back', async () => {
      const seen = record(t.app.follower);
      try {
        const start = await t.app.store.read.head();
        const until = Date.now() + 2000;
        let n = 0;
        const writer = async () => {
          while (Date.now() < until) {
            const i = n++;
            const pause = () => new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
            // two writes apart: a transaction's id (taken at its first) is then old when it draws
            // again, and another's number may fall between its two (the registry's write hands this
            // replica's own changes to the follower directly only when nothing can lie between)
            await t.app.registry
              .write(async (tx) => {
                for (const name of [`w${i}`, `w${i}b`]) {
                  await t.app.registry.createIn(
                    tx,
                    'Secret',
                    'order',
                    { metadata: { name } },
                    { user: CONTROLLER_USER },
                  );
                  await pause();
                }
                if (Math.random() < 0.15) throw new Error('rolled back on purpose');
              })
              .catch(() => undefined);
          }
        };
        await Promise.all(Array.from({ length: 16 }, writer));
        const logged = (await t.app.store.read.changesAfter(start, 100_000)).map((c) => c.resourceVersion);
        expect(logged.length).toBeGreaterThan(100);
        await eventually(async () => expect(t.app.follower.resourceVersion).toBeGreaterThanOrEqual(logged.at(-1)!));
        expect(seen.seen.filter((rv) => rv > start)).toEqual(logged);
      } finally {
        seen.stop();
      }
    });

    it('holds at a number a running transaction drew, then hands both out in order', async () => {
      const seen = record(t.app.follower);
      try {
        const h = await held('held-commit');
        let answered = false;
        const later = createSecret(t, 'after-held-commit').then((r) => {
          answered = true;
          return r;
        });
        await eventually(async () => expect(await t.app.store.read.head()).toBeGreaterThan(h.resourceVersion));
        await new Promise((resolve) => setTimeout(resolve, 300));
        // the later write committed, but the follower has not passed the number still being written
        expect(t.app.follower.resourceVersion).toBeLessThan(h.resourceVersion);
        expect(answered).toBe(false);
        expect(t.app.registry.find('Secret', 'order', 'after-held-commit')).toBeNull();
        h.end(true);
        await h.done;
        expect((await later).errors).toBeUndefined();
        const laterRv = Number(t.app.registry.get('Secret', 'order', 'after-held-commit').metadata.resourceVersion);
        expect(seen.seen.filter((rv) => rv >= h.resourceVersion)).toEqual([h.resourceVersion, laterRv]);
        expect(t.app.registry.find('Secret', 'order', 'held-commit')).not.toBeNull();
      } finally {
        seen.stop();
      }
    });

    it('goes on past a number whose transaction rolled back', async () => {
      const seen = record(t.app.follower);
      try {
        const h = await held('held-rollback');
        const later = createSecret(t, 'after-held-rollback');
        await eventually(async () => expect(await t.app.store.read.head()).toBeGreaterThan(h.resourceVersion));
        expect(t.app.follower.resourceVersion).toBeLessThan(h.resourceVersion);
        h.end(false);
        await h.done;
        expect((await later).errors).toBeUndefined();
        expect(t.app.registry.find('Secret', 'order', 'held-rollback')).toBeNull();
        expect(seen.seen).not.toContain(h.resourceVersion);
        expect(t.app.follower.resourceVersion).toBeGreaterThan(h.resourceVersion);
      } finally {
        seen.stop();
      }
    });

    it('gives a replica that starts meanwhile the change its first snapshot could not see', async () => {
      const h = await held('held-at-start');
      const later = createSecret(t, 'after-held-at-start');
      await eventually(async () => expect(await t.app.store.read.head()).toBeGreaterThan(h.resourceVersion));
      // the replica loads from a snapshot that holds the later write and not the held one
      const starting = t.replica({ controllers: false });
      await new Promise((resolve) => setTimeout(resolve, 500));
      h.end(true);
      await h.done;
      await later;
      const replica = await starting;
      try {
        expect(replica.app.registry.find('Secret', 'order', 'after-held-at-start')).not.toBeNull();
        expect(replica.app.registry.find('Secret', 'order', 'held-at-start')).not.toBeNull();
      } finally {
        await replica.close();
      }
    });
  });
});

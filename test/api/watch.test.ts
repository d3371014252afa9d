/**
 * `Subscription.watch` over SSE, through yoga.fetch, on every engine: the initial ADDED events,
 * changes in resourceVersion order, label selectors (objects moving in and out), resuming from a
 * resourceVersion, GONE after retention, bookmarks, the watch of another replica, a watcher whose
 * permission is revoked, a slow watcher cut off, and Secret data under the query rules.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/controllers/controller.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, namespace, serviceAccount } from '../helpers/fixtures.js';
import { type SseResult, subscribe } from '../helpers/sse.js';
import { token } from '../helpers/tokens.js';

const WATCH = `subscription ($kind: ObjectKind!, $ns: String, $sel: String, $rv: String) {
  watch(kind: $kind, namespace: $ns, labelSelector: $sel, resourceVersion: $rv) {
    type resourceVersion object { ... on ServiceAccount { metadata { name labels resourceVersion } } ... on Secret {
      metadata { name } data } }
  }
}`;

/** type/name of each event (BOOKMARKs as `BOOKMARK`). */
const brief = (results: SseResult[]) =>
  results.map((r) =>
    r.errors
      ? `error ${r.errors[0].extensions?.code}`
      : `${r.data.watch.type}${r.data.watch.object ? ` ${r.data.watch.object.metadata.name}` : ''}`,
  );

describe.each(ENGINES)('watch (%s)', (engine) => {
  let t: TestApp;
  const open = (variables: Record<string, unknown>, tok: string | null = t.adminToken, app = t) =>
    subscribe((path, init) => app.fetch(path, init), WATCH, variables, tok);
  const create = (name: string, labels: Record<string, string> = {}) =>
    t.ok(
      'mutation ($n: String!, $l: StringMap) { createServiceAccount(namespace: ' +
        '"w", input: { metadata: { name: $n, labels: $l } }) { metadata ' +
        '{ resourceVersion } } }',
      { n: name, l: labels },
    );
  const relabel = (name: string, labels: Record<string, string>) =>
    t.ok(
      'mutation ($n: String!, $l: StringMap) { updateServiceAccount(namespace: ' +
        '"w", input: { metadata: { name: $n, labels: $l } }) { metadata ' +
        '{ resourceVersion } } }',
      { n: name, l: labels },
    );
  const remove = (name: string) =>
    t.ok('mutation ($n: String!) { deleteServiceAccount(namespace: "w", name: $n) { metadata { resourceVersion } } }', {
      n: name,
    });

  beforeAll(async () => {
    t = await startTestApp(engine, {
      watch: { bookmarkMs: 300, recheckMs: 200, bufferSize: 50 },
      retention: { windowMs: 100, keep: 1, everyMs: 3_600_000 },
    });
    await namespace(t, 'w');
    // its default ServiceAccount first, so that watches find it there
    await eventually(async () =>
      expect((await t.ok('{ serviceAccount(namespace: "w", name: "default") { id } }')).serviceAccount).toBeTruthy(),
    );
    await create('first', { app: 'web' });
  });
  afterAll(() => t.close());

  it('starts with what exists, then reports every change in order', async () => {
    const w = await open({ kind: 'ServiceAccount', ns: 'w' });
    expect(w.status).toBe(200);
    expect(brief([(await w.next())!, (await w.next())!])).toEqual(['ADDED default', 'ADDED first']);
    await create('second');
    await relabel('second', { tier: 'x' });
    await remove('second');
    expect(brief([(await w.next())!, (await w.next())!, (await w.next())!])).toEqual([
      'ADDED second',
      'MODIFIED second',
      'DELETED second',
    ]);
    // a client that goes away ends its watch at once, though no change comes
    w.close();
    await eventually(async () => expect(t.app.services.watches.watchers).toBe(0), 200, 10);
  });

  it('applies the label selector, moving objects in and out of view', async () => {
    const w = await open({ kind: 'ServiceAccount', ns: 'w', sel: 'app=web' });
    expect(brief([(await w.next())!])).toEqual(['ADDED first']);
    await create('third', { app: 'db' });
    await relabel('third', { app: 'web' });
    await relabel('third', { app: 'db' });
    await relabel('first', { app: 'web', v: '2' });
    expect(brief([(await w.next())!, (await w.next())!, (await w.next())!])).toEqual([
      'ADDED third',
      'DELETED third',
      'MODIFIED first',
    ]);
    await remove('third');
    await create('fourth', { app: 'web' });
    // the deletion of an object not in view says nothing
    expect(brief([(await w.next())!])).toEqual(['ADDED fourth']);
    w.close();
  });

  it('replays every change after a resourceVersion, then goes on live', async () => {
    const from = (await create('r1')).createServiceAccount.metadata.resourceVersion;
    await create('r2');
    await remove('r1');
    const w = await open({ kind: 'ServiceAccount', ns: 'w', rv: from });
    expect(brief([(await w.next())!, (await w.next())!])).toEqual(['ADDED r2', 'DELETED r1']);
    await create('r3');
    const live = (await w.next())!;
    expect(brief([live])).toEqual(['ADDED r3']);
    // resuming from the last resourceVersion seen replays nothing twice
    w.close();
    const again = await open({ kind: 'ServiceAccount', ns: 'w', rv: live.data.watch.resourceVersion });
    await create('r4');
    expect(brief([(await again.next())!])).toEqual(['ADDED r4']);
    again.close();
  });

  it('sends bookmarks to an idle watcher', async () => {
    const w = await open({ kind: 'Pod', ns: 'w' });
    const bookmark = (await w.next(2000))!;
    expect(bookmark.data.watch).toMatchObject({ type: 'BOOKMARK', object: null });
    expect(Number(bookmark.data.watch.resourceVersion)).toBeGreaterThanOrEqual(t.app.follower.resourceVersion - 1);
    w.close();
  });

  it('says GONE for a resourceVersion older than the retained log', async () => {
    const from = (await create('old')).createServiceAccount.metadata.resourceVersion;
    for (let i = 0; i < 3; i++) await create(`filler-${i}`);
    await new Promise((r) => setTimeout(r, 150));
    const retention = t.app.controllers.find((c) => c.name === 'changelog-retention') as Controller;
    await retention.resync();
    await retention.idle();
    const w = await open({ kind: 'ServiceAccount', ns: 'w', rv: from });
    const result = (await w.next())!;
    expect(result.errors?.[0].extensions?.code).toBe('GONE');
    expect(result.errors?.[0].message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    expect(await w.next()).toBeNull();
  });

  it('is authorized as watch, and ends within a second once that is revoked', async () => {
    await serviceAccount(t, 'w', 'watcher');
    const tok = await token(t, 'w', 'watcher');
    const refused = await open({ kind: 'ServiceAccount', ns: 'w' }, tok);
    expect(brief([(await refused.next())!])).toEqual(['error FORBIDDEN']);
    const binding = await grant(t, 'w', 'system:serviceaccount:w:watcher', [
      { verbs: ['watch'], apiGroups: [''], resources: ['serviceaccounts'] },
    ]);
    const w = await open({ kind: 'ServiceAccount', ns: 'w' }, tok);
    expect((await w.next())!.data.watch.type).toBe('ADDED');
    // the rest of the initial events: a quiet gap shorter than the bookmark period (300 ms), or a
    // bookmark would come in every window and the drain never end
    await w.drain(150);
    const revokedAt = Date.now();
    await t.ok('mutation ($n: String!) { deleteRoleBinding(namespace: "w", name: $n) { id } }', { n: binding });
    const end: SseResult[] = [];
    for (let r = await w.next(1500); r; r = await w.next(1500)) {
      end.push(r);
      expect(Date.now() - revokedAt, JSON.stringify(brief(end))).toBeLessThan(1500);
    }
    expect(brief(end).at(-1)).toBe('error FORBIDDEN');
    expect(Date.now() - revokedAt).toBeLessThan(1500);
    expect(await w.next()).toBeNull();
  });

  it("gives a Secret's data only where the watcher may get it", async () => {
    await t.ok(
      'mutation { createSecret(namespace: "w", input: { metadata: { name: "s1" }, stringData: { k: "v" } }) { id } }',
    );
    await serviceAccount(t, 'w', 'secret-watcher');
    await grant(t, 'w', 'system:serviceaccount:w:secret-watcher', [
      { verbs: ['watch'], apiGroups: [''], resources: ['secrets'] },
    ]);
    const tok = await token(t, 'w', 'secret-watcher');
    const w = await open({ kind: 'Secret', ns: 'w' }, tok);
    const event = (await w.next())!;
    expect(event.data.watch.object).toEqual({ metadata: { name: 's1' }, data: null });
    expect(event.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    w.close();
    const admin = await open({ kind: 'Secret', ns: 'w' });
    expect((await admin.next())!.data.watch.object).toEqual({ metadata: { name: 's1' }, data: { k: 'dg==' } });
    admin.close();
  });

  it('cuts off a watcher that falls too far behind, with UNAVAILABLE', async () => {
    // the hub itself, as the transport pulls from it: a consumer that stops pulling (a client whose
    // connection pushes back) while more changes than its buffer (50) pile up
    const open = t.app.services.watches.watchers;
    const events = t.app.services.watches.watch({
      kind: 'ServiceAccount',
      namespace: 'w',
      selector: [{ key: 'burst', operator: '=', values: ['yes'] }],
      allowed: async () => true,
      refused: () => new Error('refused') as never,
    });
    const first = events.next();
    await create('burst-start', { burst: 'yes' });
    expect((await first).value).toMatchObject({ type: 'ADDED' });
    for (let i = 0; i < 60; i++) await create(`burst-${i}`, { burst: 'yes' });
    const got: unknown[] = [];
    for (let r = await events.next(); !r.done; r = await events.next()) got.push(r.value);
    expect(got.length).toBeLessThanOrEqual(51);
    const end = got.at(-1) as { error: { extensions: { code: string }; message: string } };
    expect(end.error.extensions.code).toBe('UNAVAILABLE');
    expect(end.error.message).toMatch(/watch again from resourceVersion \d+/);
    expect(t.app.services.watches.watchers).toBe(open);
  });

  it('reports a write through another replica within a second', async () => {
    const other = await t.replica();
    try {
      const w = await open({ kind: 'ServiceAccount', ns: 'w', sel: 'replica=yes' }, t.adminToken, other);
      const started = Date.now();
      await create('from-the-first', { replica: 'yes' });
      expect(brief([(await w.next(1000))!])).toEqual(['ADDED from-the-first']);
      expect(Date.now() - started).toBeLessThan(1000);
      w.close();
    } finally {
      await other.close();
    }
  });

  it('refuses anonymous watchers and bad arguments without starting', async () => {
    const anon = await open({ kind: 'ServiceAccount', ns: 'w' }, null);
    expect(brief([(await anon.next())!])).toEqual(['error FORBIDDEN']);
    const bad = await open({ kind: 'ServiceAccount', ns: 'w', rv: 'x' });
    expect(brief([(await bad.next())!])).toEqual(['error BAD_REQUEST']);
    const selector = await open({ kind: 'ServiceAccount', ns: 'w', sel: 'a in' });
    expect(brief([(await selector.next())!])).toEqual(['error BAD_REQUEST']);
  });
});

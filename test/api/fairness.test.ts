/**
 * Fair share through the GraphQL endpoint, on every engine: one ServiceAccount flooding the server
 * gets TOO_MANY_REQUESTS (429, Retry-After) past its share, while another's requests are served at
 * their usual latency; system:masters is exempt. And the request timeout: a query or mutation past
 * it gets TIMEOUT (504), a mutation commits or not as a whole, a watch runs on.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grantCluster, namespace, serviceAccount } from '../helpers/fixtures.js';
import { subscribe } from '../helpers/sse.js';
import { token } from '../helpers/tokens.js';

const LIST = '{ serviceAccounts { totalCount edges { node { metadata { name labels } } } } }';
/** A heavy request: the same list forty times over. */
const HEAVY = `{ ${Array.from(
  { length: 40 },
  (_, i) => `l${i}: serviceAccounts { edges { node { id metadata { name uid labels } } } }`,
).join(' ')} }`;

describe.each(ENGINES)('fair share (%s)', (engine) => {
  let t: TestApp;
  let flooder: string;
  let neighbour: string;
  beforeAll(async () => {
    t = await startTestApp(engine, {
      http: {
        fairShare: { total: 6, perUser: 2, queuePerUser: 2, queueTimeoutMs: 10_000, ratePerSecond: 1e6, burst: 1e6 },
      },
    });
    await namespace(t, 'fair');
    for (const name of ['flooder', 'neighbour']) await serviceAccount(t, 'fair', name);
    for (let i = 0; i < 40; i++) await serviceAccount(t, 'fair', `sa-${i}`);
    await grantCluster(t, 'system:serviceaccounts:fair', [
      { verbs: ['list'], apiGroups: [''], resources: ['serviceaccounts'] },
    ]);
    flooder = await token(t, 'fair', 'flooder');
    neighbour = await token(t, 'fair', 'neighbour');
  });
  afterAll(() => t.close());

  const ask = async (tok: string, query = LIST) => {
    const started = performance.now();
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({ query }),
    });
    return { res, body: await res.json(), ms: performance.now() - started };
  };

  it('refuses a flood past its share with 429, and serves a neighbour meanwhile at its usual latency', async () => {
    const alone: number[] = [];
    for (let i = 0; i < 9; i++) alone.push((await ask(neighbour)).ms);

    const flood = Array.from({ length: 200 }, () => ask(flooder, HEAVY));
    const during: number[] = [];
    for (let i = 0; i < 9; i++) {
      const r = await ask(neighbour);
      expect(r.res.status).toBe(200);
      during.push(r.ms);
    }
    const results = await Promise.all(flood);
    const refused = results.filter((r) => r.res.status === 429);
    expect(refused.length).toBeGreaterThan(100);
    expect(refused[0].res.headers.get('retry-after')).toBe('1');
    expect(refused[0].body.errors[0]).toMatchObject({
      extensions: { code: 'TOO_MANY_REQUESTS', retryAfterSeconds: 1 },
    });
    expect(results.filter((r) => r.res.status === 200).length).toBeGreaterThanOrEqual(4);
    // the flood's admitted share runs beside the neighbour, never ahead of it in a queue: here the
    // neighbour's nine requests take about 0.3 s in all; without fair share the flood's two hundred
    // heavy requests run first and one of them waits over 3 s
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(during), `alone ${alone.map(Math.round)}; during ${during.map(Math.round)}`).toBeLessThan(
      Math.max(1500, 5 * sum(alone)),
    );
  });

  it('exempts system:masters', async () => {
    const results = await Promise.all(Array.from({ length: 50 }, () => ask(t.adminToken)));
    expect(results.every((r) => r.res.status === 200)).toBe(true);
  });

  // PostgreSQL only: PGlite runs in this process and answers a whole mutation within one turn of the
  // event loop, before any timer can fire
  it.runIf(engine === 'postgres')(
    'answers TIMEOUT to a mutation past the request timeout, which lands whole or not at all; watches run on',
    async () => {
      const hasty = await t.replica({ http: { requestTimeoutMs: 1 } });
      try {
        const w = await subscribe(
          (path, init) => hasty.fetch(path, init),
          'subscription { watch(kind: ServiceAccount, namespace: "fair", labelSelector: "late=yes") { type } }',
          {},
          t.adminToken,
        );
        const res = await hasty.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
          body: JSON.stringify({
            query:
              'mutation { createServiceAccount(namespace: "fair", input: ' +
              '{ metadata: { name: "late", labels: { late: "yes" } } }) { id } }',
          }),
        });
        expect(res.status).toBe(504);
        expect((await res.json()).errors[0]).toMatchObject({
          message: 'Timeout: request did not complete within 0.001 s',
          extensions: { code: 'TIMEOUT' },
        });
        // the transaction was not cut: the account is there, whole
        await eventually(async () =>
          expect(
            (await t.ok('{ serviceAccount(namespace: "fair", name: "late") { metadata { labels } } }')).serviceAccount,
          ).toEqual({ metadata: { labels: { late: 'yes' } } }),
        );
        // the watch, far past the timeout, still reports
        expect((await w.next())!.data.watch.type).toBe('ADDED');
        w.close();
      } finally {
        await hasty.close();
      }
    },
  );
});

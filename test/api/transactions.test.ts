/**
 * The store's transactions against PostgreSQL's own aborts: two writers that deadlock each other
 * both succeed, the victim run again (PGlite has one connection, so it cannot deadlock).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { isRetryable } from '../../src/store/store.js';

describe('retryable aborts', () => {
  it.each([
    [{ code: '40P01' }, true],
    [{ code: '40001' }, true],
    [new Error('wrapped', { cause: { code: '40P01' } }), true],
    [{ code: '23505' }, false],
    [new Error('plain'), false],
    [null, false],
  ])('%o is retryable: %s', (err, retryable) => {
    expect(isRetryable(err)).toBe(retryable);
  });
});

describe.each(ENGINES.filter((e) => e === 'postgres'))('transactions (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    for (const name of ['left', 'right']) {
      await t.ok(
        'mutation ($n: String!) { createServiceAccount(namespace: "default", input: { metadata: { name: ' +
          '$n } }) { id } }',
        { n: name },
      );
    }
  });
  afterAll(() => t.close());

  it('runs a deadlock victim again, so both writers succeed', async () => {
    const store = t.app.store;
    const runs = { a: 0, b: 0 };
    let arrived = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((resolve) => (release = resolve));
    const writer = (first: string, second: string, key: 'a' | 'b') =>
      store.transaction(async (tx) => {
        runs[key]++;
        const one = await tx.get('ServiceAccount', 'default', first, 'update');
        if (runs[key] === 1) {
          // hold one row each before either reaches for the other's
          if (++arrived === 2) release();
          await bothLocked;
        }
        await tx.get('ServiceAccount', 'default', second, 'update');
        return tx.update({ ...one!, metadata: { ...one!.metadata, labels: { by: key } } });
      });
    const [a, b] = await Promise.all([writer('left', 'right', 'a'), writer('right', 'left', 'b')]);
    expect(a.result.metadata.labels).toEqual({ by: 'a' });
    expect(b.result.metadata.labels).toEqual({ by: 'b' });
    expect(runs.a + runs.b).toBe(3); // one of them was chosen as the victim and ran twice
  });
});

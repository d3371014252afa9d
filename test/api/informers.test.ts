/**
 * The informer layer: a consumer of the change log whose `apply` throws is relisted from a fresh
 * snapshot, readiness says so until it has caught up, and it skips no change. On every engine.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Informer } from '../../src/changelog/follower.js';
import type { Change, StoreReader } from '../../src/store/store.js';
import { eventually, startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace, secret } from '../helpers/fixtures.js';

/** Knows every Secret's name; fails the first change to a Secret named `poison`; can hold a relist. */
class Flaky implements Informer {
  readonly name = 'flaky';
  readonly kinds = ['Secret'] as const;
  names = new Set<string>();
  loads = 0;
  failed = false;
  gate: Promise<void> | undefined;

  async load(reader: StoreReader): Promise<void> {
    this.loads++;
    await this.gate;
    const names = new Set<string>();
    for await (const s of reader.all('Secret')) names.add(`${s.metadata.namespace}/${s.metadata.name}`);
    this.names = names;
  }

  apply(change: Change): void {
    if (change.name === 'poison' && !this.failed) {
      this.failed = true;
      throw new Error('cannot take this one');
    }
    const key = `${change.namespace}/${change.name}`;
    if (change.type === 'DELETED') this.names.delete(key);
    else this.names.add(key);
  }
}

describe.each(ENGINES)('informers (%s)', (engine) => {
  let t: TestApp;
  const flaky = new Flaky();
  beforeAll(async () => {
    t = await startTestApp(engine, { informers: [flaky], controllers: false });
    await namespace(t, 'inf');
  });
  afterAll(() => t.close());

  const secretNames = async () => {
    const data = await t.ok('{ secrets(first: 1000) { edges { node { metadata { namespace name } } } } }');
    return new Set<string>(data.secrets.edges.map((e: any) => `${e.node.metadata.namespace}/${e.node.metadata.name}`));
  };

  it('relists a consumer that fails a change, is unready meanwhile, and misses nothing', async () => {
    await secret(t, 'inf', 'before');
    expect(flaky.names).toEqual(await secretNames());
    expect(flaky.loads).toBe(1);
    let open = () => {};
    flaky.gate = new Promise((resolve) => {
      open = resolve;
    });
    // the change it fails: set aside, then relisted (held at the gate)
    await t.ok('mutation { createSecret(namespace: "inf", input: { metadata: { name: "poison" } }) { id } }');
    await eventually(async () => expect(flaky.loads).toBe(2));
    const unready = await t.fetch('/readyz');
    expect(unready.status).toBe(503);
    expect(await unready.text()).toContain('[-]informer flaky failed: relisting (apply of resourceVersion');
    // everyone else carries on meanwhile
    expect((await secretNames()).has('inf/poison')).toBe(true);
    open();
    await eventually(async () => expect((await t.fetch('/readyz')).status).toBe(200));
    expect(await (await t.fetch('/readyz')).text()).toContain('[+]database ok');
    // it holds what was written, the failed change included, and goes on following
    expect(flaky.names).toEqual(await secretNames());
    await secret(t, 'inf', 'after');
    expect(flaky.names).toEqual(await secretNames());
    expect(flaky.names.has('inf/after')).toBe(true);
    expect(t.app.follower.relists).toBe(1);
  });
});

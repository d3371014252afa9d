import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from '../helpers/engines.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe.each(ENGINES)('smoke (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('lists the system namespaces', async () => {
    const data = await t.ok('{ namespaces { totalCount edges { node { metadata { name } } } } }');
    expect(data.namespaces.totalCount).toBe(4);
  });
});

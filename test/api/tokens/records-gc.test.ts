/** Records of tokens expired for over an hour are removed; live ones stay. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTROLLER_USER } from '../../../src/authn/identity.js';
import { IssuedTokensController } from '../../../src/controllers/issuedTokens.js';
import { createLogger } from '../../../src/log.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { token } from '../../helpers/tokens.js';
import { serviceAccount } from '../../helpers/fixtures.js';

describe.each(ENGINES)('issued-token records (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
  });
  afterAll(() => t.close());

  it('removes records of tokens expired over an hour ago, and only those', async () => {
    await serviceAccount(t, 'default', 'ci');
    await token(t, 'default', 'ci');
    const past = (ms: number) => new Date(Date.now() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    for (const [name, expiredAgo] of [
      ['00000000-0000-4000-8000-000000000001', 2 * 3600_000],
      ['00000000-0000-4000-8000-000000000002', 10 * 60_000],
    ] as const) {
      await t.app.registry.create(
        'IssuedToken',
        'default',
        {
          metadata: { name },
          spec: {
            serviceAccountName: 'ci',
            serviceAccountUID: 'x',
            audiences: ['a'],
            expirationTimestamp: past(expiredAgo),
            keyID: 'k',
            issuedTo: 'test',
          },
        },
        { user: CONTROLLER_USER },
      );
    }
    const gc = new IssuedTokensController(t.app.registry, t.app.store, t.app.keys, createLogger('silent'));
    await gc.start();
    await gc.idle();
    await gc.stop();
    const left = await t.ok('{ issuedTokens(namespace: "default") { edges { node { metadata { name } } } } }');
    const names = left.issuedTokens.edges.map((e: any) => e.node.metadata.name);
    expect(names).toHaveLength(2);
    expect(names).toContain('00000000-0000-4000-8000-000000000002');
    expect(names).not.toContain('00000000-0000-4000-8000-000000000001');
  });
});

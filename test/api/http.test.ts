/** The HTTP surface beside GraphQL: GraphiQL, /healthz, /readyz, and what an internal error shows. */
import { describe, expect, it } from 'vitest';
import { App } from '../../src/app.js';
import { createLogger } from '../../src/log.js';
import { eventually, startTestApp, TEST_ENCRYPTION_KEYS } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/engines.js';

describe('http', () => {
  it('serves GraphiQL to a browser, bundled, with an Authorization header to fill in', async () => {
    const t = await startTestApp('pglite', { controllers: false });
    try {
      const res = await t.fetch('/graphql', { headers: { accept: 'text/html' } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      const html = await res.text();
      expect(html).toContain('Keyway');
      expect(html).toContain('Bearer <paste a token here>');
      // no CDN: the page must load on a machine without internet access
      expect(html).not.toMatch(/unpkg\.com|cdn\.jsdelivr\.net/);
    } finally {
      await t.close();
    }
  });

  it('answers /healthz while alive and /readyz only once started', async () => {
    const db = await createTestDatabase('pglite');
    const app = await App.create({
      database: db.database,
      log: createLogger('silent'),
      adminToken: 'x'.repeat(32),
      encryptionKeys: TEST_ENCRYPTION_KEYS,
    });
    try {
      const get = (path: string) => Promise.resolve(app.server.fetch(new Request(`http://keyway.test${path}`)));
      expect((await get('/healthz')).status).toBe(200);
      expect((await get('/readyz')).status).toBe(503);
      await app.start();
      expect((await get('/readyz')).status).toBe(200);
    } finally {
      await app.stop();
      await db.drop();
    }
  });

  it('answers /readyz 503 once the database stops answering, /healthz still 200', async () => {
    const t = await startTestApp('pglite', { controllers: false });
    try {
      expect((await t.fetch('/readyz')).status).toBe(200);
      await t.db.database.close();
      // within the second a ping's answer stands for
      await eventually(async () => expect((await t.fetch('/readyz')).status).toBe(503), 3000, 100);
      expect((await t.fetch('/healthz')).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('masks internal failures: INTERNAL, no message, stack or SQL', async () => {
    const t = await startTestApp('pglite', { controllers: false });
    try {
      // every query now fails inside the driver (reads come from memory: writes show it)
      await t.db.database.close();
      const res = await t.gql(
        'mutation { a: createNamespace(input: { metadata: { name: "a" } }) { id } ' +
          'b: deleteNamespace(name: "x") { id } }',
      );
      expect(res.status).toBe(200);
      expect(res.errors).toEqual([
        {
          message: 'Internal error',
          locations: [{ line: 1, column: 12 }],
          path: ['a'],
          extensions: { code: 'INTERNAL' },
        },
        {
          message: 'Internal error',
          locations: [{ line: 1, column: 74 }],
          path: ['b'],
          extensions: { code: 'INTERNAL' },
        },
      ]);
      // what the server still holds in memory it still serves
      expect(await t.ok('{ namespaces { totalCount } }')).toEqual({ namespaces: { totalCount: 4 } });
    } finally {
      await t.close();
    }
  });

  it('gives syntax and validation errors a code', async () => {
    const t = await startTestApp('pglite', { controllers: false });
    try {
      const bad = await t.gql('{ namespaces { nope } }');
      expect(bad.errors?.[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const broken = await t.gql('{ namespaces {');
      expect(broken.errors?.[0].extensions.code).toBe('GRAPHQL_PARSE_FAILED');
    } finally {
      await t.close();
    }
  });
});

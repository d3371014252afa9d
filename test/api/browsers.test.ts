/**
 * What protects browsers and production frontends, on every engine: CSRF prevention for requests
 * a page on another origin could send without a preflight, and trusted documents (only the
 * operations a frontend shipped, by id, over HTTP and WebSocket).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { attachWebSocket } from '../../src/http/websocket.js';
import { trustedDocuments } from '../../src/http/trusted.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

const NAMESPACES = 'query Namespaces { namespaces { totalCount } }';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(ENGINES)('browsers (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
  });
  afterAll(() => t.close());

  describe('CSRF prevention', () => {
    const get = (headers: Record<string, string>) =>
      t.fetch(`/graphql?query=${encodeURIComponent('{ __typename }')}`, {
        headers: { accept: 'application/json', ...headers },
      });

    it('refuses a simple cross-site request: a GET or a form post with no header a page cannot set', async () => {
      const bare = await get({});
      expect(bare.status).toBe(403);
      expect((await bare.json()).errors[0].extensions.code).toBe('FORBIDDEN');
      const form = await t.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      expect(form.status).toBe(403);
    });

    it('serves requests that were preflighted or carry a header', async () => {
      expect((await get({ 'x-keyway-csrf': '1' })).status).toBe(200);
      expect((await get({ authorization: `Bearer ${t.adminToken}` })).status).toBe(200);
      expect((await t.gql('{ __typename }', {}, null)).data).toEqual({ __typename: 'Query' });
    });
  });

  describe('trusted documents', () => {
    let trusted: TestApp;
    let http: Server;
    let close: () => Promise<void>;
    const documents = trustedDocuments({ [sha256(NAMESPACES)]: NAMESPACES, 'ns-count': NAMESPACES });
    const post = (body: object) =>
      trusted.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
        body: JSON.stringify(body),
      });

    beforeAll(async () => {
      trusted = await t.replica({ http: { trustedDocuments: documents } });
      http = createServer(trusted.app.server);
      close = attachWebSocket(http, trusted.app.server, { trusted: documents });
      await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      await close();
      await new Promise((resolve) => http.close(resolve));
      await trusted.close();
    });

    it('runs a trusted document by id, or by its Apollo hash', async () => {
      const byId = await post({ documentId: 'ns-count' });
      expect(byId.status).toBe(200);
      expect((await byId.json()).data.namespaces.totalCount).toBeGreaterThan(0);
      const byHash = await post({ extensions: { persistedQuery: { version: 1, sha256Hash: sha256(NAMESPACES) } } });
      expect((await byHash.json()).data.namespaces.totalCount).toBeGreaterThan(0);
    });

    it('refuses any other document, and an unknown id', async () => {
      const other = await post({ query: '{ secrets { totalCount } }' });
      expect(other.status).toBe(400);
      expect((await other.json()).errors[0]).toMatchObject({
        message: 'only trusted documents are accepted here: send a documentId',
        extensions: { code: 'BAD_REQUEST' },
      });
      const unknown = await post({ documentId: 'nope' });
      expect((await unknown.json()).errors[0].extensions.code).toBe('BAD_REQUEST');
    });

    it('over WebSocket, accepts only the text of a trusted document', async () => {
      const port = (http.address() as { port: number }).port;
      const ws = createClient({
        url: `ws://127.0.0.1:${port}/graphql`,
        webSocketImpl: WebSocket,
        connectionParams: { Authorization: `Bearer ${t.adminToken}` },
        retryAttempts: 0,
      });
      try {
        const run = async (query: string) => {
          const results = [];
          for await (const r of ws.iterate({ query })) results.push(r);
          return results;
        };
        const ok = await run(NAMESPACES);
        expect((ok[0].data as any).namespaces.totalCount).toBeGreaterThan(0);
        await expect(run('{ secrets { totalCount } }')).rejects.toSatisfy((errors: unknown) =>
          JSON.stringify(errors).includes('only trusted documents'),
        );
      } finally {
        await ws.dispose();
      }
    });
  });
});

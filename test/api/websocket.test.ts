/**
 * GraphQL over WebSocket (graphql-ws), for browsers: the token in `connectionParams`, the same
 * plugins as over HTTP (authentication, authorization), watches and plain operations. A real
 * socket to the app's HTTP server on a free port, on every engine.
 */
import { createServer, type Server } from 'node:http';
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { attachWebSocket } from '../../src/http/websocket.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace } from '../helpers/fixtures.js';
import { token } from '../helpers/tokens.js';

describe.each(ENGINES)('GraphQL over WebSocket (%s)', (engine) => {
  let t: TestApp;
  let http: Server;
  let close: () => Promise<void>;
  let url: string;
  const clients: Client[] = [];
  const client = (params: Record<string, string> = {}) => {
    const c = createClient({ url, webSocketImpl: WebSocket, connectionParams: params, retryAttempts: 0 });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    t = await startTestApp(engine);
    await namespace(t, 'ws');
    http = createServer(t.app.server);
    close = attachWebSocket(http, t.app.server);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `ws://127.0.0.1:${(http.address() as { port: number }).port}/graphql`;
  });
  afterAll(async () => {
    for (const c of clients) await c.dispose();
    await close();
    await new Promise((resolve) => http.close(resolve));
    await t.close();
  });

  it('watches with the token from connectionParams', async () => {
    const ws = client({ Authorization: `Bearer ${t.adminToken}` });
    const events = ws.iterate({
      query:
        'subscription { watch(kind: ServiceAccount, namespace: "ws", labelSelector: "via=ws") ' +
        '{ type object { ... on ServiceAccount { metadata { name } } } } }',
    });
    const first = events.next();
    // the watch has started once the server holds it
    for (let i = 0; i < 100 && t.app.services.watches.watchers === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await t.ok(
      'mutation { createServiceAccount(namespace: "ws", input: { metadata: ' +
        '{ name: "sock", labels: { via: "ws" } } }) { id } }',
    );
    expect((await first).value).toEqual({ data: { watch: { type: 'ADDED', object: { metadata: { name: 'sock' } } } } });
    await events.return?.();
  });

  it('runs queries and mutations too, as the caller', async () => {
    const ws = client({ Authorization: `Bearer ${t.adminToken}` });
    const result = await ws.iterate({ query: '{ whoami { username } }' }).next();
    expect(result.value).toEqual({ data: { whoami: { username: 'keyway:admin' } } });
  });

  it('is anonymous without a token, and refused a watch', async () => {
    const ws = client();
    const result = await ws.iterate({ query: 'subscription { watch(kind: Secret, namespace: "ws") { type } }' }).next();
    expect(result.value.errors[0].extensions.code).toBe('FORBIDDEN');
    expect(result.value.errors[0].message).toContain('User "system:anonymous" cannot watch resource "secrets"');
  });

  it('refuses a token that is not valid, as HTTP does', async () => {
    const ws = client({ Authorization: 'Bearer not-a-token' });
    const result = await ws
      .iterate({ query: '{ whoami { username } }' })
      .next()
      .catch((err: unknown) => ({ value: err as { message: string; extensions: { code: string } }[] }));
    expect(result.value).toMatchObject([{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('runs a mutation over the socket', async () => {
    const ws = client({ Authorization: `Bearer ${t.adminToken}` });
    const result = await ws
      .iterate({
        query:
          'mutation { createServiceAccount(namespace: "ws", input: { metadata: { name: "by-ws" } }) ' +
          '{ metadata { name } } }',
      })
      .next();
    expect(result.value).toEqual({ data: { createServiceAccount: { metadata: { name: 'by-ws' } } } });
  });

  describe('bounds', () => {
    let limited: TestApp;
    let limitedHttp: Server;
    let closeLimited: () => Promise<void>;
    let limitedUrl: string;
    let caller: string;
    beforeAll(async () => {
      limited = await t.replica({
        http: {
          fairShare: { total: 64, perUser: 16, queuePerUser: 64, queueTimeoutMs: 10_000, ratePerSecond: 2, burst: 2 },
        },
      });
      await t.ok('mutation { createServiceAccount(namespace: "ws", input: { metadata: { name: "busy" } }) { id } }');
      caller = await token(t, 'ws', 'busy');
      limitedHttp = createServer(limited.app.server);
      closeLimited = attachWebSocket(limitedHttp, limited.app.server, { maxPayloadBytes: 4096 });
      await new Promise<void>((resolve) => limitedHttp.listen(0, '127.0.0.1', resolve));
      limitedUrl = `ws://127.0.0.1:${(limitedHttp.address() as { port: number }).port}/graphql`;
    });
    afterAll(async () => {
      await closeLimited();
      await new Promise((resolve) => limitedHttp.close(resolve));
      await limited.close();
    });

    it('seats and rate-limits each operation as over HTTP: TOO_MANY_REQUESTS past the share', async () => {
      const ws = createClient({
        url: limitedUrl,
        webSocketImpl: WebSocket,
        connectionParams: { Authorization: `Bearer ${caller}` },
        retryAttempts: 0,
      });
      clients.push(ws);
      // a refused operation is an error event: graphql-ws' iterator throws the errors
      const codes: string[] = [];
      for (let i = 0; i < 6; i++) {
        codes.push(
          await ws
            .iterate({ query: '{ whoami { username } }' })
            .next()
            .then(
              (r) => r.value.errors?.[0]?.extensions?.code ?? 'OK',
              (errors: { extensions?: { code?: string } }[]) => errors[0]?.extensions?.code ?? 'ERROR',
            ),
        );
      }
      expect(codes.filter((c) => c === 'OK').length).toBeGreaterThanOrEqual(2);
      expect(codes).toContain('TOO_MANY_REQUESTS');
    });

    it('closes a socket whose message is larger than a request body may be (1009)', async () => {
      const socket = new WebSocket(limitedUrl, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
      socket.send(JSON.stringify({ type: 'connection_init', payload: { padding: 'x'.repeat(8192) } }));
      expect(await closed).toBe(1009);
    });
  });
});

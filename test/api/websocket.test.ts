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
});

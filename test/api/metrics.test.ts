/**
 * `GET /metrics` and the request trace, on every engine: Prometheus text for an authorized
 * scraper only, counters that move with what the API does, an Audit-ID on every response, and
 * request log lines that carry the audit id and the user but never a token or a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grantCluster, namespace, serviceAccount } from '../helpers/fixtures.js';
import { token } from '../helpers/tokens.js';

/** The value of one sample (`name{labels} value`), 0 if absent. */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe.each(ENGINES)('metrics (%s)', (engine) => {
  let t: TestApp;
  const lines: string[] = [];
  beforeAll(async () => {
    t = await startTestApp(engine, { log: createLogger('info', { write: (line: string) => lines.push(line) }) });
    await namespace(t, 'm');
    await serviceAccount(t, 'm', 'scraper');
  });
  afterAll(() => t.close());

  const scrape = async (tok: string | null = t.adminToken) =>
    t.fetch('/metrics', tok ? { headers: { authorization: `Bearer ${tok}` } } : {});

  it('serves Prometheus text to an authorized scraper only', async () => {
    expect((await scrape(null)).status).toBe(403);
    const scraperToken = await token(t, 'm', 'scraper');
    expect((await scrape(scraperToken)).status).toBe(403);
    await grantCluster(t, 'system:serviceaccount:m:scraper', [{ verbs: ['get'], nonResourceURLs: ['/metrics'] }]);
    const res = await scrape(scraperToken);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'keyway_http_request_duration_seconds_count',
      'keyway_graphql_errors_total',
      'keyway_authorization_allowed_total',
      'keyway_authorization_cache_hits_total',
      'keyway_tokens_issued_total',
      'keyway_token_reviews_total',
      'keyway_watchers',
      'keyway_changelog_resource_version',
      'keyway_changelog_lag_changes',
      'keyway_informer_relists_total',
      'keyway_database_up',
      'keyway_database_connections',
      'keyway_database_pool_size',
      'keyway_database_queries_waiting',
      'keyway_process_resident_memory_bytes',
    ]) {
      expect(text, name).toContain(`# TYPE ${name.replace(/_count$/, '')} `);
    }
    expect(sample(text, 'keyway_database_up')).toBe(1);
    // PGlite is one connection; a PostgreSQL test database's pool holds four, some open by now
    expect(sample(text, 'keyway_database_pool_size')).toBe(engine === 'pglite' ? 1 : 4);
    const connections = ['busy', 'idle', 'connecting'].map((state) =>
      sample(text, 'keyway_database_connections', `state="${state}"`),
    );
    expect(connections.reduce((a, b) => a + b)).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'keyway_database_queries_waiting')).toBe(0);
  });

  it('counts requests, errors by code, decisions, tokens issued and reviewed', async () => {
    const before = await (await scrape()).text();
    const tok = await token(t, 'm', 'scraper');
    await t.gql('query ($t: String!) { tokenReview(input: { token: $t }) { authenticated } }', { t: tok });
    await t.gql('{ secrets(namespace: "m") { totalCount } }', {}, tok);
    const after = await (await scrape()).text();
    const grew = (name: string, labels = '') => sample(after, name, labels) - sample(before, name, labels);
    expect(grew('keyway_tokens_issued_total')).toBe(1);
    expect(grew('keyway_token_reviews_total', 'authenticated="true"')).toBe(1);
    expect(grew('keyway_graphql_errors_total', 'code="FORBIDDEN"')).toBe(1);
    expect(grew('keyway_authorization_denied_total')).toBeGreaterThanOrEqual(1);
    expect(grew('keyway_http_request_duration_seconds_count', 'endpoint="graphql",method="POST",code="200"')).toBe(3);
    expect(sample(after, 'keyway_changelog_resource_version')).toBeGreaterThan(0);
  });

  it('gives every response an Audit-ID and logs the request with it, never the token', async () => {
    const tok = await token(t, 'm', 'scraper');
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
      body: JSON.stringify({ query: '{ whoami { username } }' }),
    });
    const auditID = res.headers.get('audit-id')!;
    expect(auditID).toMatch(/^[0-9a-f-]{36}$/);
    const own = await t.fetch('/readyz', { headers: { 'audit-id': 'my-trace-1' } });
    expect(own.headers.get('audit-id')).toBe('my-trace-1');
    const line = lines.map((l) => JSON.parse(l)).find((l) => l.auditID === auditID);
    expect(line).toMatchObject({
      msg: 'request',
      user: 'system:serviceaccount:m:scraper',
      method: 'POST',
      status: 200,
    });
    expect(lines.join('\n')).not.toContain(tok);
  });

  it('names the caller on the log line of a request refused for its rate (429)', async () => {
    const own: string[] = [];
    const slow = await t.replica({
      log: createLogger('info', { write: (line: string) => own.push(line) }),
      http: {
        fairShare: { total: 64, perUser: 16, queuePerUser: 64, queueTimeoutMs: 10_000, ratePerSecond: 1, burst: 1 },
      },
    });
    try {
      const tok = await token(t, 'm', 'scraper');
      const ask = () =>
        slow.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` },
          body: JSON.stringify({ query: '{ whoami { username } }' }),
        });
      await ask();
      const refused = await ask();
      expect(refused.status).toBe(429);
      const line = own.map((l) => JSON.parse(l)).find((l) => l.auditID === refused.headers.get('audit-id'));
      expect(line).toMatchObject({ msg: 'request', status: 429, user: 'system:serviceaccount:m:scraper' });
    } finally {
      await slow.close();
    }
  });
});

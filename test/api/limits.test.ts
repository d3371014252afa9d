/**
 * Query limits, on every engine: each hostile shape is refused with BAD_REQUEST in well under a
 * second and the server goes on answering; the shapes real clients send (GraphiQL's introspection,
 * a 1,000-item page, the deepest field of a Pod) still pass. Each case fails if its limit goes.
 */
import { getIntrospectionQuery } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { namespace, pod, serviceAccount } from '../helpers/fixtures.js';

/** A valid query `levels` deep: a type reference's `ofType`, nested. */
const deep = (levels: number) =>
  `{ __type(name: "Query") { ${'ofType { '.repeat(levels)} name ${'} '.repeat(levels)}} }`;

describe.each(ENGINES)('query limits (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    await namespace(t, 'lim');
  });
  afterAll(() => t.close());

  const refused = async (code: string, query: string, variables: Record<string, unknown> = {}) => {
    const started = Date.now();
    const res = await t.gql(query, variables);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.data ?? null).toBeNull();
    expect(res.errors?.map((e) => e.extensions.code)).toEqual([code]);
    expect((await t.fetch('/healthz')).status).toBe(200);
    return res.errors![0].message;
  };

  it('refuses brackets nested thousands deep before the recursive parser overflows (anonymous too)', async () => {
    const deep = `{${'a{'.repeat(3000)}b${'}'.repeat(3001)}`;
    expect(await refused('GRAPHQL_PARSE_FAILED', deep)).toContain('nested more than 100 deep');
    const anonymous = await t.gql(deep, {}, null);
    expect(anonymous.errors?.map((e) => e.extensions.code)).toEqual(['GRAPHQL_PARSE_FAILED']);
    // input values nest as well as selections
    const input = `{ namespaces(labelSelector: ${'['.repeat(3000)}${']'.repeat(3000)}) { totalCount } }`;
    expect(await refused('GRAPHQL_PARSE_FAILED', input)).toContain('nested more than 100 deep');
  });

  it("counts introspection for depth: a 60-deep __type is refused, GraphiQL's query is not", async () => {
    const deep = `{ __type(name: "Pod") { ${'ofType { '.repeat(60)}name${' }'.repeat(60)} } }`;
    expect(await refused('GRAPHQL_VALIDATION_FAILED', deep)).toMatch(/depth/i);
  });

  it('refuses a query 60 levels deep', async () => {
    expect(await refused('GRAPHQL_VALIDATION_FAILED', deep(60))).toMatch(/depth limit of 20 exceeded/);
  });

  it('refuses 2,000 aliases of one field', async () => {
    const aliases = Array.from({ length: 2000 }, (_, i) => `a${i}: __typename`).join(' ');
    expect(await refused('GRAPHQL_VALIDATION_FAILED', `{ ${aliases} }`)).toMatch(/aliases limit of 50 exceeded/i);
  });

  it('refuses a 1 MB document', async () => {
    expect(await refused('GRAPHQL_PARSE_FAILED', `{ __typename } # ${'x'.repeat(1024 * 1024)}`)).toMatch(
      /Character limit of 100000/,
    );
  });

  it('refuses a document of too many tokens', async () => {
    const args = Array.from({ length: 12_000 }, (_, i) => `a${i}:1`).join(',');
    expect(await refused('GRAPHQL_PARSE_FAILED', `{ namespaces(${args}) { totalCount } }`)).toMatch(
      /Token limit of 10000/i,
    );
  });

  it('refuses too many directives', async () => {
    expect(
      await refused('GRAPHQL_VALIDATION_FAILED', `{ ${'... on Query @include(if: true) { __typename } '.repeat(60)}}`),
    ).toMatch(/directives limit of 50/i);
  });

  it('refuses nested pages whose product is too large, counting first and variables', async () => {
    const nested = `query ($n: Int) { namespaces(first: $n) { edges { node { pods(first: 1000) { totalCount } } } } }`;
    expect(await refused('BAD_REQUEST', nested, { n: 1000 })).toMatch(/cost limit of 100000 exceeded, found \d{7}/);
    // an omitted first counts as the default page (100): 100 × 1000 × … is still too much
    expect(await refused('BAD_REQUEST', nested, {})).toMatch(/cost limit/);
    // the same shape with small pages is fine
    expect((await t.gql(nested, { n: 10 })).errors).toBeUndefined();
  });

  it('passes the queries real clients send', async () => {
    await serviceAccount(t, 'lim', 'runner');
    for (const name of ['p1', 'p2']) await pod(t, 'lim', name, 'runner');
    // GraphiQL's introspection (13 deep, within the depth limit)
    expect(
      (await t.gql(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }))).errors,
    ).toBeUndefined();
    // a full page of the largest size, every field of a Pod down to the deepest
    const res = await t.gql(`{ pods(namespace: "lim", first: 1000) { totalCount edges { cursor node {
      id metadata { name namespace uid resourceVersion generation creationTimestamp labels annotations }
      spec { serviceAccountName volumes { name projected { sources { downwardAPI { items { path
        fieldRef { apiVersion fieldPath } } } serviceAccountToken { audience expirationSeconds path } } } } }
      serviceAccount { id metadata { name } } } } } }`);
    expect(res.errors).toBeUndefined();
    // real Pods, with their account nested
    expect(res.data!.pods.totalCount).toBe(2);
    expect(res.data!.pods.edges.map((e: any) => e.node.serviceAccount.metadata.name)).toEqual(['runner', 'runner']);
  });

  it('hides field suggestions', async () => {
    const res = await t.gql('{ namespacez { totalCount } }');
    expect(res.errors?.[0].message).toContain('Cannot query field "namespacez"');
    expect(res.errors?.[0].message).not.toMatch(/Did you mean/);
  });

  it('refuses batched requests', async () => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminToken}` },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(res.status).toBe(400);
  });
});

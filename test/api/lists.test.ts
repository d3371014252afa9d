/** Lists: Relay pagination, totalCount, label selectors, all namespaces, node(id). */
import { execute, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schema } from '../../src/schema.js';
import { requestContext } from '../../src/server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';
import { grant, namespace, pod } from '../helpers/fixtures.js';

const LIST = `query ($namespace: String, $labelSelector: String, $first: Int, $after: String) {
  serviceAccounts(namespace: $namespace, labelSelector: $labelSelector, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { id metadata { namespace name } } } } }`;

const names = (data: any) =>
  data.serviceAccounts.edges.map((e: any) => `${e.node.metadata.namespace}/${e.node.metadata.name}`);

describe.each(ENGINES)('lists (%s)', (engine) => {
  let t: TestApp;
  const labelled: Record<string, Record<string, string>> = {
    a: { app: 'web', tier: 'frontend', env: 'prod', weight: '10' },
    b: { app: 'web', tier: 'backend', env: 'staging', weight: '2' },
    c: { app: 'db', tier: 'backend', env: 'prod' },
    d: { app: 'web', env: 'dev', weight: '1' },
    e: {},
  };

  beforeAll(async () => {
    t = await startTestApp(engine, { controllers: false });
    for (const ns of ['team-a', 'team-b']) {
      await namespace(t, ns);
    }
    for (const [name, labels] of Object.entries(labelled)) {
      for (const ns of ['team-a', 'team-b']) {
        await t.ok(
          'mutation ($ns: String!, $i: ServiceAccountInput!) { createServiceAccount(namespace: $ns, input: ' +
            '$i) { id } }',
          {
            ns,
            i: { metadata: { name, labels } },
          },
        );
      }
    }
  });
  afterAll(() => t.close());

  it('lists one namespace in name order', async () => {
    const data = await t.ok(LIST, { namespace: 'team-a' });
    expect(names(data)).toEqual(['a', 'b', 'c', 'd', 'e'].map((n) => `team-a/${n}`));
    expect(data.serviceAccounts.totalCount).toBe(5);
  });

  it('lists every namespace when namespace is omitted', async () => {
    const data = await t.ok(LIST, {});
    expect(data.serviceAccounts.totalCount).toBe(10);
    expect(names(data).slice(0, 2)).toEqual(['team-a/a', 'team-a/b']);
    expect(names(data).at(-1)).toBe('team-b/e');
  });

  it('pages with first/after until hasNextPage is false', async () => {
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    for (;;) {
      const data = await t.ok(LIST, { first: 3, after });
      pages++;
      seen.push(...names(data));
      expect(data.serviceAccounts.totalCount).toBe(10);
      expect(data.serviceAccounts.pageInfo.hasPreviousPage).toBe(after !== undefined);
      if (!data.serviceAccounts.pageInfo.hasNextPage) break;
      after = data.serviceAccounts.pageInfo.endCursor;
    }
    expect(pages).toBe(4);
    expect(seen).toEqual(names(await t.ok(LIST, {})));
  });

  it('refuses a bad cursor or page size with BAD_REQUEST', async () => {
    for (const vars of [{ after: 'garbage' }, { first: -1 }, { first: 100000 }]) {
      const res = await t.gql(LIST, vars);
      expect(res.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it.each([
    ['app=web', ['a', 'b', 'd']],
    ['app==web,env=prod', ['a']],
    ['app!=web', ['c', 'e']],
    ['env in (prod,staging)', ['a', 'b', 'c']],
    ['env notin (prod)', ['b', 'd', 'e']],
    ['tier', ['a', 'b', 'c']],
    ['!tier', ['d', 'e']],
    ['weight>3', ['a']],
    ['weight<3', ['b', 'd']],
    ['app=web,!tier', ['d']],
    ['app in (web,db),tier notin (frontend),env!=staging', ['c', 'd']],
  ])('selects %j', async (labelSelector, expected) => {
    const data = await t.ok(LIST, { namespace: 'team-b', labelSelector });
    expect(names(data)).toEqual(expected.map((n) => `team-b/${n}`));
    expect(data.serviceAccounts.totalCount).toBe(expected.length);
  });

  it('refuses a malformed selector with BAD_REQUEST', async () => {
    const res = await t.gql(LIST, { labelSelector: 'app in web' });
    expect(res.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.errors?.[0].message).toContain("unable to parse requirement: found 'web', expected: '('");
  });

  it('lists a namespace’s objects from the Namespace', async () => {
    const data = await t.ok(
      '{ namespace(name: "team-a") { serviceAccounts(labelSelector: "app=web", first: 2) { totalCount ' +
        'edges { node { metadata { name } } } } } }',
    );
    expect(data.namespace.serviceAccounts.totalCount).toBe(3);
    expect(data.namespace.serviceAccounts.edges.map((e: any) => e.node.metadata.name)).toEqual(['a', 'b']);
  });

  it('refetches any object by its global id', async () => {
    const data = await t.ok(LIST, { namespace: 'team-b', first: 1 });
    const id = data.serviceAccounts.edges[0].node.id;
    const node = await t.ok(
      'query ($id: ID!) { node(id: $id) { id ... on ServiceAccount { metadata { namespace name } } } }',
      { id },
    );
    expect(node.node).toEqual({ id, metadata: { namespace: 'team-b', name: 'a' } });
    const ns = await t.ok('{ namespace(name: "team-a") { id } }');
    const again = await t.ok('query ($id: ID!) { node(id: $id) { ... on Namespace { metadata { name } } } }', {
      id: ns.namespace.id,
    });
    expect(again.node.metadata.name).toBe('team-a');
  });

  it('answers NOT_FOUND and BAD_REQUEST for missing and malformed ids', async () => {
    const missing = Buffer.from('ServiceAccount:team-a/nope').toString('base64');
    const res = await t.gql('query ($id: ID!) { node(id: $id) { id } }', { id: missing });
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
    for (const id of [
      '%%%',
      Buffer.from('Nope:x').toString('base64'),
      Buffer.from('Pod:no-slash').toString('base64'),
    ]) {
      const bad = await t.gql('query ($id: ID!) { node(id: $id) { id } }', { id });
      expect(bad.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    }
  });

  it('answers a list with nested objects in one synchronous pass, RBAC checks included', async () => {
    // reads come from the watch cache and RBAC answers at once: no resolver of a long list may
    // cost a promise per item (the relay id, each nested account, each authorization question)
    for (const [name, account] of [
      ['p1', 'a'],
      ['p2', 'b'],
      ['p3', 'a'],
    ])
      await pod(t, 'team-a', name, account);
    await grant(t, 'team-a', 'lister', [
      { verbs: ['list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: [''], resources: ['serviceaccounts'] },
    ]);
    const ctx = requestContext(
      { authorizer: t.app.authorizer, services: t.app.services, cache: t.app.cache },
      { username: 'lister', uid: '', groups: ['system:authenticated'], extra: {} },
    );
    const result = execute({
      schema,
      document: parse(`{ pods(namespace: "team-a") { totalCount edges { cursor node {
        id metadata { name labels } spec { containers { name } } serviceAccount { id metadata { name } } } } } }`),
      contextValue: ctx,
    });
    expect(result).not.toBeInstanceOf(Promise);
    const { data, errors } = result as Awaited<typeof result>;
    expect(errors).toBeUndefined();
    expect((data as any).pods.edges.map((e: any) => e.node.serviceAccount.metadata.name)).toEqual(['a', 'b', 'a']);
    expect(ctx.authz.trace.every((entry) => entry.decision.allowed)).toBe(true);
  });
});

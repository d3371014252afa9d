/**
 * The authenticator union: static tokens (the admin token, the token file), then anonymous. A
 * credential that is present and not accepted is a 401, never anonymous.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

describe('authentication', () => {
  let t: TestApp;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-authn-'));
    const file = join(dir, 'tokens.csv');
    await writeFile(file, 'alice-token-0123456789,alice,1001,"system:masters,dev"\nbob-token-0123456789,bob,1002\n');
    t = await startTestApp('pglite', { tokenAuthFile: file, controllers: false });
  });
  afterAll(() => t.close());

  const LIST = '{ namespaces { totalCount } }';

  it('accepts the admin token as keyway:admin in system:masters', async () => {
    const res = await t.gql(LIST);
    expect(res.status).toBe(200);
    expect(res.data?.namespaces.totalCount).toBe(4);
  });

  it('accepts token-file users with their groups', async () => {
    expect((await t.gql(LIST, {}, 'alice-token-0123456789')).data?.namespaces.totalCount).toBe(4);
    const bob = await t.gql(LIST, {}, 'bob-token-0123456789');
    expect(bob.status).toBe(200);
    expect(bob.errors?.[0].message).toBe(
      'namespaces is forbidden: User "bob" cannot list resource "namespaces" in API group "" at the cluster scope',
    );
  });

  it('treats a request without a token as system:anonymous', async () => {
    const res = await t.gql(LIST, {}, null);
    expect(res.status).toBe(200);
    expect(res.errors?.[0].message).toBe(
      'namespaces is forbidden: User "system:anonymous" cannot list resource "namespaces" in API ' +
        'group "" at the cluster scope',
    );
  });

  it.each([
    ['an unknown token', { authorization: 'Bearer not-a-token' }],
    ['an empty bearer token', { authorization: 'Bearer ' }],
    ['a basic credential', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
    ['a token in the wrong scheme', { authorization: 'Token abc' }],
    ['two tokens', { authorization: 'Bearer a b' }],
  ])('answers %s with 401 UNAUTHENTICATED', async (_what, headers) => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ query: LIST }),
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toBe('Bearer');
    const body = await res.json();
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([{ message: 'Unauthorized', extensions: { code: 'UNAUTHENTICATED' } }]);
  });

  it('accepts the scheme in any case, as Kubernetes does', async () => {
    const res = await t.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `bearer ${t.adminToken}` },
      body: JSON.stringify({ query: LIST }),
    });
    expect(res.status).toBe(200);
  });
});

describe('whoami', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('pglite', { controllers: false });
  });
  afterAll(() => t.close());

  it('tells the admin who it is', async () => {
    const data = await t.ok('{ whoami { username uid groups extra } }');
    expect(data.whoami).toEqual({
      username: 'keyway:admin',
      uid: '',
      groups: ['system:masters', 'system:authenticated'],
      extra: {},
    });
  });

  it('is not open to anonymous callers', async () => {
    const res = await t.gql('{ whoami { username } }', {}, null);
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('refuses an empty TokenReview with BAD_REQUEST', async () => {
    const res = await t.gql('{ tokenReview(input: { token: "" }) { authenticated } }');
    expect(res.errors?.[0]).toMatchObject({
      message: 'token is required for TokenReview in authentication',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});

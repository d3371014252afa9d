/**
 * Refusals: system:masters may do anything, a user with no grants nothing but discovery; each
 * refusal reads as kube-apiserver writes it, for the exact question the field asked.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';

const BOB = 'bob-token-0123456789';

describe('authorization refusals', () => {
  let t: TestApp;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyway-authz-'));
    await writeFile(join(dir, 'tokens.csv'), `${BOB},bob,1002,dev\n`);
    t = await startTestApp('pglite', { tokenAuthFile: join(dir, 'tokens.csv') });
  });
  afterAll(() => t.close());

  it.each([
    [
      '{ pod(namespace: "default", name: "web") { id } }',
      'pods "web" is forbidden: User "bob" cannot get resource "pods" in API group "" in the namespace "default"',
    ],
    [
      '{ secrets(namespace: "maintenance") { totalCount } }',
      'secrets is forbidden: User "bob" cannot list resource "secrets" in API group "" in the namespace "maintenance"',
    ],
    [
      '{ pods { totalCount } }',
      'pods is forbidden: User "bob" cannot list resource "pods" in API group "" at the cluster scope',
    ],
    [
      '{ clusterRole(name: "admin") { id } }',
      'clusterroles.rbac.authorization.k8s.io "admin" is forbidden: User "bob" cannot get resource ' +
        '"clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    ],
    [
      'mutation { createRole(namespace: "dev", input: { metadata: { name: "r" } }) { id } }',
      'roles.rbac.authorization.k8s.io is forbidden: User "bob" cannot create resource "roles" in ' +
        'API group "rbac.authorization.k8s.io" in the namespace "dev"',
    ],
    [
      'mutation { updateServiceAccount(namespace: "dev", input: { metadata: { name: "ci" } }) { id } }',
      'serviceaccounts "ci" is forbidden: User "bob" cannot update resource "serviceaccounts" in ' +
        'API group "" in the namespace "dev"',
    ],
    [
      'mutation { deleteNamespace(name: "dev") { id } }',
      'namespaces "dev" is forbidden: User "bob" cannot delete resource "namespaces" in API group ' +
        '"" in the namespace "dev"',
    ],
    [
      `{ node(id: "${Buffer.from('Secret:dev/db').toString('base64')}") { id } }`,
      'secrets "db" is forbidden: User "bob" cannot get resource "secrets" in API group "" in the namespace "dev"',
    ],
  ])('%s', async (query, message) => {
    const res = await t.gql(query, {}, BOB);
    expect(res.status).toBe(200);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({ message, extensions: { code: 'FORBIDDEN' } });
    expect(Object.values(res.data ?? {})).toEqual([null]);
  });

  it('denies before reading: a forbidden get of a missing object is FORBIDDEN, not NOT_FOUND', async () => {
    const res = await t.gql('{ serviceAccount(namespace: "nowhere", name: "ghost") { id } }', {}, BOB);
    expect(res.errors?.[0].extensions.code).toBe('FORBIDDEN');
  });

  it('denies before writing: nothing is created', async () => {
    await t.gql('mutation { createNamespace(input: { metadata: { name: "bobs" } }) { id } }', {}, BOB);
    expect((await t.gql('{ namespace(name: "bobs") { id } }')).errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('keeps the rest of a response when one field is denied', async () => {
    const res = await t.gql('{ a: namespaces { totalCount } b: namespaces { totalCount } }', {}, BOB);
    expect(res.errors?.map((e) => e.path)).toEqual([['a'], ['b']]);
    const admin = await t.gql('{ namespaces { totalCount } secret(namespace: "default", name: "none") { id } }');
    expect(admin.data?.namespaces.totalCount).toBe(4);
    expect(admin.errors?.map((e) => [e.path, e.extensions.code])).toEqual([[['secret'], 'NOT_FOUND']]);
  });
});

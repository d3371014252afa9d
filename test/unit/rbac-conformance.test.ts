/**
 * Every authorization vector from Kubernetes' own tests, decided by the RBAC authorizer over an
 * index built straight from the vector's objects (the API-level run is in test/api/rbac).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { RbacAuthorizer } from '../../src/authz/rbac/authorizer.js';
import { RbacIndex } from '../../src/authz/rbac/index.js';
import type { KubeObject } from '../../src/apis/meta.js';
import type { Change } from '../../src/store/store.js';
import { objectOf, type RbacVector } from '../helpers/rbac.js';

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/rbac-vectors.json', import.meta.url), 'utf8'),
) as RbacVector[];

function decide(v: RbacVector) {
  const index = new RbacIndex();
  let rv = 0;
  for (const o of [...v.roles, ...v.bindings]) {
    const obj = objectOf(o) as unknown as KubeObject;
    const meta = obj.metadata as { name: string; namespace?: string };
    index.apply({
      resourceVersion: ++rv,
      type: 'ADDED',
      kind: o.kind,
      namespace: meta.namespace ?? '',
      name: meta.name,
      uid: String(rv),
      object: obj,
    } as Change);
  }
  const q = v.request;
  const user = { username: q.user, uid: '', groups: q.groups, extra: {} };
  const attrs = q.nonResourcePath
    ? { user, verb: q.verb, path: q.nonResourcePath }
    : {
        user,
        verb: q.verb,
        apiGroup: q.apiGroup,
        resource: q.resource,
        subresource: q.subresource,
        namespace: q.namespace,
        name: q.name,
      };
  return new RbacAuthorizer(index).authorize(attrs).allowed;
}

describe('RBAC conformance vectors (authorizer)', () => {
  it('has the vectors', () => expect(vectors.length).toBeGreaterThan(100));
  it.each(vectors.map((v, i) => [i, v.source, v] as const))('#%i %s', (_i, _source, v) => {
    expect(decide(v)).toBe(v.allowed);
  });
});

import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_USER,
  serviceAccountGroups,
  serviceAccountUsername,
  splitServiceAccountUsername,
  withAuthenticatedGroup,
} from '../../src/authn/identity.js';

describe('ServiceAccount usernames', () => {
  it.each([
    ['dev', 'ci'],
    ['kube-system', 'default'],
    ['ns', 'name.with.dots'],
  ])('round-trips %s/%s', (namespace, name) => {
    expect(splitServiceAccountUsername(serviceAccountUsername(namespace, name))).toEqual({ namespace, name });
  });

  it.each([
    'system:serviceaccount:dev',
    'system:serviceaccount:dev:ci:extra',
    'system:serviceaccount::ci',
    'system:serviceaccount:Dev:ci',
    'system:serviceaccount:dev:CI',
    'system:serviceaccounts:dev:ci',
    'alice',
  ])('rejects %j', (username) => {
    expect(splitServiceAccountUsername(username)).toBeNull();
  });

  it('builds the groups Kubernetes gives a ServiceAccount', () => {
    expect(serviceAccountGroups('dev')).toEqual(['system:serviceaccounts', 'system:serviceaccounts:dev']);
  });
});

describe('system:authenticated', () => {
  it.each([
    [{ username: 'alice', uid: '', groups: [], extra: {} }, ['system:authenticated']],
    [{ username: 'alice', uid: '', groups: ['dev'], extra: {} }, ['dev', 'system:authenticated']],
    [{ username: 'alice', uid: '', groups: ['system:authenticated'], extra: {} }, ['system:authenticated']],
    [{ username: 'weird', uid: '', groups: ['system:unauthenticated'], extra: {} }, ['system:unauthenticated']],
    [ANONYMOUS_USER, ['system:unauthenticated']],
  ])('%j gets groups %j', (user, groups) => {
    expect(withAuthenticatedGroup(user).groups).toEqual(groups);
  });
});

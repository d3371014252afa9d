/**
 * Users and groups as strings, built and parsed here only
 * (`k8s.io/apiserver/pkg/authentication/serviceaccount/util.go`, `.../user/user.go`).
 */
import { isDNS1123Label, isDNS1123Subdomain } from '../validation/names.js';

export interface UserInfo {
  username: string;
  uid: string;
  groups: string[];
  extra: Record<string, string[]>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const ALL_AUTHENTICATED = 'system:authenticated';
export const ALL_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS = 'system:anonymous';
const ALL_SERVICE_ACCOUNTS = 'system:serviceaccounts';
const SERVICE_ACCOUNT_PREFIX = 'system:serviceaccount:';
const SERVICE_ACCOUNT_GROUP_PREFIX = 'system:serviceaccounts:';

export const ADMIN_USERNAME = 'keyway:admin';

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return [ALL_SERVICE_ACCOUNTS, `${SERVICE_ACCOUNT_GROUP_PREFIX}${namespace}`];
}

/** `SplitUsername`: the namespace and name of a ServiceAccount username, or null. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | null {
  if (!username.startsWith(SERVICE_ACCOUNT_PREFIX)) return null;
  const parts = username.slice(SERVICE_ACCOUNT_PREFIX.length).split(':');
  if (parts.length !== 2) return null;
  const [namespace, name] = parts;
  if (isDNS1123Label(namespace).length || isDNS1123Subdomain(name).length) return null;
  return { namespace, name };
}

export const ANONYMOUS_USER: UserInfo = Object.freeze({
  username: ANONYMOUS,
  uid: '',
  groups: [ALL_UNAUTHENTICATED],
  extra: {},
}) as UserInfo;

/**
 * `AuthenticatedGroupAdder`: every authenticated user is in `system:authenticated`, unless it is
 * anonymous or already carries either all-users group.
 */
export function withAuthenticatedGroup(user: UserInfo): UserInfo {
  if (user.username === ANONYMOUS) return user;
  if (user.groups.includes(ALL_AUTHENTICATED) || user.groups.includes(ALL_UNAUTHENTICATED)) return user;
  return { ...user, groups: [...user.groups, ALL_AUTHENTICATED] };
}

/** The identity controllers act as inside this process. */
export const CONTROLLER_USER: UserInfo = Object.freeze({
  username: 'system:kube-controller-manager',
  uid: '',
  groups: [SYSTEM_MASTERS, ALL_AUTHENTICATED],
  extra: {},
}) as UserInfo;

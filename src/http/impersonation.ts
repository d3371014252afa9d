/**
 * Impersonation, as a request plugin after authentication (kube-apiserver's `WithImpersonation`
 * filter, `k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`): `Impersonate-User`,
 * `Impersonate-Group`, `Impersonate-Uid` and `Impersonate-Extra-<key>` make the request act as
 * another user, each asked of the authorizer as `impersonate` on users (or the ServiceAccount),
 * groups, uids and userextras.
 */
import type { Plugin } from 'graphql-yoga';
import type { Authorizer, RequestAttributes } from '../authz/authorizer.js';
import { RequestAuthorizer } from '../authz/request.js';
import { ApiError, badRequest } from '../errors.js';
import { dict } from '../util/maps.js';
import type { RequestContext } from './authentication.js';
import {
  ALL_AUTHENTICATED,
  ALL_UNAUTHENTICATED,
  ANONYMOUS,
  serviceAccountGroups,
  splitServiceAccountUsername,
  type UserInfo,
} from '../authn/identity.js';

const EXTRA_PREFIX = 'impersonate-extra-';

/**
 * `unescapeExtraKey`: an extra's key is percent-encoded in its header name; one that does not
 * decode is kept as it came (Kubernetes records malformed keys rather than dropping them).
 */
function unescapeExtraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** The impersonation a request asks for, or null. Multiple values of a header arrive comma-joined. */
function requestedImpersonation(headers: Headers) {
  const username = headers.get('impersonate-user');
  const groupsHeader = headers.get('impersonate-group');
  const uid = headers.get('impersonate-uid');
  // keys are the caller's: a null-prototype map keeps `__proto__` a key like any other
  const extra = dict<string[]>();
  headers.forEach((value, key) => {
    // header names arrive lower-cased, as Kubernetes lower-cases them before unescaping
    if (key.startsWith(EXTRA_PREFIX))
      extra[unescapeExtraKey(key.slice(EXTRA_PREFIX.length))] = value.split(',').map((v) => v.trim());
  });
  const groups =
    groupsHeader === null
      ? []
      : groupsHeader
          .split(',')
          .map((g) => g.trim())
          .filter(Boolean);
  if (username === null && uid === null && groups.length === 0 && Object.keys(extra).length === 0) return null;
  return { username, groups, uid, extra };
}

/**
 * The user the request acts as. @throws BAD_REQUEST when something but a user is impersonated,
 *   FORBIDDEN (HTTP 403) when the caller may not impersonate what it asked for.
 */
async function impersonate(headers: Headers, authz: RequestAuthorizer): Promise<UserInfo> {
  const asked = requestedImpersonation(headers);
  if (!asked) return authz.user;
  if (asked.username === null) {
    throw badRequest('requested impersonation of groups, uid or extra without impersonating a user');
  }
  const checks: RequestAttributes[] = [];
  const sa = splitServiceAccountUsername(asked.username);
  checks.push(
    sa
      ? { verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }
      : { verb: 'impersonate', apiGroup: '', resource: 'users', name: asked.username },
  );
  for (const group of asked.groups) checks.push({ verb: 'impersonate', apiGroup: '', resource: 'groups', name: group });
  if (asked.uid !== null)
    checks.push({ verb: 'impersonate', apiGroup: 'authentication.k8s.io', resource: 'uids', name: asked.uid });
  for (const [key, values] of Object.entries(asked.extra)) {
    for (const value of values) {
      checks.push({
        verb: 'impersonate',
        apiGroup: 'authentication.k8s.io',
        resource: 'userextras',
        subresource: key,
        name: value,
      });
    }
  }
  for (const check of checks) {
    if (!(await authz.allowed(check))) {
      const err = await forbiddenFor(authz, check);
      throw new ApiError('FORBIDDEN', err.message, { http: { status: 403 } });
    }
  }

  const groups = [...asked.groups];
  if (sa) groups.push(...serviceAccountGroups(sa.namespace).filter((g) => !groups.includes(g)));
  if (asked.username !== ANONYMOUS) {
    if (!groups.includes(ALL_AUTHENTICATED) && !groups.includes(ALL_UNAUTHENTICATED)) groups.push(ALL_AUTHENTICATED);
  } else if (!groups.includes(ALL_UNAUTHENTICATED)) {
    groups.push(ALL_UNAUTHENTICATED);
  }
  return { username: asked.username, uid: asked.uid ?? '', groups, extra: asked.extra };
}

async function forbiddenFor(authz: RequestAuthorizer, check: RequestAttributes) {
  await authz.decide(check);
  return authz.settledError(check);
}

/** The plugin: a request that asks to impersonate acts as whom it may impersonate, or is refused (403). */
export function useImpersonation(authorizer: Authorizer): Plugin<RequestContext> {
  return {
    onContextBuilding({ context, extendContext }) {
      const { request, user } = context;
      if (!user || !requestedImpersonation(request.headers)) return undefined;
      return impersonate(request.headers, new RequestAuthorizer(user, authorizer)).then((acting) => {
        extendContext({ user: acting, impersonator: user });
      });
    },
  };
}

/**
 * Who is asking, as a request plugin (kube-apiserver's `WithAuthentication` filter): before the
 * caller is trusted, this replica applies every change announced to it (a token revoked or an
 * RBAC change made on another replica counts here at once); then the bearer token goes through
 * the authenticator union. Free of promises when nothing is pending and the token is cached.
 */
import type { Plugin } from 'graphql-yoga';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthenticator } from '../authn/request.js';
import type { ChangeFollower } from '../changelog/follower.js';
import type { Context } from '../context.js';

/** What the request plugins build the context from, step by step. */

export type RequestContext = Partial<Context> & { request: Request };

/** Who each request authenticated as, once known (even if a later plugin refuses it). */
const AUTHENTICATED = new WeakMap<Request, UserInfo>();

/** Whom a request authenticated as, if it got that far (for the audit and the request log). */
export function authenticatedUserOf(request: Request): UserInfo | undefined {
  return AUTHENTICATED.get(request);
}

/** Placed right after authentication (before impersonation): remembers whom the request authenticated as. */
export function useAuthenticatedUser(): Plugin<RequestContext> {
  return {
    onContextBuilding({ context }) {
      if (context.user) AUTHENTICATED.set(context.request, context.user);
    },
  };
}

export function useAuthentication(
  authenticator: RequestAuthenticator,
  follower: ChangeFollower,
): Plugin<RequestContext> {
  return {
    onContextBuilding({ context, extendContext }) {
      const headers = context.request.headers;
      const pending = follower.freshWithin();
      if (pending) {
        return pending.then(async () => {
          extendContext({ user: await authenticator.authenticate(headers) });
        });
      }
      const user = authenticator.authenticate(headers);
      if (user instanceof Promise) {
        return user.then((u) => {
          extendContext({ user: u });
        });
      }
      extendContext({ user });
      return undefined;
    },
  };
}

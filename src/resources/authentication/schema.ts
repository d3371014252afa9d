/**
 * authentication.k8s.io for GraphQL: TokenReview (as a query: it changes nothing) and the
 * caller's own identity (SelfSubjectReview, here `whoami`).
 */
import { AuthenticationError } from '../../authn/authenticator.js';
import type { UserInfo } from '../../authn/identity.js';
import { builder } from '../../builder.js';
import { badRequest } from '../../errors.js';
import { canDo } from '../common/attributes.js';

export const UserInfoRef = builder.objectRef<UserInfo>('UserInfo').implement({
  description: 'An authenticated identity, as Kubernetes describes one.',
  fields: (t) => ({
    username: t.exposeString('username'),
    uid: t.exposeString('uid'),
    groups: t.exposeStringList('groups'),
    extra: t.expose('extra', { type: 'StringListMap' }),
  }),
});

interface TokenReviewStatus {
  authenticated: boolean;
  user: UserInfo | null;
  audiences: string[];
  error: string | null;
}

const TokenReviewStatusRef = builder.objectRef<TokenReviewStatus>('TokenReviewStatus').implement({
  fields: (t) => ({
    authenticated: t.exposeBoolean('authenticated'),
    user: t.field({ type: UserInfoRef, nullable: true, resolve: (s) => s.user }),
    audiences: t.exposeStringList('audiences', {
      description: 'The audiences the token is valid for among those asked for (the API audiences when none were).',
    }),
    error: t.string({ nullable: true, resolve: (s) => s.error }),
  }),
});

const TokenReviewInput = builder.inputType('TokenReviewInput', {
  fields: (t) => ({
    token: t.string({ required: true }),
    audiences: t.stringList({
      required: false,
      description: 'Audiences the reviewer accepts; default: the API audiences.',
    }),
  }),
});

/** How kube-apiserver's bearer-token layer words a refusal. */
function reviewError(err: unknown): string {
  if (err instanceof AuthenticationError) return `[invalid bearer token, ${err.message}]`;
  throw err;
}

builder.queryFields((t) => ({
  tokenReview: t.field({
    type: TokenReviewStatusRef,
    nullable: true,
    description:
      'Authenticates a token as this API would (TokenReview). A token that fails is `authenticated: ' +
      'false` with an `error`, not a GraphQL error. (RBAC: create tokenreviews.authentication.k8s.io)',
    args: { input: t.arg({ type: TokenReviewInput, required: true }) },
    authScopes: { k8s: canDo('create', 'authentication.k8s.io', 'tokenreviews') },
    resolve: async (_root, { input }, ctx): Promise<TokenReviewStatus> => {
      if (!input.token) throw badRequest('token is required for TokenReview in authentication');
      try {
        const res = await ctx.tokenAuthenticator.authenticateToken(input.token, input.audiences ?? undefined);
        ctx.metrics.tokenReviews.inc({ authenticated: res ? 'true' : 'false' });
        if (!res) return { authenticated: false, user: null, audiences: [], error: 'invalid bearer token' };
        return { authenticated: true, user: res.user, audiences: res.audiences, error: null };
      } catch (err) {
        ctx.metrics.tokenReviews.inc({ authenticated: 'false' });
        return { authenticated: false, user: null, audiences: [], error: reviewError(err) };
      }
    },
  }),
  whoami: t.field({
    type: UserInfoRef,
    nullable: true,
    description:
      'Who the caller is (SelfSubjectReview). (RBAC: create selfsubjectreviews.authentication.k8s.io, ' +
      'granted to every authenticated user by the bootstrap `system:basic-user` binding)',
    authScopes: { k8s: canDo('create', 'authentication.k8s.io', 'selfsubjectreviews') },
    resolve: (_root, _args, ctx) => ctx.user,
  }),
}));

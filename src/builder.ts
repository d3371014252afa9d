/**
 * The Pothos builder and its plugins; no types are defined here. Scope-auth comes first so it
 * wraps every resolver before the others: each field that reaches data declares the Kubernetes
 * question it asks (`authScopes: { k8s: attributes }`), answered by the request's authorizer.
 */
import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import ScopeAuthPlugin, { AuthScopeFailureType, type AuthFailure } from '@pothos/plugin-scope-auth';
import type { StringMap } from './apis/meta.js';
import { attributesKey, type RequestAttributes } from './authz/authorizer.js';
import type { Context } from './context.js';
import { ApiError, forbidden } from './errors.js';
import { goQuote } from './util/quote.js';

/** The first Kubernetes question that was answered no, in a scope-auth failure. */
function deniedAttributes(failure: AuthFailure): RequestAttributes | null {
  if (failure.kind === AuthScopeFailureType.AuthScope && failure.scope === 'k8s')
    return failure.parameter as RequestAttributes;
  if (failure.kind === AuthScopeFailureType.AllAuthScopes || failure.kind === AuthScopeFailureType.AnyAuthScopes) {
    for (const child of failure.failures) {
      const found = deniedAttributes(child);
      if (found) return found;
    }
  }
  return null;
}

function rethrown(failure: AuthFailure): Error | null {
  if ('error' in failure && failure.error) return failure.error;
  if ('failures' in failure)
    for (const child of failure.failures) {
      const err = rethrown(child);
      if (err) return err;
    }
  return null;
}

export const builder = new SchemaBuilder<{
  Context: Context;
  AuthScopes: { k8s: RequestAttributes };
  DefaultAuthStrategy: 'all';
  Scalars: {
    StringMap: { Input: StringMap; Output: StringMap };
    StringListMap: { Input: Record<string, string[]>; Output: Record<string, string[]> };
    DateTime: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
  Connection: { totalCount: () => number | Promise<number> };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [ScopeAuthPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    // A field that names several questions needs every answer to be yes.
    defaultStrategy: 'all',
    // Errors thrown while deciding (an ApiError from a malformed argument, say) surface as is.
    treatErrorsAsUnauthorized: true,
    cacheKey: (value) => attributesKey(value as RequestAttributes),
    authScopes: (ctx) => ({
      k8s: (attributes) => ctx.authz.allowed(attributes),
    }),
    unauthorizedError: (_parent, ctx, _info, result) => {
      const err = rethrown(result.failure);
      if (err instanceof ApiError) return err;
      if (err) throw err;
      const attributes = deniedAttributes(result.failure);
      if (attributes) return ctx.authz.settledError(attributes);
      return forbidden('', '', `User ${goQuote(ctx.user.username)} is not authenticated`);
    },
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    edgesFieldOptions: { nullable: { list: false, items: false } },
    nodeFieldOptions: { nullable: false },
    brandLoadedObjects: false,
  },
});

/** The builder's type parameters, for helpers that take refs. */
export type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

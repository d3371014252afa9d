/**
 * The HTTP surface: GraphQL (with GraphiQL for browsers), health and readiness. Each concern is
 * a yoga plugin in one ordered list; there is no listen() here, so tests call `yoga.fetch`.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { UserInfo } from './authn/identity.js';
import type { ChangeFollower } from './changelog/follower.js';
import type { RequestAuthenticator } from './authn/request.js';
import type { Authorizer } from './authz/authorizer.js';
import { RequestAuthorizer } from './authz/request.js';
import type { Context, Services } from './context.js';
import { type RequestContext, useAuthenticatedUser, useAuthentication } from './http/authentication.js';
import { isDatabaseUnavailable } from './db/errors.js';
import { useBodyLimit } from './http/bodyLimit.js';
import { useImpersonation } from './http/impersonation.js';
import { useKubernetesDiscovery, useKubernetesReviews } from './http/kubernetes.js';
import { useInputErrorsWithoutValues } from './http/inputErrors.js';
import { type QueryLimits, useQueryLimits } from './http/limits.js';
import { auditIdOf, useObservability } from './http/observability.js';
import { useAudit } from './http/audit.js';
import { useRequestTimeout } from './http/timeout.js';
import { FairShare, type FairShareOptions, useFairShare } from './http/fairness.js';
import { type TrustedDocuments, useTrustedDocuments } from './http/trusted.js';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useAnonymousIntrospection } from './http/introspection.js';
import { useOidcDiscovery, type DiscoveryOptions } from './http/oidc.js';
import { useStaleMarker } from './http/stale.js';
import type { Logger } from './log.js';
import { ObjectLoader } from './registry/loader.js';
import { schema } from './schema.js';
import type { ObjectCache } from './cache/objects.js';

export interface ServerDeps {
  services: Services;
  follower: ChangeFollower;
  authenticator: RequestAuthenticator;
  authorizer: Authorizer;
  /** The watch cache nested fields read from. */
  cache: ObjectCache;
  log: Logger;
  discovery: DiscoveryOptions;
  /** True once migrations ran and the policy engine loaded. */
  ready: () => boolean;
  /** Whether the database answers now (`Database.ping`); never throws. */
  ping: () => Promise<boolean>;
  /** In-memory consumers of the change log waiting to be relisted, and why. */
  behind: () => { name: string; reason: string }[];
  http: HttpOptions;
}

export interface HttpOptions {
  maxRequestBodyBytes: number;
  /** What a document may ask for (depth, aliases, cost, …). */
  queryLimits: QueryLimits;
  /** Set: only these documents run, asked for by id. */
  trustedDocuments?: TrustedDocuments;
  /** Seats and rates per caller. */
  fairShare: FairShareOptions;
  /** How long a query or mutation may take (watches are exempt). */
  requestTimeoutMs: number;
  publicIntrospection: boolean;
  /** Origins CORS allows; empty: no CORS headers, so browsers keep other origins out. */
  corsOrigins: string[];
}

export type KeywayServer = YogaServerInstance<Record<string, unknown>, Context>;

const DEFAULT_QUERY = `# Keyway: Kubernetes-style workload identity over GraphQL.
# Put a token in the Authorization header below (the admin token is printed
# on first start and kept in .keyway/admin-token).
{
  namespaces {
    totalCount
    edges { node { metadata { name } status { phase } } }
  }
}
`;

/**
 * Errors the client may see pass as they are; anything else is logged and replaced by an
 * INTERNAL error at the same path, with no message, stack or SQL of its own.
 */
function maskError(log: Logger) {
  return (error: unknown): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (!original || original instanceof GraphQLError) {
        if (!error.extensions?.code) {
          return new GraphQLError(error.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            // yoga's own refusals carry an HTTP status only (CSRF prevention's is a 403)
            extensions: {
              ...error.extensions,
              code:
                (error.extensions?.http as { status?: number } | undefined)?.status === 403
                  ? 'FORBIDDEN'
                  : 'BAD_REQUEST',
            },
          });
        }
        return error;
      }
      if (isDatabaseUnavailable(original)) {
        log.warn({ err: original, path: error.path?.join('.') }, 'the database is unavailable');
        return new GraphQLError('the database is unavailable: try again shortly', {
          nodes: error.nodes,
          path: error.path,
          extensions: { code: 'UNAVAILABLE' },
        });
      }
      log.error({ err: original, path: error.path?.join('.') }, 'internal error');
      return new GraphQLError('Internal error', {
        nodes: error.nodes,
        path: error.path,
        extensions: { code: 'INTERNAL' },
      });
    }
    log.error({ err: error }, 'internal error');
    return new GraphQLError('Internal error', { extensions: { code: 'INTERNAL' } });
  };
}

/** What a request's resolvers receive, once its caller is known. */
export function requestContext(
  deps: Pick<ServerDeps, 'authorizer' | 'services' | 'cache'>,
  user: UserInfo,
  request: { auditID?: string; impersonator?: UserInfo; userAgent?: string } = {},
): Context {
  const { audit: auditLog, ...services } = deps.services;
  const audit = auditLog.begin({ ...request, auditID: request.auditID ?? randomUUID(), user });
  const authz = new RequestAuthorizer(user, deps.authorizer);
  authz.observer = (attributes, decision) => audit.asked(attributes, decision);
  return { ...services, user, authz, audit, auditLog, objects: new ObjectLoader(deps.cache) };
}

/** The last request plugin: the context resolvers receive, for the caller the plugins before settled on. */
function useRequestContext(deps: Pick<ServerDeps, 'authorizer' | 'services' | 'cache'>): Plugin<RequestContext> {
  return {
    onContextBuilding({ context, extendContext }) {
      extendContext(
        requestContext(deps, context.user!, {
          auditID: auditIdOf(context.request),
          impersonator: context.impersonator,
          userAgent: context.request.headers.get('user-agent') ?? undefined,
        }),
      );
    },
  };
}

/** How long one ping's answer stands for every /readyz that asks. */
const PING_CACHE_MS = 1000;

/**
 * Ready: started, the database answered a ping of the last second, and no consumer of the change
 * log is waiting to be relisted. Requests within that second share one ping (in flight or
 * answered), so probes under load add one query a second. The answer lists each check as
 * kube-apiserver's `/readyz?verbose` does (`[+]name ok`, `[-]name failed: reason`).
 */
function readiness(deps: Pick<ServerDeps, 'ready' | 'ping' | 'behind'>): () => Promise<Response> {
  let answer: Promise<boolean> | undefined;
  let askedAt = 0;
  return async () => {
    const checks: [string, string | null][] = [];
    const started = deps.ready();
    checks.push(['started', started ? null : 'not yet']);
    if (started) {
      if (!answer || Date.now() - askedAt >= PING_CACHE_MS) {
        askedAt = Date.now();
        answer = deps.ping();
      }
      checks.push(['database', (await answer) ? null : 'does not answer']);
    }
    for (const { name, reason } of deps.behind()) checks.push([`informer ${name}`, `relisting (${reason})`]);
    const ok = checks.every(([, failure]) => failure === null);
    const lines = checks.map(([name, failure]) =>
      failure === null ? `[+]${name} ok` : `[-]${name} failed: ${failure}`,
    );
    const body = `${lines.join('\n')}\nreadyz check ${ok ? 'passed' : 'failed'}\n`;
    return new Response(body, { status: ok ? 200 : 503, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  };
}

/**
 * `/readyz`, matched by its path alone (yoga's useReadinessCheck also tries a URLPattern on every
 * request, a measurable share of a small query's cost). A check that throws is a 503.
 */
function useReadyz(check: () => Promise<Response>): Plugin {
  return {
    onRequest({ url, endResponse }) {
      if (url.pathname !== '/readyz' && url.pathname !== '/readyz/') return;
      return check().then(endResponse, (err: unknown) =>
        endResponse(new Response(`readyz check failed: ${(err as Error).message}\n`, { status: 503 })),
      );
    },
  };
}

export function createServer(deps: ServerDeps): KeywayServer {
  // In kube-apiserver's filter order: plain routes, the body limit, then who is asking (authentication,
  // impersonation) and the context every resolver gets; the rest guard GraphQL documents.
  const plugins: Plugin[] = [
    // first: a Kubernetes review becomes the GraphQL request that answers it, for every plugin after
    useKubernetesReviews(),
    useObservability({
      metrics: deps.services.metrics,
      log: deps.log,
      authenticator: deps.authenticator,
      authorizer: deps.authorizer,
    }) as Plugin,
    useAudit(deps.services.audit) as Plugin,
    useReadyz(readiness(deps)),
    useOidcDiscovery(deps.services.keys, deps.discovery),
    useKubernetesDiscovery({ authenticator: deps.authenticator, authorizer: deps.authorizer }),
    useBodyLimit(deps.http.maxRequestBodyBytes),
    // a browser's "simple" request (a GET, a form post) gets no CORS preflight: one without a JSON
    // content type must carry a header no page can add without one (Authorization, or a CSRF header)
    useCSRFPrevention({ requestHeaders: ['authorization', 'x-keyway-csrf', 'x-graphql-yoga-csrf'] }),
    ...(deps.http.trustedDocuments ? [useTrustedDocuments(deps.http.trustedDocuments)] : []),
    useAuthentication(deps.authenticator, deps.follower) as Plugin,
    useAuthenticatedUser() as Plugin,
    useImpersonation(deps.authorizer) as Plugin,
    useFairShare(new FairShare(deps.http.fairShare)) as Plugin,
    useRequestContext(deps) as Plugin,
    ...useQueryLimits(deps.http.queryLimits),
    useRequestTimeout(deps.http.requestTimeoutMs),
    useInputErrorsWithoutValues(),
    useStaleMarker(deps.follower),
    useAnonymousIntrospection(deps.http.publicIntrospection) as Plugin,
  ];
  return createYoga<Record<string, unknown>, Context>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/healthz',
    landingPage: false,
    logging: false,
    // GraphiQL's bundle is loaded on its first page, not at start (importing it costs ~0.4 s)
    renderGraphiQL: async (options) => (await import('@graphql-yoga/render-graphiql')).renderGraphiQL(options),
    graphiql: {
      title: 'Keyway',
      defaultQuery: DEFAULT_QUERY,
      headers: JSON.stringify({ Authorization: 'Bearer <paste a token here>' }, null, 2),
    },
    maskedErrors: { maskError: maskError(deps.log) },
    // useBodyLimit enforces kube-apiserver's limit, with its message; yoga's own check would
    // count every body a second time through a stream transform
    maxRequestBodySize: false,
    cors: deps.http.corsOrigins.length ? { origin: deps.http.corsOrigins, credentials: false } : false,
    plugins,
  });
}

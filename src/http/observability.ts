/**
 * Every request's trace, as kube-apiserver's filters leave one:
 * - an audit id (`Audit-ID`: the client's own if it sent a sane one, else a new UUID), on the
 *   response and on the request's log line;
 * - one pino line per request: audit id, user, method, path, status, duration. Never a header's
 *   value, a token or a variable;
 * - the request in the latency histogram, and each GraphQL error's code counted.
 *
 * And `GET /metrics`, authorized as kube-apiserver authorizes it: `get` on the non-resource URL
 * `/metrics` (system:masters may; grant a scraper a ClusterRole with `nonResourceURLs: ["/metrics"]`).
 */
import { randomUUID } from 'node:crypto';
import type { Plugin } from 'graphql-yoga';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthenticator } from '../authn/request.js';
import type { Authorizer } from '../authz/authorizer.js';
import { ApiError } from '../errors.js';
import { authenticatedUserOf } from './authentication.js';
import type { Logger } from '../log.js';
import type { Metrics } from '../metrics/metrics.js';

interface Trace {
  auditID: string;
  path: string;
  started: number;
  user?: UserInfo;
}

/** Each request's audit id, for the plugins after this one. */
const AUDIT_IDS = new WeakMap<Request, string>();
/** Each request's trace, from its first plugin to its response. */
const TRACES = new WeakMap<Request, Trace>();

/** The audit id of a request this plugin has seen. */
export function auditIdOf(request: Request): string | undefined {
  return AUDIT_IDS.get(request);
}

/** The path a request this plugin has seen was sent to (a Kubernetes review's, not the GraphQL it became). */
export function requestPathOf(request: Request): string {
  return TRACES.get(request)?.path ?? new URL(request.url).pathname;
}

/** A client's Audit-ID is kept if it looks like one (kube-apiserver keeps what the client sent). */
const SANE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** Methods counted by name; any other is `other` (a label must not take a client's every whim). */
const METHODS = new Set(['GET', 'POST', 'OPTIONS', 'HEAD']);

function endpointOf(path: string): string {
  if (path === '/graphql' || path === '/graphql/') return 'graphql';
  if (path === '/metrics' || path === '/readyz' || path === '/healthz') return path.slice(1);
  if (path.startsWith('/.well-known/') || path.startsWith('/openid/')) return 'oidc';
  if (path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/')) return 'kubernetes';
  return 'other';
}

function json(status: number, code: string, message: string): Response {
  return new Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json' },
  });
}

export function useObservability(deps: {
  metrics: Metrics;
  log: Logger;
  authenticator: RequestAuthenticator;
  authorizer: Authorizer;
}): Plugin<{ request: Request; user?: UserInfo }> {
  const { metrics, log } = deps;
  /** The histogram's child per label set, found once (prom-client hashes the labels on each call). */
  const children = new Map<string, { observe: (v: number) => void }>();
  const observe = (endpoint: string, method: string, code: number, seconds: number) => {
    const key = `${endpoint} ${method} ${code}`;
    let child = children.get(key);
    if (!child) {
      child = metrics.requests.labels({ endpoint, method, code });
      children.set(key, child);
    }
    child.observe(seconds);
  };

  const scrape = async (request: Request): Promise<Response> => {
    let user: UserInfo;
    try {
      user = await deps.authenticator.authenticate(request.headers);
    } catch (err) {
      if (err instanceof ApiError) return json(401, err.code, err.message);
      throw err;
    }
    const decision = await deps.authorizer.authorize({ verb: 'get', path: '/metrics', user });
    if (!decision.allowed) {
      return json(403, 'FORBIDDEN', `forbidden: User "${user.username}" cannot get path "/metrics"`);
    }
    return new Response(await metrics.registry.metrics(), {
      headers: { 'content-type': metrics.registry.contentType },
    });
  };

  return {
    onRequest({ request, url, endResponse }) {
      const sent = request.headers.get('audit-id');
      const auditID = sent && SANE_ID.test(sent) ? sent : randomUUID();
      AUDIT_IDS.set(request, auditID);
      TRACES.set(request, {
        auditID,
        path: url.pathname,
        started: performance.now(),
      });
      if (url.pathname === '/metrics' && request.method === 'GET') return scrape(request).then(endResponse);
    },
    onContextBuilding({ context }) {
      return ({ context: built }) => {
        const trace = TRACES.get(context.request);
        if (trace) trace.user = built.user;
      };
    },
    onResultProcess({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        const errors = (one as { errors?: readonly { extensions?: { code?: unknown } }[] }).errors;
        if (errors) for (const e of errors) metrics.errors.inc({ code: String(e.extensions?.code ?? 'NONE') });
      }
    },
    onResponse({ request, response }) {
      const trace = TRACES.get(request);
      if (!trace) return;
      response.headers.set('audit-id', trace.auditID);
      const { path } = trace;
      const seconds = (performance.now() - trace.started) / 1000;
      observe(endpointOf(path), METHODS.has(request.method) ? request.method : 'other', response.status, seconds);
      log.info(
        {
          auditID: trace.auditID,
          // the caller after impersonation; for a request refused before that, whom it authenticated as
          user: (trace.user ?? authenticatedUserOf(request))?.username,
          method: request.method,
          path,
          status: response.status,
          ms: Math.round(seconds * 1000),
        },
        'request',
      );
    },
  };
}

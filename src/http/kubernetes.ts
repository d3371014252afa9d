/**
 * Kubernetes REST for the review kinds, so a cluster (`--authentication-token-webhook-config-file`,
 * `--authorization-webhook-config-file`), Vault's Kubernetes auth method or any Kubernetes client
 * can delegate to Keyway:
 *
 * - `POST /apis/authentication.k8s.io/{v1,v1beta1}/tokenreviews`, and in `authorization.k8s.io`
 *   `subjectaccessreviews`, `selfsubjectaccessreviews`, `namespaces/{ns}/localsubjectaccessreviews`.
 *   Such a request is rewritten, before any other plugin sees it, into the GraphQL operation that
 *   answers it (`ReviewEndpoint`): authentication, impersonation, fair share, authorization,
 *   audit, limits and metrics are the GraphQL request's own, and the answer is the GraphQL one
 *   put back into the Kubernetes object (`status` filled in, the rest echoed).
 * - `GET /api`, `/api/v1`, `/apis`, `/apis/{group}`, `/apis/{group}/{version}`: discovery, authorized
 *   as `get` on the path (the bootstrap `system:discovery` grants it to authenticated users).
 * - Any failure is a `Status` with Kubernetes' code and reason, never GraphQL's `errors`.
 */
import type { Plugin } from 'graphql-yoga';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthenticator } from '../authn/request.js';
import type { Authorizer } from '../authz/authorizer.js';
import {
  BadRequestBody,
  failure,
  type ReviewEndpoint,
  type ReviewObject,
  type StatusDetails,
  statusOf,
  statusResponse,
} from '../apis/rest.js';
import { ApiError } from '../errors.js';
import { tokenReviews } from '../resources/authentication/rest.js';
import {
  localSubjectAccessReviews,
  selfSubjectAccessReviews,
  subjectAccessReviews,
} from '../resources/authorization/rest.js';

const ENDPOINTS: readonly ReviewEndpoint[] = [
  tokenReviews,
  subjectAccessReviews,
  selfSubjectAccessReviews,
  localSubjectAccessReviews,
];

const GROUPS = [...new Set(ENDPOINTS.map((e) => e.group))];

/** A review request on its way through the GraphQL pipeline. */
interface ReviewCall {
  endpoint: ReviewEndpoint;
  version: string;
  namespace: string;
  /** The decoded body, once parsed: echoed in the answer. */
  object?: ReviewObject;
}

const CALLS = new WeakMap<Request, ReviewCall>();

/** Whether a request is a review rewritten here (its document is ours, not the client's). */
export function isReviewCall(request: Request): boolean {
  return CALLS.has(request);
}

const notFound = () => statusResponse(statusOf(404, 'NotFound', 'the server could not find the requested resource'));

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
}

function groupVersions(group: string) {
  const versions = [...new Set(ENDPOINTS.filter((e) => e.group === group).flatMap((e) => e.versions))];
  const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
  return { name: group, versions: list, preferredVersion: list[0] };
}

/** Discovery documents by path, `null` for a path that is not one. */
function discovery(path: string, host: string): unknown {
  if (path === '/api') {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: host }],
    };
  }
  // no core resource is served over REST; the version exists so clients' discovery completes
  if (path === '/api/v1') return { kind: 'APIResourceList', groupVersion: 'v1', resources: [] };
  if (path === '/apis') return { kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(groupVersions) };
  const [, , group, version, ...rest] = path.split('/');
  if (rest.length || !GROUPS.includes(group)) return null;
  if (version === undefined) return { kind: 'APIGroup', apiVersion: 'v1', ...groupVersions(group) };
  const endpoints = ENDPOINTS.filter((e) => e.group === group && e.versions.includes(version));
  if (!endpoints.length) return null;
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: `${group}/${version}`,
    resources: endpoints.map((e) => ({
      name: e.resource,
      singularName: e.kind.toLowerCase(),
      namespaced: e.namespaced,
      kind: e.kind,
      verbs: ['create'],
    })),
  };
}

/** `/apis/{group}/{version}[/namespaces/{ns}]/{resource}` → the endpoint, or null. */
function reviewRoute(path: string): ReviewCall | null {
  const parts = path.split('/');
  if (parts[1] !== 'apis' || (parts.length !== 5 && parts.length !== 7)) return null;
  const [, , group, version] = parts;
  const namespaced = parts.length === 7;
  if (namespaced && (parts[4] !== 'namespaces' || !parts[5])) return null;
  const resource = parts[parts.length - 1];
  const endpoint = ENDPOINTS.find(
    (e) => e.group === group && e.resource === resource && e.versions.includes(version) && e.namespaced === namespaced,
  );
  if (!endpoint) return null;
  return { endpoint, version, namespace: namespaced ? decodeURIComponent(parts[5]) : '' };
}

/** JSON, or a body without a declared type (as curl sends); Kubernetes' other encodings are not served. */
function acceptsBody(request: Request): boolean {
  const type = request.headers.get('content-type');
  return !type || type.split(';')[0].trim().toLowerCase() === 'application/json';
}

/** The body as an object of the endpoint's kind, or the 400 Kubernetes' decoder would give. */
async function decode(request: Request, call: ReviewCall): Promise<ReviewObject> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await request.text());
  } catch (err) {
    throw new BadRequestBody(`the body of the request is not valid JSON: ${(err as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new BadRequestBody(`the body of the request must be a ${call.endpoint.kind} object`);
  }
  const object = parsed as ReviewObject;
  const expected = `${call.endpoint.group}/${call.version}`;
  if (object.apiVersion !== undefined && object.apiVersion !== expected) {
    throw new BadRequestBody(
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version ` +
        `(${expected})`,
    );
  }
  if (object.kind !== undefined && object.kind !== call.endpoint.kind) {
    throw new BadRequestBody(
      `the kind in the data (${String(object.kind)}) does not match the expected kind (${call.endpoint.kind})`,
    );
  }
  return object;
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; causes?: StatusDetails['causes']; http?: { headers?: Record<string, string> } };
}

/** The GraphQL answer as Kubernetes would have answered the review. */
function answer(call: ReviewCall, result: unknown): Response {
  const { endpoint } = call;
  const one = (Array.isArray(result) ? result[0] : result) as {
    data?: Record<string, unknown> | null;
    errors?: readonly GraphQLErrorShape[];
  };
  const reviewed = one?.data?.[endpoint.field] as Record<string, unknown> | null | undefined;
  if (reviewed && !one.errors?.length) {
    const object = call.object ?? {};
    const metadata = (object.metadata as Record<string, unknown> | undefined) ?? { creationTimestamp: null };
    return json({
      kind: endpoint.kind,
      apiVersion: `${endpoint.group}/${call.version}`,
      metadata: endpoint.namespaced ? { ...metadata, namespace: call.namespace } : metadata,
      spec: object.spec ?? {},
      status: endpoint.status(reviewed),
    });
  }
  const error = one?.errors?.[0];
  const code = error?.extensions?.code ?? 'INTERNAL';
  const details: StatusDetails = { group: endpoint.group, kind: endpoint.resource };
  if (error?.extensions?.causes) details.causes = error.extensions.causes;
  const retryAfter = error?.extensions?.http?.headers?.['Retry-After'];
  if (retryAfter) details.retryAfterSeconds = Number(retryAfter);
  return statusResponse(
    failure(code, error?.message ?? 'Internal error', details),
    retryAfter ? { 'retry-after': retryAfter } : {},
  );
}

function pathOf(url: URL): string {
  return url.pathname.length > 1 ? url.pathname.replace(/\/$/, '') : url.pathname;
}

function isKubernetesPath(path: string): boolean {
  return path === '/api' || path === '/apis' || path.startsWith('/api/') || path.startsWith('/apis/');
}

/**
 * The first plugin: a review POSTed as JSON becomes the GraphQL request that answers it, so every
 * plugin after (the request log and audit id included) sees that request.
 */
export function useKubernetesReviews(): Plugin {
  return {
    onRequest({ request, url, setRequest, fetchAPI }) {
      const path = pathOf(url);
      if (request.method !== 'POST' || !isKubernetesPath(path) || !acceptsBody(request)) return;
      const call = reviewRoute(path);
      if (!call) return;
      const headers = new fetchAPI.Headers(request.headers);
      headers.set('content-type', 'application/json');
      headers.set('accept', 'application/json');
      const rewritten = new fetchAPI.Request(new URL('/graphql', request.url).toString(), {
        method: 'POST',
        headers,
        body: request.body,
        signal: request.signal,
        duplex: 'half',
      } as RequestInit);
      CALLS.set(rewritten, call);
      setRequest(rewritten);
    },
    onRequestParse({ request, setRequestParser }) {
      const call = CALLS.get(request);
      if (!call) return;
      setRequestParser(async (req) => {
        try {
          call.object = await decode(req, call);
          return {
            query: call.endpoint.query,
            variables: call.endpoint.variables(call.object, call),
          };
        } catch (err) {
          if (err instanceof BadRequestBody) return statusResponse(failure('BAD_REQUEST', err.message));
          throw err;
        }
      });
    },
    onResultProcess({ request, setResultProcessor }) {
      const call = CALLS.get(request);
      if (call) setResultProcessor((result) => answer(call, result), 'application/json');
    },
  };
}

/**
 * Every other request under `/api` and `/apis`, after the request log and audit id are set:
 * discovery for a caller allowed to `get` its path, and Kubernetes' 404, 405 and 415 otherwise.
 */
export function useKubernetesDiscovery(deps: { authenticator: RequestAuthenticator; authorizer: Authorizer }): Plugin {
  const discover = async (request: Request, path: string, document: unknown): Promise<Response> => {
    let user: UserInfo;
    try {
      user = await deps.authenticator.authenticate(request.headers);
    } catch (err) {
      if (err instanceof ApiError) return statusResponse(failure(err.code, err.message));
      throw err;
    }
    const decision = await deps.authorizer.authorize({ verb: 'get', path, user });
    if (!decision.allowed) {
      return statusResponse(failure('FORBIDDEN', `forbidden: User "${user.username}" cannot get path "${path}"`));
    }
    return json(document);
  };

  return {
    onRequest({ request, url, endResponse }) {
      const path = pathOf(url);
      if (isReviewCall(request) || !isKubernetesPath(path)) return;
      if (reviewRoute(path)) {
        endResponse(
          request.method !== 'POST'
            ? statusResponse(
                statusOf(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
              )
            : statusResponse(
                statusOf(
                  415,
                  'UnsupportedMediaType',
                  'the body of the request was in an unknown format - accepted media types include: application/json',
                ),
              ),
        );
        return;
      }
      const document = request.method === 'GET' || request.method === 'HEAD' ? discovery(path, url.host) : null;
      if (document) return discover(request, path, document).then(endResponse);
      endResponse(notFound());
    },
  };
}

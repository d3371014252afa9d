/**
 * OIDC discovery for ServiceAccount tokens (`pkg/serviceaccount/openidmetadata.go`,
 * `pkg/routes/openidmetadata.go`): the configuration document and the JWKS, public, with
 * Kubernetes' fields, content types and caching. Any OIDC client can verify our tokens from
 * these two documents alone (it cannot see deletions or revocations: TokenReview can).
 */
import type { Plugin } from 'graphql-yoga';
import type { KeyRing } from '../tokens/keys.js';

const OIDC_CONFIGURATION_PATH = '/.well-known/openid-configuration';
const JWKS_PATH = '/openid/v1/jwks';
const CACHE_CONTROL = 'public, max-age=3600';

export interface DiscoveryOptions {
  issuer: string;
  jwksURI: string;
}

function openIDConfiguration(keys: KeyRing, options: DiscoveryOptions) {
  return {
    issuer: options.issuer,
    jwks_uri: options.jwksURI,
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...new Set(keys.all().map((k) => k.algorithm))].sort(),
  };
}

function jwks(keys: KeyRing) {
  return {
    keys: keys.all().map((k) => {
      const { kty, crv, x, y, n, e } = k.jwk as Record<string, string | undefined>;
      return { use: 'sig', kty, kid: k.kid, alg: k.algorithm, ...(crv ? { crv, x, y } : { n, e }) };
    }),
  };
}

export function useOidcDiscovery(keys: KeyRing, options: DiscoveryOptions): Plugin {
  return {
    onRequest({ url, request, endResponse, fetchAPI }) {
      if (request.method !== 'GET' && request.method !== 'HEAD') return;
      let body: unknown;
      let type: string;
      if (url.pathname === OIDC_CONFIGURATION_PATH || url.pathname === `${OIDC_CONFIGURATION_PATH}/`) {
        body = openIDConfiguration(keys, options);
        type = 'application/json';
      } else if (url.pathname === JWKS_PATH || url.pathname === `${JWKS_PATH}/`) {
        body = jwks(keys);
        type = 'application/jwk-set+json';
      } else {
        return;
      }
      endResponse(
        new fetchAPI.Response(JSON.stringify(body), {
          status: 200,
          headers: { 'content-type': type, 'cache-control': CACHE_CONTROL },
        }),
      );
    },
  };
}

/**
 * External JWT issuers (`KEYWAY_OIDC_ISSUERS`), configured as kube-apiserver's structured
 * authentication configuration (`jwt: [{issuer, claimMappings}]`) writes them, in JSON or YAML.
 * Keys come from a JWKS file, a JWKS URL, or the issuer's OIDC discovery document.
 */
import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { unverifiedIssuer } from '../tokens/jwt.js';
import { AuthenticationError, type AuthResponse, type TokenAuthenticator } from './authenticator.js';
import { LEEWAY_SECONDS } from './serviceaccount.js';

const ClaimMapping = z.object({ claim: z.string().min(1), prefix: z.string().optional() });

const IssuerConfig = z.object({
  issuer: z
    .object({
      url: z.url(),
      audiences: z.array(z.string().min(1)).min(1),
      jwksURL: z.url().optional(),
      jwksFile: z.string().min(1).optional(),
      discoveryURL: z.url().optional(),
    })
    .refine((i) => !(i.jwksURL && i.jwksFile), { message: 'set at most one of jwksURL and jwksFile' }),
  claimMappings: z.object({
    // As in Kubernetes, the username prefix must be stated, even if empty.
    username: ClaimMapping.extend({ prefix: z.string() }),
    groups: ClaimMapping.optional(),
    uid: z.object({ claim: z.string().min(1) }).optional(),
  }),
});

const FileSchema = z.object({
  apiVersion: z.string().optional(),
  kind: z.literal('AuthenticationConfiguration').optional(),
  jwt: z.array(IssuerConfig),
});

export type ExternalIssuer = z.infer<typeof IssuerConfig>;

/** Parses a configuration file's text (JSON is YAML); throws naming what is wrong. */
export function parseIssuersConfig(text: string): ExternalIssuer[] {
  const parsed = FileSchema.safeParse(parseYaml(text));
  if (!parsed.success) {
    throw new Error(
      `KEYWAY_OIDC_ISSUERS: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  const urls = parsed.data.jwt.map((j) => j.issuer.url);
  const dup = urls.find((u, i) => urls.indexOf(u) !== i);
  if (dup) throw new Error(`KEYWAY_OIDC_ISSUERS: issuer ${dup} is configured twice`);
  return parsed.data.jwt;
}

const fail = (message: string): never => {
  throw new AuthenticationError(message);
};

interface Issuer {
  config: ExternalIssuer;
  keys: JWTVerifyGetKey;
}

async function keySet(config: ExternalIssuer): Promise<JWTVerifyGetKey> {
  const { issuer } = config;
  if (issuer.jwksFile) return createLocalJWKSet(JSON.parse(await readFile(issuer.jwksFile, 'utf8')));
  if (issuer.jwksURL) return createRemoteJWKSet(new URL(issuer.jwksURL));
  // OIDC discovery, fetched lazily on first use and then kept.
  let remote: JWTVerifyGetKey | undefined;
  return async (header, token) => {
    if (!remote) {
      const url = issuer.discoveryURL ?? `${issuer.url.replace(/\/$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url);
      if (!res.ok) fail(`oidc: discovery at ${url} answered ${res.status}`);
      const doc = (await res.json()) as { jwks_uri?: unknown };
      if (typeof doc.jwks_uri !== 'string') return fail(`oidc: discovery at ${url} has no jwks_uri`);
      remote = createRemoteJWKSet(new URL(doc.jwks_uri));
    }
    return remote(header, token);
  };
}

export class ExternalIssuerAuthenticator implements TokenAuthenticator {
  private constructor(private readonly issuers: Map<string, Issuer>) {}

  static async create(configs: ExternalIssuer[]): Promise<ExternalIssuerAuthenticator> {
    const issuers = new Map<string, Issuer>();
    for (const config of configs) issuers.set(config.issuer.url, { config, keys: await keySet(config) });
    return new ExternalIssuerAuthenticator(issuers);
  }

  async authenticateToken(token: string): Promise<AuthResponse | null> {
    const iss = unverifiedIssuer(token);
    const issuer = iss === null ? undefined : this.issuers.get(iss);
    if (!issuer) return null;
    const { config } = issuer;
    let payload: Record<string, unknown>;
    try {
      // Kubernetes' JWT authenticator requires `exp` (a token without one would be good forever)
      // and gives it no leeway; `nbf` and `iat` get the leeway our own tokens get.
      ({ payload } = await jwtVerify(token, issuer.keys, {
        issuer: config.issuer.url,
        audience: config.issuer.audiences,
        requiredClaims: ['exp'],
        clockTolerance: LEEWAY_SECONDS,
        algorithms: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'],
      }));
    } catch (err) {
      if (err instanceof joseErrors.JOSEError || err instanceof AuthenticationError)
        return fail(`oidc: ${err.message}`);
      throw err;
    }
    const now = Date.now() / 1000;
    if ((payload.exp as number) < now) fail('oidc: token is expired');
    if (typeof payload.iat === 'number' && payload.iat > now + LEEWAY_SECONDS) {
      fail('oidc: "iat" claim timestamp check failed (issued in the future)');
    }
    const mappings = config.claimMappings;
    const rawUser = payload[mappings.username.claim];
    if (typeof rawUser !== 'string' || !rawUser)
      return fail(`oidc: claim ${JSON.stringify(mappings.username.claim)} is not a non-empty string`);
    const username = `${mappings.username.prefix}${rawUser}`;
    // An external issuer may not mint system identities (system:masters, ServiceAccounts).
    if (username.startsWith('system:')) fail(`oidc: username ${JSON.stringify(username)} may not start with "system:"`);
    const groups: string[] = [];
    if (mappings.groups) {
      const raw = payload[mappings.groups.claim];
      const values =
        typeof raw === 'string'
          ? [raw]
          : Array.isArray(raw)
            ? raw.filter((g): g is string => typeof g === 'string')
            : [];
      for (const g of values) {
        const group = `${mappings.groups.prefix ?? ''}${g}`;
        if (!group.startsWith('system:')) groups.push(group);
      }
    }
    const uidClaim = mappings.uid ? payload[mappings.uid.claim] : undefined;
    return {
      user: { username, uid: typeof uidClaim === 'string' ? uidClaim : '', groups, extra: {} },
      audiences: [],
      // nothing here can learn of a revocation at the issuer: a success holds until the token expires
      cache: { dependsOn: [], notAfter: (payload.exp as number) * 1000 },
    };
  }
}

/**
 * Authentication of ServiceAccount tokens this server issued (`pkg/serviceaccount/jwt.go`,
 * `claims.go`), as a straight pipeline: recognise the issuer, check the signature by kid, the
 * issuer, the audiences, the times (60 s leeway), then the live objects the token names and its
 * revocation. Messages are Kubernetes'. Success names what it depended on, for the cache.
 */
import { parseJwt, unverifiedIssuer, verifySignature, type ParsedJwt } from '../tokens/jwt.js';
import type { KeyRing, SigningKey } from '../tokens/keys.js';
import { AuthenticationError, type AuthResponse } from './authenticator.js';
import type { CredentialIndex } from './credentials.js';
import { goQuote, goQuoteList } from '../util/quote.js';
import { serviceAccountGroups, serviceAccountUsername, type UserInfo } from './identity.js';

export const LEEWAY_SECONDS = 60;

const EXTRA = {
  podName: 'authentication.kubernetes.io/pod-name',
  podUID: 'authentication.kubernetes.io/pod-uid',
  nodeName: 'authentication.kubernetes.io/node-name',
  nodeUID: 'authentication.kubernetes.io/node-uid',
  credentialID: 'authentication.kubernetes.io/credential-id',
} as const;

const fail = (message: string): never => {
  throw new AuthenticationError(message);
};

/** The audiences a token names: `aud` as a string or an array (go-jose writes either). */
function tokenAudiences(payload: Record<string, unknown>): string[] {
  const aud = payload.aud;
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((a): a is string => typeof a === 'string');
  return [];
}

/** Verifies the signature with the key the header names, or with every key when it names none. */
export async function checkSignature(jwt: ParsedJwt, keys: KeyRing): Promise<void> {
  const kid = jwt.header.kid;
  const candidates: SigningKey[] =
    typeof kid === 'string' ? [await keys.find(kid)].filter((k): k is SigningKey => k !== undefined) : keys.all();
  if (candidates.length === 0) fail('invalid signature, no keys found');
  if (!candidates.some((key) => verifySignature(jwt, key))) fail('invalid signature');
}

/** `token audiences … is invalid for the target audiences …` unless they intersect. */
export function intersectAudiences(tokenAuds: string[], requested: string[]): string[] {
  const auds = tokenAuds.filter((a) => requested.includes(a));
  if (auds.length === 0)
    fail(`token audiences ${goQuoteList(tokenAuds)} is invalid for the target audiences ${goQuoteList(requested)}`);
  return auds;
}

function numeric(payload: Record<string, unknown>, claim: string): number | undefined {
  const v = payload[claim];
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** go-jose's `Claims.Validate` with a one-minute leeway, mapped to Kubernetes' messages. */
function checkTimes(payload: Record<string, unknown>, nowSeconds: number): void {
  const nbf = numeric(payload, 'nbf');
  const exp = numeric(payload, 'exp');
  const iat = numeric(payload, 'iat');
  if (nbf !== undefined && nowSeconds + LEEWAY_SECONDS < nbf) fail('service account token is not valid yet');
  if (exp !== undefined && nowSeconds - LEEWAY_SECONDS > exp) fail('service account token has expired');
  if (iat !== undefined && nowSeconds + LEEWAY_SECONDS < iat) fail('service account token is issued in the future');
}

interface Ref {
  name: string;
  uid: string;
}

function ref(value: unknown): Ref | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const { name, uid } = value as Record<string, unknown>;
  return typeof name === 'string' && typeof uid === 'string' ? { name, uid } : undefined;
}

export class ServiceAccountTokenAuthenticator {
  constructor(
    private readonly keys: KeyRing,
    private readonly credentials: CredentialIndex,
    private readonly issuers: string[],
    private readonly apiAudiences: string[],
  ) {}

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | null> {
    const issuer = unverifiedIssuer(token);
    if (issuer === null || !this.issuers.includes(issuer)) return null; // not ours: others may try
    const jwt = parseJwt(token) ?? fail('invalid token: not a JWS');
    await checkSignature(jwt, this.keys);
    const p = jwt.payload;
    if (typeof p.iss !== 'string' || !this.issuers.includes(p.iss))
      fail(`token issuer ${goQuote(String(p.iss))} is invalid`);

    // A token that names no audience is valid for the API's (`implicit` audiences).
    const tokenAuds = tokenAudiences(p);
    const requested = audiences?.length ? audiences : this.apiAudiences;
    const auds = intersectAudiences(tokenAuds.length ? tokenAuds : this.apiAudiences, requested);

    const now = Math.floor(Date.now() / 1000);
    checkTimes(p, now);

    const k8s = p['kubernetes.io'] as Record<string, unknown> | undefined;
    const namespace = typeof k8s?.namespace === 'string' ? k8s.namespace : undefined;
    const sa = ref(k8s?.serviceaccount);
    if (!k8s || !namespace || !sa) return fail('service account token claims could not be validated');
    const live = this.credentials.serviceAccount(namespace, sa.name) ?? fail(`serviceaccounts "${sa.name}" not found`);
    if (live.uid !== sa.uid) fail(`service account UID (${live.uid}) does not match claim (${sa.uid})`);

    const dependsOn = [sa.uid];
    const secret = ref(k8s.secret);
    if (secret) {
      const s = this.credentials.secret(namespace, secret.name) ?? fail('service account token has been invalidated');
      if (s.uid !== secret.uid)
        fail(`secret UID (${s.uid}) does not match service account secret ref claim (${secret.uid})`);
      dependsOn.push(secret.uid);
    }
    const pod = ref(k8s.pod);
    if (pod) {
      const live = this.credentials.pod(namespace, pod.name) ?? fail('service account token has been invalidated');
      if (live.uid !== pod.uid) fail(`pod UID (${live.uid}) does not match service account pod ref claim (${pod.uid})`);
      dependsOn.push(pod.uid);
    }
    const jti = typeof p.jti === 'string' ? p.jti : '';
    if (jti) {
      if (this.credentials.revoked(namespace, jti)) fail('service account token has been revoked');
      dependsOn.push(jti);
    }

    const extra: Record<string, string[]> = {};
    if (pod) {
      extra[EXTRA.podName] = [pod.name];
      extra[EXTRA.podUID] = [pod.uid];
    }
    const node = k8s.node as { name?: unknown; uid?: unknown } | undefined;
    if (typeof node?.name === 'string' && node.name) {
      extra[EXTRA.nodeName] = [node.name];
      if (typeof node.uid === 'string' && node.uid) extra[EXTRA.nodeUID] = [node.uid];
    }
    if (jti) extra[EXTRA.credentialID] = [`JTI=${jti}`];

    const user: UserInfo = {
      username: serviceAccountUsername(namespace, sa.name),
      uid: sa.uid,
      groups: serviceAccountGroups(namespace),
      extra,
    };
    const exp = numeric(p, 'exp');
    return {
      user,
      audiences: auds,
      cache: { dependsOn, notAfter: exp === undefined ? Infinity : (exp + LEEWAY_SECONDS) * 1000 },
    };
  }
}

/**
 * JWT claims exactly as Kubernetes writes them (`pkg/serviceaccount/claims.go`, `legacy.go`).
 * go-jose merges public and private claims through a map, so every object's keys come out in
 * sorted order; these builders write them the same way.
 */
import { serviceAccountUsername } from '../authn/identity.js';

export const LEGACY_ISSUER = 'kubernetes/serviceaccount';

export interface ObjectRef {
  name: string;
  uid: string;
}

interface KubernetesClaims {
  namespace: string;
  node?: { name: string; uid?: string };
  pod?: ObjectRef;
  secret?: ObjectRef;
  serviceaccount: ObjectRef;
  warnafter?: number;
}

export interface BoundClaims {
  aud: string[];
  exp: number;
  iat: number;
  iss: string;
  jti: string;
  'kubernetes.io': KubernetesClaims;
  nbf: number;
  sub: string;
}

export interface BoundClaimsInput {
  issuer: string;
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  /** Seconds since the epoch. */
  now: number;
  /** Lifetime of the JWT itself (possibly extended). */
  lifetimeSeconds: number;
  jti: string;
  pod?: ObjectRef;
  secret?: ObjectRef;
  nodeName?: string;
  /** Set when the lifetime was extended: when use starts being worth a warning. */
  warnAfter?: number;
}

export function boundClaims(input: BoundClaimsInput): BoundClaims {
  const k8s: KubernetesClaims = {
    namespace: input.namespace,
    serviceaccount: { name: input.serviceAccount.name, uid: input.serviceAccount.uid },
  };
  const ordered: KubernetesClaims = {
    namespace: k8s.namespace,
    ...(input.nodeName ? { node: { name: input.nodeName } } : {}),
    ...(input.pod ? { pod: { name: input.pod.name, uid: input.pod.uid } } : {}),
    ...(input.secret ? { secret: { name: input.secret.name, uid: input.secret.uid } } : {}),
    serviceaccount: k8s.serviceaccount,
    ...(input.warnAfter ? { warnafter: input.warnAfter } : {}),
  };
  return {
    aud: input.audiences,
    exp: input.now + input.lifetimeSeconds,
    iat: input.now,
    iss: input.issuer,
    jti: input.jti,
    'kubernetes.io': ordered,
    nbf: input.now,
    sub: serviceAccountUsername(input.namespace, input.serviceAccount.name),
  };
}

export const LEGACY_CLAIM = {
  namespace: 'kubernetes.io/serviceaccount/namespace',
  secretName: 'kubernetes.io/serviceaccount/secret.name',
  serviceAccountName: 'kubernetes.io/serviceaccount/service-account.name',
  serviceAccountUID: 'kubernetes.io/serviceaccount/service-account.uid',
} as const;

/** A Secret-based token: no exp, iat, nbf, aud or jti; it never expires. */
export function legacyClaims(namespace: string, serviceAccount: ObjectRef, secretName: string): Record<string, string> {
  return {
    iss: LEGACY_ISSUER,
    [LEGACY_CLAIM.namespace]: namespace,
    [LEGACY_CLAIM.secretName]: secretName,
    [LEGACY_CLAIM.serviceAccountName]: serviceAccount.name,
    [LEGACY_CLAIM.serviceAccountUID]: serviceAccount.uid,
    sub: serviceAccountUsername(namespace, serviceAccount.name),
  };
}

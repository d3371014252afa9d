/**
 * What token authentication must know about live objects, held in memory and kept current by
 * the change log: each ServiceAccount's and Pod's uid, each Secret's uid and token digest, each
 * issued token's revocation. Reads are map lookups; a write anywhere reaches every replica.
 */
import type { IssuedToken } from '../apis/authentication.js';
import type { Secret } from '../apis/core.js';
import type { KubeObject } from '../apis/meta.js';
import type { ChangeFollower } from '../changelog/follower.js';
import { Projection } from '../changelog/informer.js';
import { sha256 } from '../util/hash.js';
import {
  LEGACY_TOKEN_INVALID_SINCE_LABEL,
  LEGACY_TOKEN_LAST_USED_LABEL,
  SERVICE_ACCOUNT_TOKEN_TYPE,
} from '../apis/wellknown.js';

export interface ObjectFacts {
  uid: string;
}

export interface SecretFacts extends ObjectFacts {
  /** SHA-256 of `data.token`, for Secrets of the service-account-token type that have one. */
  tokenDigest?: Buffer;
  lastUsed?: string;
  invalidSince?: string;
}

interface IssuedTokenFacts extends ObjectFacts {
  revoked: boolean;
}

type Facts = ObjectFacts | SecretFacts | IssuedTokenFacts;

function project(obj: KubeObject): Facts {
  const uid = obj.metadata.uid;
  if (obj.kind === 'Secret') {
    const secret = obj as Secret;
    const facts: SecretFacts = { uid };
    if (secret.type === SERVICE_ACCOUNT_TOKEN_TYPE && secret.data?.token) {
      facts.tokenDigest = sha256(Buffer.from(secret.data.token, 'base64'));
      facts.lastUsed = secret.metadata.labels[LEGACY_TOKEN_LAST_USED_LABEL];
      facts.invalidSince = secret.metadata.labels[LEGACY_TOKEN_INVALID_SINCE_LABEL];
    }
    return facts;
  }
  if (obj.kind === 'IssuedToken') return { uid, revoked: (obj as IssuedToken).status.revoked };
  return { uid };
}

export class CredentialIndex {
  private readonly informer = new Projection<Facts>(
    'credentials',
    ['ServiceAccount', 'Pod', 'Secret', 'IssuedToken'],
    project,
  );

  constructor(follower: ChangeFollower) {
    follower.register(this.informer);
  }

  serviceAccount(namespace: string, name: string): ObjectFacts | undefined {
    return this.informer.get('ServiceAccount', namespace, name);
  }

  pod(namespace: string, name: string): ObjectFacts | undefined {
    return this.informer.get('Pod', namespace, name);
  }

  secret(namespace: string, name: string): SecretFacts | undefined {
    return this.informer.get('Secret', namespace, name);
  }

  /** Whether the token with this jti (issued in this namespace) has been revoked. */
  revoked(namespace: string, jti: string): boolean {
    return (this.informer.get('IssuedToken', namespace, jti) as IssuedTokenFacts | undefined)?.revoked ?? false;
  }
}

/**
 * Secret-based ("legacy") ServiceAccount tokens (`pkg/serviceaccount/legacy.go`): valid while
 * their Secret exists holding exactly this token and their ServiceAccount exists with the uid
 * they name; refused once the Secret carries `kubernetes.io/legacy-token-invalid-since`. Each
 * use marks the Secret `kubernetes.io/legacy-token-last-used: <today>`.
 */
import { timingSafeEqual } from 'node:crypto';
import { LEGACY_CLAIM, LEGACY_ISSUER } from '../tokens/claims.js';
import { parseJwt, unverifiedIssuer } from '../tokens/jwt.js';
import type { KeyRing } from '../tokens/keys.js';
import { AuthenticationError, type AuthResponse } from './authenticator.js';
import type { CredentialIndex } from './credentials.js';
import { sha256 } from '../util/hash.js';
import { serviceAccountGroups, splitServiceAccountUsername } from './identity.js';
import { checkSignature, intersectAudiences } from './serviceaccount.js';

const fail = (message: string): never => {
  throw new AuthenticationError(message);
};

/** Records that a legacy token was used today (the caller decides how, and off the request path). */
export type LastUsedRecorder = (namespace: string, secretName: string, today: string) => void;

function claim(payload: Record<string, unknown>, name: string): string {
  const v = payload[name];
  return typeof v === 'string' ? v : '';
}

export class LegacyTokenAuthenticator {
  constructor(
    private readonly keys: KeyRing,
    private readonly credentials: CredentialIndex,
    private readonly apiAudiences: string[],
    private readonly recordUse: LastUsedRecorder,
  ) {}

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | null> {
    if (unverifiedIssuer(token) !== LEGACY_ISSUER) return null;
    const jwt = parseJwt(token) ?? fail('invalid token: not a JWS');
    await checkSignature(jwt, this.keys);
    const p = jwt.payload;

    const sub = claim(p, 'sub') || fail('sub claim is missing');
    const namespace = claim(p, LEGACY_CLAIM.namespace) || fail('namespace claim is missing');
    const secretName = claim(p, LEGACY_CLAIM.secretName) || fail('secretName claim is missing');
    const saName = claim(p, LEGACY_CLAIM.serviceAccountName) || fail('serviceAccountName claim is missing');
    const saUID = claim(p, LEGACY_CLAIM.serviceAccountUID) || fail('serviceAccountUID claim is missing');
    const subject = splitServiceAccountUsername(sub);
    if (!subject || subject.namespace !== namespace || subject.name !== saName) fail('sub claim is invalid');

    // Legacy tokens name no audience: they are valid for the API's only.
    const auds = intersectAudiences(this.apiAudiences, audiences?.length ? audiences : this.apiAudiences);

    const secret = this.credentials.secret(namespace, secretName);
    if (!secret?.tokenDigest) return fail('Token has been invalidated');
    if (!timingSafeEqual(secret.tokenDigest, sha256(token))) fail("Token does not match server's copy");
    const sa = this.credentials.serviceAccount(namespace, saName) ?? fail(`serviceaccounts "${saName}" not found`);
    if (sa.uid !== saUID) fail(`ServiceAccount UID (${sa.uid}) does not match claim (${saUID})`);

    const today = new Date().toISOString().slice(0, 10);
    if (secret.lastUsed !== today) this.recordUse(namespace, secretName, today);
    if (secret.invalidSince) {
      fail(
        `the token in secret ${namespace}/${secretName} for service account ${namespace}/${saName} ` +
          `has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based ` +
          `tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to ` +
          `temporarily allow use of this token`,
      );
    }
    return {
      user: { username: sub, uid: saUID, groups: serviceAccountGroups(namespace), extra: {} },
      audiences: auds,
      cache: { dependsOn: [saUID, secret.uid], notAfter: Infinity },
    };
  }
}

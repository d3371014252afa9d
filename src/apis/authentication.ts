/**
 * Keyway's record of a token it issued (`authentication.keyway.dev/v1`, kind IssuedToken): who
 * asked, for which ServiceAccount and bound object, for which audiences, until when, with which
 * key; never the token itself. Its name and uid are the token's `jti`.
 */
import type { KubeObject } from './meta.js';

const KEYWAY_AUTHN_GROUP = 'authentication.keyway.dev';
/** Label on each record: the ServiceAccount's uid, so an account's tokens can be selected. */
export const SERVICE_ACCOUNT_UID_LABEL = `${KEYWAY_AUTHN_GROUP}/service-account-uid`;

export interface BoundObjectReference {
  kind: string;
  apiVersion: string;
  name: string;
  uid: string;
}

export interface IssuedToken extends KubeObject<'IssuedToken'> {
  spec: {
    serviceAccountName: string;
    serviceAccountUID: string;
    audiences: string[];
    boundObjectRef?: BoundObjectReference | null;
    /** When the token itself expires (`exp`), extended or not. */
    expirationTimestamp: string;
    /** The signing key's kid. */
    keyID: string;
    /** The username that asked for the token. */
    issuedTo: string;
  };
  status: {
    revoked: boolean;
    revokedAt?: string | null;
    revokedBy?: string | null;
  };
}

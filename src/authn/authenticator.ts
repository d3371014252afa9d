/**
 * Token authentication as kube-apiserver composes it: a union of authenticators, each of which
 * either does not recognise a token (null), accepts it, or recognises and rejects it (throws).
 */
import { withAuthenticatedGroup, type UserInfo } from './identity.js';

export interface AuthResponse {
  user: UserInfo;
  /** The audiences the token is valid for, among those asked for. */
  audiences: string[];
  /** Set by authenticators whose success may be remembered: see CachedTokenAuthenticator. */
  cache?: { dependsOn: string[]; notAfter: number };
}

export class AuthenticationError extends Error {}

export interface TokenAuthenticator {
  /**
   * @param audiences what the caller accepts (TokenReview `spec.audiences`); the API audiences
   *   when omitted.
   * @returns null if this authenticator does not know the token.
   * @throws AuthenticationError if it knows the token and the token is not valid.
   */
  authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | null>;
}

/**
 * The first authenticator that accepts wins; if none does, the errors of those that recognised
 * the token are reported together (`k8s.io/apiserver/pkg/authentication/token/union`).
 */
export class TokenAuthenticatorUnion implements TokenAuthenticator {
  constructor(private readonly authenticators: TokenAuthenticator[]) {}

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | null> {
    const errors: string[] = [];
    for (const authenticator of this.authenticators) {
      try {
        const response = await authenticator.authenticateToken(token, audiences);
        if (response) return response;
      } catch (err) {
        if (!(err instanceof AuthenticationError)) throw err;
        errors.push(err.message);
      }
    }
    if (errors.length === 1) throw new AuthenticationError(errors[0]);
    if (errors.length > 1) throw new AuthenticationError(`[${errors.join(', ')}]`);
    return null;
  }
}

/**
 * For authenticators whose credentials name no audience (static tokens, external issuers), as
 * kube-apiserver's `WrapAudienceAgnosticToken`: they are good for the API's audiences only, so a
 * review that asks for other audiences does not accept them.
 */
export function audienceAgnostic(apiAudiences: string[], inner: TokenAuthenticator): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences) {
      const wanted = audiences?.length ? apiAudiences.filter((a) => audiences.includes(a)) : apiAudiences;
      if (wanted.length === 0) return null;
      const response = await inner.authenticateToken(token, audiences);
      return response ? { ...response, audiences: wanted } : null;
    },
  };
}

/**
 * `AuthenticatedGroupAdder`: every identity an authenticator accepts is also in
 * `system:authenticated`, for requests and TokenReviews alike.
 */
export function withAuthenticatedGroupAdder(inner: TokenAuthenticator): TokenAuthenticator {
  return {
    async authenticateToken(token, audiences) {
      const response = await inner.authenticateToken(token, audiences);
      return response ? { ...response, user: withAuthenticatedGroup(response.user) } : null;
    },
  };
}

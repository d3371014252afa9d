/**
 * Who is asking: the bearer token of a request through the authenticator union, or anonymous
 * when there is none. A credential that is present and not accepted is a 401, never anonymous.
 */
import { unauthenticated } from '../errors.js';
import { AuthenticationError } from './authenticator.js';
import type { CachedTokenAuthenticator } from './cache.js';
import { ANONYMOUS_USER, type UserInfo } from './identity.js';

/** The token of an `Authorization: Bearer <token>` header (scheme in any case), or null. */
function bearerToken(header: string): string | null {
  // on every request: plain character tests rather than regular expressions
  if (header.length < 8 || header.charCodeAt(6) !== 32) return null;
  const scheme = header.slice(0, 6);
  if (scheme !== 'Bearer' && scheme.toLowerCase() !== 'bearer') return null;
  let token = header.slice(7);
  if (token.charCodeAt(0) <= 32 || token.charCodeAt(token.length - 1) <= 32) token = token.trim();
  return token.length > 0 && token.indexOf(' ') === -1 && token.indexOf('\t') === -1 ? token : null;
}

export class RequestAuthenticator {
  constructor(private readonly tokens: CachedTokenAuthenticator) {}

  /**
   * The caller; synchronous when there is no token or its success is remembered.
   * @throws ApiError UNAUTHENTICATED (HTTP 401) when the credential is present and not valid.
   */
  authenticate(headers: Headers): UserInfo | Promise<UserInfo> {
    const header = headers.get('authorization');
    if (header === null) return ANONYMOUS_USER;
    const token = bearerToken(header);
    if (!token) throw unauthenticated();
    return this.tokens.cached(token)?.user ?? this.authenticateToken(token);
  }

  private async authenticateToken(token: string): Promise<UserInfo> {
    try {
      const response = await this.tokens.authenticateToken(token);
      if (response) return response.user;
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
    }
    throw unauthenticated();
  }
}

/**
 * Who is asking: the bearer token of a request through the authenticator union, or anonymous
 * when there is none. A credential that is present and not accepted is a 401, never anonymous.
 */
import { unauthenticated } from '../errors.js';
import { AuthenticationError, type TokenAuthenticator } from './authenticator.js';
import { ANONYMOUS_USER, withAuthenticatedGroup, type UserInfo } from './identity.js';

export class RequestAuthenticator {
  constructor(private readonly tokens: TokenAuthenticator) {}

  /** @throws ApiError UNAUTHENTICATED (HTTP 401) when the credential is present and not valid. */
  async authenticate(headers: Headers): Promise<UserInfo> {
    const header = headers.get('authorization');
    if (header === null) return ANONYMOUS_USER;
    const match = /^bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthenticated();
    try {
      const response = await this.tokens.authenticateToken(match[1]);
      if (response) return withAuthenticatedGroup(response.user);
    } catch (err) {
      if (!(err instanceof AuthenticationError)) throw err;
    }
    throw unauthenticated();
  }
}

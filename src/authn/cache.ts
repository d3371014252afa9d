/**
 * A cache of successful token authentications, as kube-apiserver keeps one (10 s), with one
 * difference: an entry names the objects its success depended on (ServiceAccount, bound Pod or
 * Secret, the issued-token record) and is evicted the moment the change log shows one of them
 * changed or went. Failures are never cached. Tokens are keyed by their SHA-256, never held.
 */
import type { ChangeFollower } from '../changelog/follower.js';
import type { AuthResponse, TokenAuthenticator } from './authenticator.js';
import { sha256Text } from '../util/hash.js';

/**
 * `dependsOn`: uids whose change or deletion must end this success; `notAfter`: epoch ms after
 * which it no longer holds (the token's expiry plus leeway).
 */
export type Cacheable = NonNullable<AuthResponse['cache']>;

interface Entry {
  response: AuthResponse;
  expires: number;
  dependsOn: string[];
}

export class CachedTokenAuthenticator implements TokenAuthenticator {
  private readonly entries = new Map<string, Entry>();
  private readonly byDependency = new Map<string, Set<string>>();

  constructor(
    private readonly inner: TokenAuthenticator,
    private readonly follower: ChangeFollower,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
  ) {
    follower.register({
      name: 'token-cache',
      // what a success may depend on: its ServiceAccount, bound Pod or Secret, its issued-token record
      kinds: ['ServiceAccount', 'Pod', 'Secret', 'IssuedToken'],
      load: async () => this.clear(),
      apply: (change) => {
        if (change.type !== 'ADDED') this.evictDependents(change.uid);
      },
    });
  }

  /**
   * The remembered success for this token, without waiting, when nothing announced is still
   * unread (the common case); undefined otherwise. Requests take this path first.
   */
  cached(token: string, audiences?: string[]): AuthResponse | undefined {
    if (this.follower.fresh()) return undefined;
    return this.lookup(this.key(token, audiences));
  }

  async authenticateToken(token: string, audiences?: string[]): Promise<AuthResponse | null> {
    // Apply what other replicas have announced before trusting anything remembered (a second at
    // most: with the database away they cannot be read, and a request must not hang on it)
    const pending = this.follower.freshWithin();
    if (pending) await pending;
    const key = this.key(token, audiences);
    const hit = this.lookup(key);
    if (hit) return hit;
    const response = await this.inner.authenticateToken(token, audiences);
    if (response?.cache) {
      const { cache, ...plain } = response;
      this.remember(key, plain, cache);
      return plain;
    }
    return response;
  }

  private key(token: string, audiences?: string[]): string {
    return sha256Text(audiences?.length ? `${token}\0${audiences.join('\0')}` : token, 'base64');
  }

  private lookup(key: string): AuthResponse | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    if (hit.expires > Date.now()) return hit.response;
    this.forget(key);
    return undefined;
  }

  private remember(key: string, response: AuthResponse, cache: Cacheable): void {
    if (this.entries.size >= this.maxEntries) this.forget(this.entries.keys().next().value as string);
    this.entries.set(key, {
      response,
      expires: Math.min(Date.now() + this.ttlMs, cache.notAfter),
      dependsOn: cache.dependsOn,
    });
    for (const uid of cache.dependsOn) {
      let keys = this.byDependency.get(uid);
      if (!keys) {
        keys = new Set();
        this.byDependency.set(uid, keys);
      }
      keys.add(key);
    }
  }

  private forget(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    for (const uid of entry.dependsOn) {
      const keys = this.byDependency.get(uid);
      keys?.delete(key);
      if (keys?.size === 0) this.byDependency.delete(uid);
    }
  }

  /** Forgets every success (a relist: what they depended on may have changed unseen). */
  private clear(): void {
    this.entries.clear();
    this.byDependency.clear();
  }

  private evictDependents(uid: string): void {
    const keys = this.byDependency.get(uid);
    if (!keys) return;
    for (const key of [...keys]) this.forget(key);
  }
}

/**
 * Housekeeping for issued tokens: records of tokens expired for an hour go, and so do retired
 * signing keys once no token they signed can still be valid (no unexpired record names them and
 * no legacy token Secret holds a token they signed).
 */
import { formatTime } from '../apis/meta.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import { expiredTokens, keyStillSigns } from '../resources/issuedtoken/store.js';
import { tokenSecrets } from '../resources/secret/store.js';
import type { Change, ObjectStore } from '../store/store.js';
import { parseJwt } from '../tokens/jwt.js';
import type { KeyRing } from '../tokens/keys.js';
import { Controller } from './controller.js';

const GRACE_MS = 3600_000;

export class IssuedTokensController extends Controller {
  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    private readonly keys: KeyRing,
    log: Logger,
    everyMs = 10 * 60_000,
  ) {
    super('issued-tokens', [], log, everyMs);
  }

  protected keysFor(_change: Change): string[] {
    return [];
  }

  protected async allKeys(): Promise<string[]> {
    return ['expired-records', 'retired-keys'];
  }

  protected async reconcile(key: string): Promise<void> {
    if (key === 'expired-records') await this.removeExpiredRecords();
    else await this.removeRetiredKeys();
  }

  private async removeExpiredRecords(): Promise<void> {
    const before = formatTime(new Date(Date.now() - GRACE_MS));
    for (;;) {
      const batch = await expiredTokens(this.store.read, before, 500);
      if (batch.length === 0) return;
      await this.registry.write(async (tx) => {
        for (const r of batch)
          await this.registry.purge(tx, 'IssuedToken', r.metadata.namespace ?? '', r.metadata.name);
      });
      this.log.info({ count: batch.length }, 'removed records of expired tokens');
    }
  }

  /** Retired keys no live token depends on. */
  async retirable(): Promise<string[]> {
    const retired = this.keys.all().filter((k) => k.retiredAt);
    if (retired.length === 0) return [];
    const now = formatTime(new Date(Date.now() - 60_000));
    const candidates = new Set<string>();
    for (const key of retired) if (!(await keyStillSigns(this.store.read, key.kid, now))) candidates.add(key.kid);
    if (candidates.size === 0) return [];
    // a legacy token never expires: a key that signed one stays
    for await (const secret of tokenSecrets(this.store.read)) {
      const token = secret.data.token ? Buffer.from(secret.data.token, 'base64').toString() : '';
      const kid = token ? parseJwt(token)?.header.kid : undefined;
      if (typeof kid === 'string') candidates.delete(kid);
      if (candidates.size === 0) break;
    }
    return [...candidates];
  }

  private async removeRetiredKeys(): Promise<void> {
    const kids = await this.retirable();
    if (kids.length === 0) return;
    await this.keys.remove(kids);
    this.log.info({ kids }, 'removed retired signing keys no valid token depends on');
  }
}

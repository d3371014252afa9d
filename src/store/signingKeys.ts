/**
 * Persistence of token signing keys. Key changes take their own advisory lock and announce
 * themselves on a NOTIFY channel so every replica reloads its key ring.
 */
import { eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { signingKeys } from '../db/schema.js';
import { LOCKS } from '../db/locks.js';

export const SIGNING_KEYS_CHANNEL = 'keyway_signing_keys';

export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type NewSigningKey = Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>;

export class SigningKeyStore {
  constructor(private readonly db: Executor) {}

  all(): Promise<SigningKeyRow[]> {
    return this.db.select().from(signingKeys).orderBy(signingKeys.createdAt);
  }

  /**
   * Makes `key` the active key unless it is already stored (then nothing changes), or, with
   * `onlyIfNone`, unless some key is active already. Safe when replicas race.
   */
  async install(key: NewSigningKey, options: { onlyIfNone: boolean }): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.signingKeys})`);
      const [known] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.kid, key.kid));
      if (known) return false;
      const [active] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt));
      if (active && options.onlyIfNone) return false;
      if (active) await tx.update(signingKeys).set({ retiredAt: sql`now()` }).where(isNull(signingKeys.retiredAt));
      await tx.insert(signingKeys).values(key);
      await tx.execute(sql`select pg_notify(${SIGNING_KEYS_CHANNEL}, ${key.kid})`);
      return true;
    });
  }

  /** Removes these keys if they are retired (an active one is kept), and announces the change. */
  async remove(kids: string[]): Promise<void> {
    if (kids.length === 0) return;
    await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.signingKeys})`);
      for (const kid of kids) {
        await tx.delete(signingKeys).where(sql`${signingKeys.kid} = ${kid} and ${signingKeys.retiredAt} is not null`);
      }
      await tx.execute(sql`select pg_notify(${SIGNING_KEYS_CHANNEL}, '')`);
    });
  }
}

/**
 * Persistence of token signing keys. Key changes take their own advisory lock and announce
 * themselves on a NOTIFY channel so every replica reloads its key ring. Private keys are stored
 * sealed (see encryption/), bound to their kid.
 */
import { eq, isNull, sql } from 'drizzle-orm';
import type { Executor } from '../db/client.js';
import { signingKeys } from '../db/schema.js';
import { LOCKS } from '../db/locks.js';
import type { StorageTransformer } from '../encryption/transformer.js';
import type { TransactionAudit } from '../audit/recorder.js';
import { appendAuditEvents } from './audit.js';

export const SIGNING_KEYS_CHANNEL = 'keyway_signing_keys';

export type SigningKeyRow = typeof signingKeys.$inferSelect;
export type NewSigningKey = Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>;

const context = (kid: string) => `signingkeys/${kid}`;

export class SigningKeyStore {
  constructor(
    private readonly db: Executor,
    private readonly transformer: StorageTransformer,
  ) {}

  /** Every key, its private key opened. */
  async all(): Promise<SigningKeyRow[]> {
    const found = await this.db.select().from(signingKeys).orderBy(signingKeys.createdAt);
    return found.map((row) => ({ ...row, privateKey: this.transformer.open(row.privateKey, context(row.kid)) }));
  }

  /** Re-seals the private keys not sealed by the key that seals now; returns how many. */
  async reencrypt(): Promise<number> {
    let rewritten = 0;
    for (const row of await this.db.select().from(signingKeys)) {
      if (this.transformer.isCurrent(row.privateKey)) continue;
      const sealed = this.transformer.seal(this.transformer.open(row.privateKey, context(row.kid)), context(row.kid));
      const done = await this.db
        .update(signingKeys)
        .set({ privateKey: sealed })
        .where(sql`${signingKeys.kid} = ${row.kid} and ${signingKeys.privateKey} = ${row.privateKey}`)
        .returning({ kid: signingKeys.kid });
      rewritten += done.length;
    }
    return rewritten;
  }

  /**
   * Makes `key` the active key unless it is already stored (then nothing changes), or, with
   * `onlyIfNone`, unless some key is active already. Safe when replicas race.
   */
  async install(key: NewSigningKey, options: { onlyIfNone: boolean }, audit?: TransactionAudit): Promise<boolean> {
    const installed = await this.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.signingKeys})`);
      const [known] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(eq(signingKeys.kid, key.kid));
      if (known) return false;
      const [active] = await tx.select({ kid: signingKeys.kid }).from(signingKeys).where(isNull(signingKeys.retiredAt));
      if (active && options.onlyIfNone) return false;
      if (active) await tx.update(signingKeys).set({ retiredAt: sql`now()` }).where(isNull(signingKeys.retiredAt));
      await tx
        .insert(signingKeys)
        .values({ ...key, privateKey: this.transformer.seal(key.privateKey, context(key.kid)) });
      await tx.execute(sql`select pg_notify(${SIGNING_KEYS_CHANNEL}, ${key.kid})`);
      const event = audit?.pending();
      if (event) await appendAuditEvents(tx as unknown as Executor, [event]);
      return true;
    });
    if (installed) audit?.committed();
    return installed;
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

/**
 * Revocation, beyond Kubernetes: a revoked token's record says so, the change log carries that
 * to every replica, and authentication refuses the token from then on.
 */
import type { IssuedToken } from '../apis/authentication.js';
import { formatTime, nowSeconds } from '../apis/meta.js';
import type { Registry, WriteContext } from '../registry/registry.js';
import { unrevokedTokensOf } from '../resources/issuedtoken/store.js';
import type { StoreReader, StoreTransaction } from '../store/store.js';

export class TokenRevoker {
  constructor(
    private readonly registry: Registry,
    private readonly reader: StoreReader,
  ) {}

  /** The record of a token by its jti, wherever it was issued. */
  find(jti: string): Promise<IssuedToken | null> {
    return this.reader.getByUid('IssuedToken', jti);
  }

  /** Revokes one token; revoking a revoked token changes nothing. */
  revoke(record: IssuedToken, ctx: WriteContext): Promise<IssuedToken> {
    return this.registry.write((tx) => this.revokeIn(tx, record, ctx));
  }

  /** Revokes every token issued so far for a ServiceAccount (by name); returns how many. */
  async revokeAll(namespace: string, serviceAccount: string, ctx: WriteContext): Promise<number> {
    return this.registry.write(async (tx) => {
      let count = 0;
      for (;;) {
        const batch = await unrevokedTokensOf(tx, namespace, serviceAccount, 500);
        for (const record of batch) await this.revokeIn(tx, record, ctx);
        count += batch.length;
        if (batch.length < 500) return count;
      }
    });
  }

  private revokeIn(tx: StoreTransaction, record: IssuedToken, ctx: WriteContext): Promise<IssuedToken> {
    if (record.status.revoked) return Promise.resolve(record);
    return this.registry.updateIn(
      tx,
      'IssuedToken',
      record.metadata.namespace ?? '',
      {
        metadata: { name: record.metadata.name },
        status: { revoked: true, revokedAt: formatTime(nowSeconds()), revokedBy: ctx.user.username },
      },
      ctx,
    );
  }
}

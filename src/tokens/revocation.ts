/**
 * Revocation, beyond Kubernetes: a revoked token's record says so, the change log carries that
 * to every replica, and authentication refuses the token from then on. Ending every token of a
 * ServiceAccount also marks its legacy token Secrets invalid, as Kubernetes' legacy token
 * cleaner does (`kubernetes.io/legacy-token-invalid-since`), in the same transaction.
 */
import type { IssuedToken } from '../apis/authentication.js';
import type { Secret } from '../apis/core.js';
import { formatTime, nowSeconds } from '../apis/meta.js';
import type { Registry, WriteContext } from '../registry/registry.js';
import { unrevokedTokensOf } from '../resources/issuedtoken/store.js';
import { tokenSecretsOf } from '../resources/secret/store.js';
import type { StoreReader, StoreTransaction } from '../store/store.js';
import { isStorable } from '../validation/storage.js';
import { LEGACY_TOKEN_INVALID_SINCE_LABEL } from '../apis/wellknown.js';

/** What ending a ServiceAccount's tokens did. */
export interface RevokedTokens {
  /** Both kinds together. */
  revoked: number;
  issuedTokens: number;
  legacyTokens: number;
}

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
    return this.registry.write((tx) => this.revokeIn(tx, record, ctx), ctx.audit);
  }

  /**
   * Ends every token of a ServiceAccount (by name) in one transaction: revokes the tokens issued
   * so far, and marks its legacy token Secrets invalid from today. Counts what this call ended.
   */
  async revokeAll(namespace: string, serviceAccount: string, ctx: WriteContext): Promise<RevokedTokens> {
    // a name that cannot be stored names no account, and has no tokens
    if (!isStorable(serviceAccount)) return { revoked: 0, issuedTokens: 0, legacyTokens: 0 };
    return this.registry.write(async (tx) => {
      let issuedTokens = 0;
      for (;;) {
        const batch = await unrevokedTokensOf(tx, namespace, serviceAccount, 500);
        for (const record of batch) await this.revokeIn(tx, record, ctx);
        issuedTokens += batch.length;
        if (batch.length < 500) break;
      }
      let legacyTokens = 0;
      const today = formatTime(nowSeconds()).slice(0, 10);
      for (const secret of await tokenSecretsOf(tx, namespace, serviceAccount)) {
        if (await this.invalidateIn(tx, secret, today, ctx)) legacyTokens++;
      }
      return { revoked: issuedTokens + legacyTokens, issuedTokens, legacyTokens };
    }, ctx.audit);
  }

  /** Marks a legacy token Secret invalid (a label, as Kubernetes' cleaner); false if it already was. */
  private async invalidateIn(tx: StoreTransaction, secret: Secret, today: string, ctx: WriteContext): Promise<boolean> {
    if (secret.metadata.labels[LEGACY_TOKEN_INVALID_SINCE_LABEL]) return false;
    const labels = { ...secret.metadata.labels, [LEGACY_TOKEN_INVALID_SINCE_LABEL]: today };
    await this.registry.updateIn(
      tx,
      'Secret',
      secret.metadata.namespace ?? '',
      { metadata: { name: secret.metadata.name, labels } },
      ctx,
    );
    return true;
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

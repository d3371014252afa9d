/**
 * Legacy token Secrets (`pkg/controller/serviceaccount/tokens_controller.go`, current version):
 * nothing is ever created for an account; a Secret of type service-account-token that names an
 * account is filled in (token, namespace, ca.crt, uid annotation), deleted if its account is
 * gone, and deleted with its account (on the leading replica: see leadership.ts). Also records,
 * on any replica, when a legacy token was last used.
 */
import type { Secret } from '../apis/core.js';
import { CONTROLLER_USER } from '../authn/identity.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';
import { tokenSecrets, tokenSecretsOf } from '../resources/secret/store.js';
import type { Change, ObjectStore } from '../store/store.js';
import { legacyClaims } from '../tokens/claims.js';
import { signJwt } from '../tokens/jwt.js';
import type { KeyRing } from '../tokens/keys.js';
import { Controller } from './controller.js';
import { WorkQueue } from './queue.js';
import { jsonEqual } from '../util/maps.js';
import {
  LEGACY_TOKEN_LAST_USED_LABEL,
  SERVICE_ACCOUNT_NAME_ANNOTATION,
  SERVICE_ACCOUNT_TOKEN_TYPE,
  SERVICE_ACCOUNT_UID_ANNOTATION,
} from '../apis/wellknown.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ctx = { user: CONTROLLER_USER };

function isTokenSecret(obj: { kind: string; type?: unknown }): boolean {
  return obj.kind === 'Secret' && obj.type === SERVICE_ACCOUNT_TOKEN_TYPE;
}

export class TokensController extends Controller {
  /** Last-used marks, written by whichever replica saw the use (the controller itself may not run here). */
  private readonly uses: WorkQueue;

  constructor(
    private readonly registry: Registry,
    private readonly store: ObjectStore,
    private readonly keys: KeyRing,
    private readonly rootCA: string,
    log: Logger,
  ) {
    super('tokens', ['Secret', 'ServiceAccount'], log);
    this.uses = new WorkQueue('tokens-last-used', (key) => this.reconcile(key), log);
  }

  /** For the legacy authenticator: note a use, written off the request's path. */
  recordUse(namespace: string, secret: string, today: string): void {
    this.uses.add(JSON.stringify(['used', namespace, secret, today]));
  }

  override async idle(): Promise<void> {
    await Promise.all([super.idle(), this.uses.idle()]);
  }

  override async stop(): Promise<void> {
    await Promise.all([super.stop(), this.uses.stop()]);
  }

  protected keysFor(change: Change): string[] {
    const obj = change.object as Secret;
    if (change.kind === 'Secret' && isTokenSecret(obj)) {
      if (change.type !== 'DELETED') return [JSON.stringify(['secret', change.namespace, change.name])];
      const account = obj.metadata.annotations[SERVICE_ACCOUNT_NAME_ANNOTATION];
      return account ? [JSON.stringify(['unreference', change.namespace, account, change.name])] : [];
    }
    if (change.kind === 'ServiceAccount' && change.type === 'DELETED') {
      return [JSON.stringify(['account-deleted', change.namespace, change.name, change.uid])];
    }
    return [];
  }

  protected async allKeys(): Promise<string[]> {
    const keys: string[] = [];
    for await (const s of tokenSecrets(this.store.read))
      keys.push(JSON.stringify(['secret', s.metadata.namespace, s.metadata.name]));
    return keys;
  }

  protected async reconcile(key: string): Promise<void> {
    const [what, ...args] = JSON.parse(key) as string[];
    try {
      if (what === 'secret') await this.syncSecret(args[0], args[1]);
      else if (what === 'unreference') await this.unreference(args[0], args[1], args[2]);
      else if (what === 'account-deleted') await this.deleteTokensOf(args[0], args[1], args[2]);
      else if (what === 'used') await this.markUsed(args[0], args[1], args[2]);
    } catch (err) {
      // Someone else changed or removed the object first: the next change brings us back.
      if (err instanceof ApiError && ['NOT_FOUND', 'CONFLICT'].includes(err.code)) return;
      throw err;
    }
  }

  private async syncSecret(namespace: string, name: string): Promise<void> {
    const secret = await this.registry.find('Secret', namespace, name);
    if (!secret || !isTokenSecret(secret)) return;
    const annotations = secret.metadata.annotations;
    const account = await this.registry.find(
      'ServiceAccount',
      namespace,
      annotations[SERVICE_ACCOUNT_NAME_ANNOTATION] ?? '',
    );
    const uid = annotations[SERVICE_ACCOUNT_UID_ANNOTATION];
    if (!account || (uid && uid !== account.metadata.uid)) {
      await this.deleteIfSame(secret);
      this.log.info({ namespace, secret: name }, 'deleted a token Secret whose ServiceAccount does not exist');
      return;
    }
    const data = { ...secret.data };
    const wantAnnotations = { ...annotations, [SERVICE_ACCOUNT_UID_ANNOTATION]: account.metadata.uid };
    if (!data.token) {
      const claims = legacyClaims(namespace, { name: account.metadata.name, uid: account.metadata.uid }, name);
      data.token = b64(signJwt(claims, this.keys.active()));
    }
    if (!data.namespace) data.namespace = b64(namespace);
    if (data['ca.crt'] !== b64(this.rootCA)) data['ca.crt'] = b64(this.rootCA);
    const unchanged = jsonEqual(data, secret.data) && !!uid;
    if (unchanged) return;
    await this.registry.update(
      'Secret',
      namespace,
      { metadata: { name, annotations: wantAnnotations, resourceVersion: secret.metadata.resourceVersion }, data },
      ctx,
    );
  }

  private async unreference(namespace: string, account: string, secret: string): Promise<void> {
    const sa = await this.registry.find('ServiceAccount', namespace, account);
    if (!sa?.secrets.some((s) => s.name === secret)) return;
    await this.registry.update(
      'ServiceAccount',
      namespace,
      {
        metadata: { name: account, resourceVersion: sa.metadata.resourceVersion },
        secrets: sa.secrets.filter((s) => s.name !== secret),
      },
      ctx,
    );
  }

  private async deleteTokensOf(namespace: string, account: string, uid: string): Promise<void> {
    for (const secret of await tokenSecretsOf(this.store.read, namespace, account)) {
      const owner = secret.metadata.annotations[SERVICE_ACCOUNT_UID_ANNOTATION];
      if (!owner || owner === uid) await this.deleteIfSame(secret);
    }
  }

  private async markUsed(namespace: string, name: string, today: string): Promise<void> {
    const secret = await this.registry.find('Secret', namespace, name);
    if (!secret || secret.metadata.labels[LEGACY_TOKEN_LAST_USED_LABEL] === today) return;
    await this.registry.update(
      'Secret',
      namespace,
      {
        metadata: {
          name,
          labels: { ...secret.metadata.labels, [LEGACY_TOKEN_LAST_USED_LABEL]: today },
          resourceVersion: secret.metadata.resourceVersion,
        },
      },
      ctx,
    );
  }

  /** Deletes the Secret only if it is still the one we looked at (a uid precondition). */
  private async deleteIfSame(secret: Secret): Promise<void> {
    const namespace = secret.metadata.namespace ?? '';
    await this.registry.write(async (tx) => {
      const current = await tx.get('Secret', namespace, secret.metadata.name, 'update');
      if (current?.metadata.uid !== secret.metadata.uid) return;
      await this.registry.deleteIn(tx, 'Secret', namespace, secret.metadata.name, ctx);
    });
  }
}

/**
 * The TokenRequest pipeline (`pkg/registry/core/serviceaccount/storage/token.go`), one small step
 * after another, in one transaction: the ServiceAccount and any bound object are read `FOR
 * SHARE`, so neither can be deleted between the checks and the record of the issued token.
 */
import { randomUUID } from 'node:crypto';
import { SERVICE_ACCOUNT_UID_LABEL, type BoundObjectReference } from '../apis/authentication.js';
import type { Pod, Secret, ServiceAccount } from '../apis/core.js';
import { formatTime } from '../apis/meta.js';
import { badRequest, conflictMessage, invalid, notFound } from '../errors.js';
import type { Registry, WriteContext } from '../registry/registry.js';
import type { StoreTransaction } from '../store/store.js';
import { field } from '../validation/field.js';
import { boundClaims, type ObjectRef } from './claims.js';
import { signJwt } from './jwt.js';
import type { KeyRing } from './keys.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../apis/wellknown.js';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
/** What kubelet asks for (1 h 7 s); such Pod-bound tokens get a year (`claims.go`). */
const WARN_ONLY_EXPIRATION_SECONDS = 3607;
const EXTENDED_EXPIRATION_SECONDS = 365 * 24 * 3600;

export interface TokenRequestSpec {
  audiences?: string[] | null;
  expirationSeconds?: number | null;
  boundObjectRef?: { kind: string; apiVersion?: string | null; name: string; uid?: string | null } | null;
}

export interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
  /** Kubernetes' warning headers, e.g. a shortened expiration. */
  warnings: string[];
}

export interface TokenIssuerOptions {
  issuer: string;
  apiAudiences: string[];
  maxExpirationSeconds: number;
  extendExpiration: boolean;
}

interface Bound {
  ref: BoundObjectReference;
  pod?: ObjectRef & { nodeName?: string };
  secret?: ObjectRef;
}

export class TokenIssuer {
  constructor(
    private readonly registry: Registry,
    private readonly keys: KeyRing,
    private readonly options: TokenIssuerOptions,
  ) {}

  /**
   * Issues a token for a ServiceAccount, as TokenRequest does.
   * @throws NOT_FOUND (account or bound object), INVALID (expiration), BAD_REQUEST (binding),
   *   CONFLICT (bound object's uid)
   */
  request(namespace: string, name: string, spec: TokenRequestSpec, ctx: WriteContext): Promise<TokenRequestStatus> {
    return this.registry.write(async (tx) => {
      const sa = await tx.get('ServiceAccount', namespace, name, 'share');
      if (!sa) throw notFound('ServiceAccount', name);
      const audiences = spec.audiences?.length ? spec.audiences : this.options.apiAudiences;
      let expirationSeconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS;
      this.validate(name, expirationSeconds);
      const bound = spec.boundObjectRef ? await this.bind(tx, sa, spec.boundObjectRef) : undefined;

      const warnings: string[] = [];
      const max = this.options.maxExpirationSeconds;
      if (max > 0 && expirationSeconds > max) {
        warnings.push(`requested expiration of ${expirationSeconds} seconds shortened to ${max} seconds`);
        expirationSeconds = max;
      }
      const now = Math.floor(Date.now() / 1000);
      const extended =
        this.options.extendExpiration &&
        bound?.pod !== undefined &&
        expirationSeconds === WARN_ONLY_EXPIRATION_SECONDS &&
        audiences.every((a) => this.options.apiAudiences.includes(a));
      const lifetimeSeconds = extended ? EXTENDED_EXPIRATION_SECONDS : expirationSeconds;

      const key = this.keys.active();
      const jti = randomUUID();
      const claims = boundClaims({
        issuer: this.options.issuer,
        namespace,
        serviceAccount: { name, uid: sa.metadata.uid },
        audiences,
        now,
        lifetimeSeconds,
        jti,
        pod: bound?.pod,
        secret: bound?.secret,
        nodeName: bound?.pod?.nodeName,
        warnAfter: extended ? now + expirationSeconds : undefined,
      });
      const token = signJwt(claims, key);
      // as kube-apiserver's audit annotation: the event names the credential, never its value
      ctx.audit?.annotate('authentication.kubernetes.io/issued-credential-id', `JTI=${jti}`);
      await this.registry.createIn(
        tx,
        'IssuedToken',
        namespace,
        {
          metadata: { name: jti, labels: { [SERVICE_ACCOUNT_UID_LABEL]: sa.metadata.uid } },
          spec: {
            serviceAccountName: name,
            serviceAccountUID: sa.metadata.uid,
            audiences,
            boundObjectRef: bound?.ref ?? null,
            expirationTimestamp: formatTime(new Date(claims.exp * 1000)),
            keyID: key.kid,
            issuedTo: ctx.user.username,
          },
        },
        ctx,
      );
      // The status reports the (possibly shortened) lifetime asked for, not an extension.
      return { token, expirationTimestamp: formatTime(new Date((now + expirationSeconds) * 1000)), warnings };
    }, ctx.audit);
  }

  private validate(name: string, expirationSeconds: number): void {
    const at = 'spec.expirationSeconds';
    if (expirationSeconds < MIN_EXPIRATION_SECONDS) {
      throw invalid('TokenRequest.authentication.k8s.io', name, [
        field.invalid(at, expirationSeconds, 'may not specify a duration less than 10 minutes'),
      ]);
    }
    if (expirationSeconds > MAX_EXPIRATION_SECONDS) {
      throw invalid('TokenRequest.authentication.k8s.io', name, [
        field.invalid(at, expirationSeconds, 'may not specify a duration larger than 2^32 seconds'),
      ]);
    }
  }

  private async bind(
    tx: StoreTransaction,
    sa: ServiceAccount,
    ref: NonNullable<TokenRequestSpec['boundObjectRef']>,
  ): Promise<Bound> {
    const apiVersion = ref.apiVersion || 'v1';
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) : ['', apiVersion];
    const namespace = sa.metadata.namespace ?? '';
    let target: Pod | Secret | null;
    if (group === '' && ref.kind === 'Pod') target = await tx.get('Pod', namespace, ref.name, 'share');
    else if (group === '' && ref.kind === 'Secret') target = await tx.get('Secret', namespace, ref.name, 'share');
    else throw badRequest(`cannot bind token to object of type ${group}/${version}, Kind=${ref.kind}`);
    if (!target) throw notFound(ref.kind as 'Pod' | 'Secret', ref.name);
    if (target.kind === 'Pod' && (target.spec.serviceAccountName ?? DEFAULT_SERVICE_ACCOUNT) !== sa.metadata.name) {
      throw badRequest(
        `cannot bind token for serviceaccount "${sa.metadata.name}" to pod running with different serviceaccount name.`,
      );
    }
    if (ref.uid && ref.uid !== target.metadata.uid) {
      throw conflictMessage(
        `Operation cannot be fulfilled on ${ref.kind} "${ref.name}": the UID in the bound object reference ` +
          `(${ref.uid}) does not match the UID in record. The object might have been deleted and then ` +
          `recreated`,
      );
    }
    const obj = { name: target.metadata.name, uid: target.metadata.uid };
    const bound: Bound = { ref: { kind: target.kind, apiVersion: 'v1', ...obj } };
    if (target.kind === 'Pod') bound.pod = { ...obj, nodeName: target.spec.nodeName ?? undefined };
    else bound.secret = obj;
    return bound;
  }
}

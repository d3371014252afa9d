/**
 * Admission as kube-apiserver runs it: after a request is authorized and its object built,
 * inside the write's transaction, mutating steps first, then validating ones. Each plugin is a
 * small file in this folder; the registry runs them in the order `admissionChain` lists them.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthorizer } from '../authz/request.js';
import type { ApiError } from '../errors.js';
import type { StoreTransaction } from '../store/store.js';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest<T extends KubeObject = KubeObject> {
  operation: Operation;
  kind: Kind;
  namespace: string;
  name: string;
  /** The object to store (CREATE, UPDATE) or being deleted (DELETE). */
  object: T;
  oldObject?: T;
  user: UserInfo;
  /** The caller's authorizer; absent for in-process controllers. */
  authorizer?: RequestAuthorizer;
  /** Reads here see, and lock, what this write's transaction sees. */
  tx: StoreTransaction;
  /** What earlier steps of this write found, for later ones (each step keys it by a symbol). */
  memo: Map<symbol, unknown>;
}

export interface AdmissionPlugin {
  readonly name: string;
  handles(kind: Kind, operation: Operation): boolean;
  /** May return a changed object; runs before validation. */
  mutate?(request: AdmissionRequest): Promise<KubeObject | undefined>;
  /** Throws an ApiError to refuse; runs after validation. */
  validate?(request: AdmissionRequest): Promise<void>;
}

/**
 * Thrown by a plugin that may succeed if the write is tried again shortly, outside its
 * transaction (Kubernetes' ServiceAccount plugin re-reads a missing `default` account a few times:
 * the controller that makes it may not have run yet). The registry retries the whole write after
 * `afterMs`, at most `attempts` times, then answers `final`.
 */
export class RetryAdmission extends Error {
  constructor(
    readonly final: ApiError,
    readonly afterMs: number,
    readonly attempts: number,
  ) {
    super(final.message);
  }
}

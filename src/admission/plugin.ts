/**
 * Admission as kube-apiserver runs it: after a request is authorized and its object built,
 * inside the write's transaction, mutating steps first, then validating ones. Each plugin is a
 * small file in this folder; the registry runs them in the order `admissionChain` lists them.
 */
import type { Kind } from '../apis/kinds.js';
import type { KubeObject } from '../apis/meta.js';
import type { UserInfo } from '../authn/identity.js';
import type { RequestAuthorizer } from '../authz/request.js';
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
}

export interface AdmissionPlugin {
  readonly name: string;
  handles(kind: Kind, operation: Operation): boolean;
  /** May return a changed object; runs before validation. */
  mutate?(request: AdmissionRequest): Promise<KubeObject | void>;
  /** Throws an ApiError to refuse; runs after validation. */
  validate?(request: AdmissionRequest): Promise<void>;
}

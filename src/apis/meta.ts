/**
 * The shape every object shares, as Kubernetes' JSON writes it: `kind`, `metadata`, and a body.
 */
export type StringMap = Record<string, string>;

export interface ObjectMeta {
  name: string;
  /** Absent on cluster-scoped objects. */
  namespace?: string;
  uid: string;
  /** Opaque to clients; a decimal string of the global sequence. */
  resourceVersion: string;
  generation: number;
  /** RFC 3339, second precision. */
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels: StringMap;
  annotations: StringMap;
}

/** What a client may send as metadata. */
export interface ObjectMetaInput {
  name?: string | null;
  generateName?: string | null;
  namespace?: string | null;
  labels?: StringMap | null;
  annotations?: StringMap | null;
  resourceVersion?: string | null;
}

export interface KubeObject<K extends string = string> {
  kind: K;
  metadata: ObjectMeta;
}

/** Seconds precision, `Z` suffix: how Kubernetes writes metav1.Time. */
export function formatTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function nowSeconds(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** A list's page size when `first` is not given, and the largest it may be. */
export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** The core (API group "") kinds Keyway serves. Field names follow Kubernetes' JSON. */
import type { KubeObject } from './meta.js';

export interface LocalObjectReference {
  name: string;
}

export interface Namespace extends KubeObject<'Namespace'> {
  spec: { finalizers: string[] };
  status: { phase: 'Active' | 'Terminating' };
}

export interface ServiceAccount extends KubeObject<'ServiceAccount'> {
  secrets: LocalObjectReference[];
  imagePullSecrets: LocalObjectReference[];
  automountServiceAccountToken?: boolean | null;
}

export interface Secret extends KubeObject<'Secret'> {
  type: string;
  /** Values are base64 (RFC 4648 standard alphabet, padded). */
  data: Record<string, string>;
  immutable?: boolean | null;
}

export interface SecretKeySelector {
  name: string;
  key: string;
}
export interface EnvVar {
  name: string;
  value?: string | null;
  valueFrom?: {
    secretKeyRef?: SecretKeySelector | null;
    configMapKeyRef?: SecretKeySelector | null;
    fieldRef?: { apiVersion?: string | null; fieldPath: string } | null;
    resourceFieldRef?: { containerName?: string | null; resource: string; divisor?: unknown } | null;
  } | null;
}
export interface EnvFromSource {
  secretRef?: LocalObjectReference | null;
  configMapRef?: LocalObjectReference | null;
  prefix?: string | null;
}
export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean | null;
}
export interface Container {
  name: string;
  image?: string | null;
  env?: EnvVar[] | null;
  envFrom?: EnvFromSource[] | null;
  volumeMounts?: VolumeMount[] | null;
}
export interface KeyToPath {
  key: string;
  path: string;
}
export interface ProjectedSource {
  serviceAccountToken?: { audience?: string | null; expirationSeconds?: number | null; path: string } | null;
  secret?: { name: string } | null;
  configMap?: { name: string; items?: KeyToPath[] | null } | null;
  downwardAPI?: {
    items?: { path: string; fieldRef?: { apiVersion?: string | null; fieldPath: string } | null }[] | null;
  } | null;
}
export interface Volume {
  name: string;
  secret?: { secretName: string; defaultMode?: number | null } | null;
  projected?: { defaultMode?: number | null; sources: ProjectedSource[] } | null;
}
export interface PodSpec {
  serviceAccountName?: string | null;
  automountServiceAccountToken?: boolean | null;
  nodeName?: string | null;
  initContainers?: Container[] | null;
  containers: Container[];
  volumes?: Volume[] | null;
  imagePullSecrets?: LocalObjectReference[] | null;
}

export interface Pod extends KubeObject<'Pod'> {
  spec: PodSpec;
}

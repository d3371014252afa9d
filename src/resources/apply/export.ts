/**
 * `export`: objects as manifests `apply` takes back unchanged: apiVersion, kind, name, namespace,
 * labels, annotations and the body, without what the server sets (uid, resourceVersion,
 * generation, timestamps, status, apply's own record) and, unless asked, without Secret values.
 * In the order a fresh cluster needs them: namespaces, accounts and secrets, roles, bindings, pods.
 */
import { stringify } from 'yaml';
import { KINDS, type Kind } from '../../apis/kinds.js';
import type { KubeObject } from '../../apis/meta.js';
import { LAST_APPLIED } from './apply.js';

/** The kinds export writes, in the order apply needs them (IssuedTokens are the server's). */
export const EXPORTED: Kind[] = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
  'Pod',
];

/** One object as a manifest. */
export function toManifest(obj: KubeObject, includeSecretData: boolean): Record<string, unknown> {
  const { kind, metadata, ...rest } = obj as KubeObject & Record<string, unknown>;
  const body: Record<string, unknown> = { ...rest };
  delete body.status;
  delete body.apiVersion;
  if (kind === 'Secret' && !includeSecretData) delete body.data;
  const annotations = Object.fromEntries(Object.entries(metadata.annotations).filter(([k]) => k !== LAST_APPLIED));
  return {
    apiVersion: KINDS[kind as Kind].apiVersion,
    kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      ...(Object.keys(metadata.labels).length ? { labels: { ...metadata.labels } } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    ...body,
  };
}

/** Manifests as one YAML stream. */
export function toYaml(manifests: Record<string, unknown>[]): string {
  return manifests.map((m) => stringify(m, { lineWidth: 0 })).join('---\n');
}

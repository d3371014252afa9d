/**
 * `export`: objects as manifests `apply` takes back unchanged: apiVersion, kind, name, namespace,
 * labels, annotations and the body, without what the server sets (uid, resourceVersion,
 * generation, timestamps, status, apply's own record, a namespace's name label and `kubernetes`
 * finalizer) and, unless asked, without Secret values.
 * In the order a fresh cluster needs them: namespaces, accounts and secrets, roles, bindings, pods.
 */
import { stringify } from 'yaml';
import { KINDS, type Kind } from '../../apis/kinds.js';
import type { KubeObject } from '../../apis/meta.js';
import { NAMESPACE_NAME_LABEL } from '../../apis/wellknown.js';
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
  const labels = { ...metadata.labels };
  if (kind === 'Namespace') {
    // what the server sets on every namespace: its name label and the `kubernetes` finalizer
    if (labels[NAMESPACE_NAME_LABEL] === metadata.name) delete labels[NAMESPACE_NAME_LABEL];
    const spec = body.spec as { finalizers?: string[] } | undefined;
    if (spec?.finalizers?.length === 1 && spec.finalizers[0] === 'kubernetes') {
      const { finalizers: _f, ...rest } = spec;
      if (Object.keys(rest).length) body.spec = rest;
      else delete body.spec;
    }
  }
  return {
    apiVersion: KINDS[kind as Kind].apiVersion,
    kind,
    metadata: {
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
    },
    ...body,
  };
}

/** Manifests as one YAML stream. */
export function toYaml(manifests: Record<string, unknown>[]): string {
  // as YAML 1.1, so strings kubectl would read otherwise (`yes`, `0644`) are quoted
  return manifests.map((m) => stringify(m, { lineWidth: 0, version: '1.1' })).join('---\n');
}

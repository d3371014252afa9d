/**
 * ServiceAccount admission, step 2 (`mountServiceAccountToken`): unless the Pod (first) or its
 * ServiceAccount opts out, every init container and container that does not already mount
 * something at /var/run/secrets/kubernetes.io/serviceaccount gets a read-only mount of a
 * projected `kube-api-access-<5 random>` volume: a 3607 s token, the cluster's CA bundle and the
 * namespace. An existing `kube-api-access-*` volume is reused; the volume is added only if some
 * container needed it.
 */
import type { Container, Pod, ServiceAccount, Volume } from '../apis/core.js';
import type { AdmissionPlugin } from './plugin.js';
import { podCreate, serviceAccountOf } from './podServiceAccount.js';
import { generateName } from '../util/names.js';

const TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_VOLUME_PREFIX = 'kube-api-access-';

/** `shouldAutomount`: the Pod's setting, else the ServiceAccount's, else true. */
function shouldAutomount(account: ServiceAccount, pod: Pod): boolean {
  return pod.spec.automountServiceAccountToken ?? account.automountServiceAccountToken ?? true;
}

/** `TokenVolumeSource` */
function tokenVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        {
          downwardAPI: {
            items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }],
          },
        },
      ],
    },
  };
}

export const tokenAutomount: AdmissionPlugin = {
  name: 'ServiceAccountTokenAutomount',
  handles: podCreate,
  async mutate(request) {
    const pod = request.object as Pod;
    if (!shouldAutomount(serviceAccountOf(request), pod)) return;
    const volumes = pod.spec.volumes ?? [];
    const existing = volumes.find((v) => v.name.startsWith(TOKEN_VOLUME_PREFIX));
    // with none of the Pod's volumes under the prefix, a generated name cannot clash with one
    const volumeName = existing?.name ?? generateName(TOKEN_VOLUME_PREFIX);

    let needed = false;
    const mount = (c: Container): Container => {
      if ((c.volumeMounts ?? []).some((m) => m.mountPath === TOKEN_MOUNT_PATH)) return c;
      needed = true;
      return {
        ...c,
        volumeMounts: [...(c.volumeMounts ?? []), { name: volumeName, readOnly: true, mountPath: TOKEN_MOUNT_PATH }],
      };
    };
    const spec = { ...pod.spec };
    if (spec.initContainers) spec.initContainers = spec.initContainers.map(mount);
    spec.containers = spec.containers.map(mount);
    if (!needed) return;
    if (!existing) spec.volumes = [...volumes, tokenVolume(volumeName)];
    return { ...pod, spec };
  },
};

/**
 * ServiceAccount admission, validation (`enforceMountableSecrets`, `limitSecretReferences`): when
 * the Pod's ServiceAccount is annotated `kubernetes.io/enforce-mountable-secrets: "true"`, every
 * Secret the Pod references must be listed in the account's `secrets` (pull secrets in its
 * `imagePullSecrets`). Checked in Kubernetes' order (secret volumes, init containers' env and
 * envFrom, containers' env and envFrom, imagePullSecrets); the first violation refuses the Pod.
 * Secrets of projected volumes are not checked, as in Kubernetes.
 */
import type { Container, Pod, ServiceAccount } from '../apis/core.js';
import { forbidden } from '../errors.js';
import type { AdmissionPlugin } from './plugin.js';
import { podCreate, serviceAccountOf } from './podServiceAccount.js';
import { ENFORCE_MOUNTABLE_SECRETS } from '../apis/wellknown.js';

/** Go's `strconv.ParseBool`; anything else is false (Kubernetes ignores the parse error). */
function parseBool(value: string | undefined): boolean {
  return value !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(value);
}

/** The first secret reference the account does not allow, in Kubernetes' words, or null. */
function secretReferenceViolation(account: ServiceAccount, pod: Pod): string | null {
  const sa = account.metadata.name;
  const mountable = new Set(account.secrets.map((s) => s.name));
  const notReferenced = `is not allowed because service account ${sa} does not reference that secret`;
  for (const volume of pod.spec.volumes ?? []) {
    const name = volume.secret?.secretName;
    if (name !== undefined && !mountable.has(name)) return `volume with secret.secretName="${name}" ${notReferenced}`;
  }
  const inContainers = (containers: Container[] | null | undefined, what: string): string | null => {
    for (const c of containers ?? []) {
      for (const env of c.env ?? []) {
        const name = env.valueFrom?.secretKeyRef?.name;
        if (name !== undefined && !mountable.has(name)) {
          return `${what} ${c.name} with envVar ${env.name} referencing secret.secretName="${name}" ${notReferenced}`;
        }
      }
      for (const from of c.envFrom ?? []) {
        const name = from.secretRef?.name;
        if (name !== undefined && !mountable.has(name))
          return `${what} ${c.name} with envFrom referencing secret.secretName="${name}" ${notReferenced}`;
      }
    }
    return null;
  };
  const fromContainers =
    inContainers(pod.spec.initContainers, 'init container') ?? inContainers(pod.spec.containers, 'container');
  if (fromContainers) return fromContainers;
  const pullable = new Set(account.imagePullSecrets.map((s) => s.name));
  const pulls = pod.spec.imagePullSecrets ?? [];
  for (let i = 0; i < pulls.length; i++) {
    if (!pullable.has(pulls[i].name)) {
      return (
        `imagePullSecrets[${i}].name="${pulls[i].name}" is not allowed because service account ${sa} ` +
        `does not reference that imagePullSecret`
      );
    }
  }
  return null;
}

export const mountableSecrets: AdmissionPlugin = {
  name: 'ServiceAccountMountableSecrets',
  handles: podCreate,
  async validate(request) {
    const account = serviceAccountOf(request);
    if (!parseBool(account.metadata.annotations[ENFORCE_MOUNTABLE_SECRETS])) return;
    const violation = secretReferenceViolation(account, request.object as Pod);
    if (violation) throw forbidden('pods', request.name, violation);
  },
};

/**
 * ServiceAccount admission, step 3: a Pod that names no `imagePullSecrets` gets its
 * ServiceAccount's.
 */
import type { Pod } from '../apis/core.js';
import type { AdmissionPlugin } from './plugin.js';
import { podCreate, serviceAccountOf } from './podServiceAccount.js';

export const imagePullSecrets: AdmissionPlugin = {
  name: 'ServiceAccountImagePullSecrets',
  handles: podCreate,
  async mutate(request) {
    const pod = request.object as Pod;
    const account = serviceAccountOf(request);
    if ((pod.spec.imagePullSecrets ?? []).length > 0 || account.imagePullSecrets.length === 0) return;
    return { ...pod, spec: { ...pod.spec, imagePullSecrets: account.imagePullSecrets.map((s) => ({ name: s.name })) } };
  },
};

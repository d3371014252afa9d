/**
 * ServiceAccount admission, step 1 (`plugin/pkg/admission/serviceaccount/admission.go`, Admit):
 * a Pod that names no ServiceAccount runs as `default`, and the account it names must exist. The
 * account is read `FOR SHARE` in the Pod's transaction, so it cannot be deleted between this
 * check and the commit: a concurrent delete waits for the Pod, or the Pod sees it gone.
 * A missing `default` is looked for again a few times first, outside the transaction (see
 * RetryAdmission). The account found is kept for the later steps (`serviceAccountOf`).
 */
import { randomInt } from 'node:crypto';
import type { Pod, ServiceAccount } from '../apis/core.js';
import { forbidden } from '../errors.js';
import { RetryAdmission, type AdmissionPlugin, type AdmissionRequest } from './plugin.js';
import { DEFAULT_SERVICE_ACCOUNT } from '../apis/wellknown.js';

/** Kubernetes looks a missing `default` up 10 times, 100–200 ms apart. */
const DEFAULT_LOOKUP_ATTEMPTS = 10;

const ACCOUNT = Symbol('serviceAccount');

/** The ServiceAccount a Pod create runs as, once `podServiceAccount` has found it. */
export function serviceAccountOf(request: AdmissionRequest): ServiceAccount {
  const account = request.memo.get(ACCOUNT) as ServiceAccount | undefined;
  if (!account) throw new Error('podServiceAccount must run before the steps that use the account');
  return account;
}

/** Whether admission handles this request: Pod creates (Kubernetes' plugin also ignores subresources). */
export const podCreate = (kind: string, operation: string) => kind === 'Pod' && operation === 'CREATE';

export const podServiceAccount: AdmissionPlugin = {
  name: 'ServiceAccount',
  handles: podCreate,
  async mutate(request) {
    const pod = request.object as Pod;
    const accountName = pod.spec.serviceAccountName || DEFAULT_SERVICE_ACCOUNT;
    const account = await request.tx.get('ServiceAccount', request.namespace, accountName, 'share');
    if (!account) {
      const refusal = forbidden(
        'pods',
        request.name,
        `error looking up service account ${request.namespace}/${accountName}: serviceaccount "${accountName}" ` +
          `not found`,
      );
      // `default` is made by a controller right after its namespace: give it the time Kubernetes does
      if (accountName === DEFAULT_SERVICE_ACCOUNT)
        throw new RetryAdmission(refusal, 100 + randomInt(100), DEFAULT_LOOKUP_ATTEMPTS);
      throw refusal;
    }
    request.memo.set(ACCOUNT, account);
    return { ...pod, spec: { ...pod.spec, serviceAccountName: accountName } };
  },
};

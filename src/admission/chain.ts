/** The admission plugins, in the order kube-apiserver runs them. */
import type { RbacIndex } from '../authz/rbac/index.js';
import { imagePullSecrets } from './imagePullSecrets.js';
import { mountableSecrets } from './mountableSecrets.js';
import { namespaceLifecycle } from './namespaceLifecycle.js';
import type { AdmissionPlugin } from './plugin.js';
import { podServiceAccount } from './podServiceAccount.js';
import { rbacEscalation } from './rbacEscalation.js';
import { tokenAutomount } from './tokenAutomount.js';

export function admissionChain(deps: { rbac: RbacIndex }): AdmissionPlugin[] {
  return [
    namespaceLifecycle,
    // Kubernetes' ServiceAccount plugin, a step a file: default and find the account, mount its
    // token, copy its pull secrets, then (validating) enforce its mountable secrets
    podServiceAccount,
    tokenAutomount,
    imagePullSecrets,
    mountableSecrets,
    rbacEscalation(deps.rbac),
  ];
}

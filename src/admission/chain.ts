/** The admission plugins, in the order kube-apiserver runs them. */
import type { RbacIndex } from '../authz/rbac/index.js';
import { namespaceLifecycle } from './namespaceLifecycle.js';
import type { AdmissionPlugin } from './plugin.js';
import { rbacEscalation } from './rbacEscalation.js';

export function admissionChain(deps: { rbac: RbacIndex }): AdmissionPlugin[] {
  return [namespaceLifecycle, rbacEscalation(deps.rbac)];
}

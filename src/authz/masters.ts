/**
 * The foundation's authorizer: `system:masters` may do anything, everyone else nothing. The RBAC
 * authorizer replaces it; the privileged-group rule stays in front of RBAC as in kube-apiserver.
 */
import { SYSTEM_MASTERS } from '../authn/identity.js';
import { DENY, type Attributes, type Authorizer, type Decision } from './authorizer.js';

export class PrivilegedGroupAuthorizer implements Authorizer {
  authorize(attrs: Attributes): Decision {
    return attrs.user.groups.includes(SYSTEM_MASTERS) ? { allowed: true, reason: '' } : DENY;
  }
}

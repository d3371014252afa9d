/**
 * kube-apiserver's privileged-group authorizer: `system:masters` may do anything; for anyone else
 * it has no opinion, and the chain asks RBAC next.
 */
import { SYSTEM_MASTERS } from '../authn/identity.js';
import { DENY, type Attributes, type Authorizer, type Decision } from './authorizer.js';

export class PrivilegedGroupAuthorizer implements Authorizer {
  authorize(attrs: Attributes): Decision {
    return attrs.user.groups.includes(SYSTEM_MASTERS) ? { allowed: true, reason: '' } : DENY;
  }
}

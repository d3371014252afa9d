/**
 * Escalation prevention for RBAC writes (`pkg/registry/rbac/{role,clusterrole,rolebinding,
 * clusterrolebinding}/policybased/storage.go`), after ordinary authorization: a role may hold
 * only rules its writer holds in that namespace, unless it may `escalate`; a binding may name only
 * a role whose rules its writer holds there, unless it may `bind` that role. system:masters skip.
 */
import { KINDS } from '../apis/kinds.js';
import { RBAC_GROUP, type ClusterRole, type ClusterRoleBinding, type Role, type RoleBinding } from '../apis/rbac.js';
import { SYSTEM_MASTERS } from '../authn/identity.js';
import { forbidden, notFound } from '../errors.js';
import { confirmNoEscalation } from '../authz/rbac/escalation.js';
import type { RbacIndex } from '../authz/rbac/index.js';
import type { AdmissionPlugin } from './plugin.js';

const ROLES = new Set(['Role', 'ClusterRole']);
const BINDINGS = new Set(['RoleBinding', 'ClusterRoleBinding']);

export function rbacEscalation(index: RbacIndex): AdmissionPlugin {
  return {
    name: 'RBACEscalation',
    handles: (kind, operation) =>
      (operation === 'CREATE' || operation === 'UPDATE') && (ROLES.has(kind) || BINDINGS.has(kind)),
    async validate({ kind, operation, namespace, name, object, user, authorizer }) {
      // In-process controllers write the bootstrap policy; they answer to no authorizer.
      if (!authorizer || user.groups.includes(SYSTEM_MASTERS)) return;
      const groupResource = `${KINDS[kind].resource}.${RBAC_GROUP}`;
      if (ROLES.has(kind)) {
        const escalate = await authorizer.decide({
          verb: 'escalate',
          apiGroup: RBAC_GROUP,
          resource: KINDS[kind].resource,
          namespace,
          name: operation === 'UPDATE' ? name : '',
        });
        if (escalate.allowed) return;
        const denied = confirmNoEscalation(user, index.rulesFor(user, namespace), (object as Role | ClusterRole).rules);
        if (denied) throw forbidden(groupResource, name, denied);
        return;
      }
      const { roleRef } = object as RoleBinding | ClusterRoleBinding;
      const bind = await authorizer.decide({
        verb: 'bind',
        apiGroup: roleRef.apiGroup,
        resource: roleRef.kind === 'ClusterRole' ? 'clusterroles' : 'roles',
        namespace,
        name: roleRef.name,
      });
      if (bind.allowed) return;
      const rules = index.roleRefRules(roleRef, namespace);
      if (!rules) throw notFound(roleRef.kind === 'ClusterRole' ? 'ClusterRole' : 'Role', roleRef.name);
      const denied = confirmNoEscalation(user, index.rulesFor(user, namespace), rules);
      if (denied) throw forbidden(groupResource, name, denied);
    },
  };
}

import type { RoleBinding } from '../../apis/rbac.js';
import { bindingStrategy } from '../rbac/strategies.js';

/** RoleBindings: grant a Role or a ClusterRole inside their namespace. */
export const roleBindingStrategy = bindingStrategy<RoleBinding>('RoleBinding');

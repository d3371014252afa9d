import type { ClusterRoleBinding } from '../../apis/rbac.js';
import { bindingStrategy } from '../rbac/strategies.js';

/** ClusterRoleBindings: grant a ClusterRole everywhere; ServiceAccount subjects need a namespace. */
export const clusterRoleBindingStrategy = bindingStrategy<ClusterRoleBinding>('ClusterRoleBinding');

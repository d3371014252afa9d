import type { ClusterRole } from '../../apis/rbac.js';
import { roleStrategy } from '../rbac/strategies.js';

/** ClusterRoles: rules for every namespace, cluster-scoped resources and non-resource URLs. */
export const clusterRoleStrategy = roleStrategy<ClusterRole>('ClusterRole');

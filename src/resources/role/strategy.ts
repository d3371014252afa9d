import type { Role } from '../../apis/rbac.js';
import { roleStrategy } from '../rbac/strategies.js';

/** Roles: namespaced rules, which may not name non-resource URLs. */
export const roleStrategyOfRole = roleStrategy<Role>('Role');

/** Each kind's strategy, for the registry. */
import type { Strategies } from '../registry/strategy.js';
import { issuedTokenStrategy } from './issuedtoken/strategy.js';
import { namespaceStrategy } from './namespace/strategy.js';
import { podStrategy } from './pod/strategy.js';
import {
  clusterRoleBindingStrategy,
  clusterRoleStrategy,
  roleBindingStrategy,
  roleStrategy,
} from './rbac/strategies.js';
import { secretStrategy } from './secret/strategy.js';
import { serviceAccountStrategy } from './serviceaccount/strategy.js';

export const strategies: Strategies = {
  Namespace: namespaceStrategy,
  ServiceAccount: serviceAccountStrategy,
  Secret: secretStrategy,
  Pod: podStrategy,
  Role: roleStrategy,
  RoleBinding: roleBindingStrategy,
  ClusterRole: clusterRoleStrategy,
  ClusterRoleBinding: clusterRoleBindingStrategy,
  IssuedToken: issuedTokenStrategy,
};

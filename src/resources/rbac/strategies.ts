/**
 * The four RBAC kinds share their rules (`pkg/registry/rbac/<kind>/strategy.go`): a role is a list of
 * policy rules, a binding a roleRef and subjects. Only the scope (and which roles a binding may
 * name) differs.
 */
import { jsonEqual } from '../../util/maps.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../apis/rbac.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import { nameIsPathSegment } from '../../validation/names.js';
import {
  defaultRoleRef,
  defaultSubject,
  validateAggregationRule,
  validatePolicyRule,
  validateRoleRef,
  validateSubject,
} from './validation.js';
import { defaultRule } from '../../apis/rbac.js';

function rulesStrategy<T extends Role | ClusterRole>(kind: T['kind']): Strategy<T> {
  const namespaced = kind === 'Role';
  const prepare = (role: T): T => ({ ...role, rules: (role.rules ?? []).map(defaultRule) });
  const validate = (role: T): ErrorList => [
    ...role.rules.flatMap((rule, i) => validatePolicyRule(rule, namespaced, Path.root('rules').index(i))),
    ...('aggregationRule' in role ? validateAggregationRule(role.aggregationRule, Path.root('aggregationRule')) : []),
  ];
  return {
    kind,
    validateName: nameIsPathSegment,
    defaults: prepare,
    prepareForCreate: (role) => role,
    validate,
    prepareForUpdate: (role) => role,
    validateUpdate: validate,
  };
}

function bindingsStrategy<T extends RoleBinding | ClusterRoleBinding>(kind: T['kind']): Strategy<T> {
  const namespaced = kind === 'RoleBinding';
  const roleKinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
  const prepare = (binding: T): T => ({
    ...binding,
    roleRef: defaultRoleRef(binding.roleRef),
    subjects: (binding.subjects ?? []).map(defaultSubject),
  });
  const validate = (binding: T): ErrorList => [
    ...validateRoleRef(binding.roleRef, roleKinds, Path.root('roleRef')),
    ...binding.subjects.flatMap((s, i) => validateSubject(s, namespaced, Path.root('subjects').index(i))),
  ];
  return {
    kind,
    validateName: nameIsPathSegment,
    defaults: prepare,
    prepareForCreate: (binding) => binding,
    validate,
    prepareForUpdate: (binding) => binding,
    validateUpdate(binding, old) {
      const errs = validate(binding);
      if (!jsonEqual(binding.roleRef, old.roleRef)) {
        errs.unshift(field.invalid('roleRef', binding.roleRef, 'cannot change roleRef'));
      }
      return errs;
    },
  };
}

/** Roles: namespaced rules, which may not name non-resource URLs. */
export const roleStrategy = rulesStrategy<Role>('Role');
/** ClusterRoles: rules for every namespace, cluster-scoped resources and non-resource URLs. */
export const clusterRoleStrategy = rulesStrategy<ClusterRole>('ClusterRole');
/** RoleBindings: grant a Role or a ClusterRole inside their namespace. */
export const roleBindingStrategy = bindingsStrategy<RoleBinding>('RoleBinding');
/** ClusterRoleBindings: grant a ClusterRole everywhere; ServiceAccount subjects need a namespace. */
export const clusterRoleBindingStrategy = bindingsStrategy<ClusterRoleBinding>('ClusterRoleBinding');

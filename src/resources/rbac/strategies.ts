/**
 * The four RBAC kinds share their rules: a role is a list of policy rules, a binding a roleRef
 * and subjects. Only the scope (and which roles a binding may name) differs.
 */
import { jsonEqual } from '../../util/maps.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../apis/rbac.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import { nameIsPathSegment } from '../../validation/names.js';
import { defaultRoleRef, defaultRule, defaultSubject, validatePolicyRule, validateRoleRef, validateSubject } from './validation.js';

export function roleStrategy<T extends Role | ClusterRole>(kind: T['kind']): Strategy<T> {
  const namespaced = kind === 'Role';
  const prepare = (role: T): T => ({ ...role, rules: (role.rules ?? []).map(defaultRule) });
  const validate = (role: T): ErrorList =>
    role.rules.flatMap((rule, i) => validatePolicyRule(rule, namespaced, Path.root('rules').index(i)));
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

export function bindingStrategy<T extends RoleBinding | ClusterRoleBinding>(kind: T['kind']): Strategy<T> {
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

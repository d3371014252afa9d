/**
 * RBAC object rules (`pkg/apis/rbac/validation/validation.go`, `pkg/apis/rbac/v1/defaults.go`):
 * policy rules, role references and subjects, with their defaults.
 */
import {
  RBAC_GROUP,
  type AggregationRule,
  type LabelSelector,
  type PolicyRule,
  type RoleRef,
  type Subject,
} from '../../apis/rbac.js';
import { field, type Path, type ErrorList } from '../../validation/field.js';
import { isDNS1123Subdomain, isQualifiedName, isValidLabelValue, nameIsPathSegment } from '../../validation/names.js';

export function validatePolicyRule(rule: PolicyRule, namespaced: boolean, at: Path): ErrorList {
  const errs: ErrorList = [];
  if (rule.verbs.length === 0) errs.push(field.required(at.child('verbs'), 'verbs must contain at least one value'));
  if (rule.nonResourceURLs.length > 0) {
    if (namespaced) {
      errs.push(
        field.invalid(
          at.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'namespaced rules cannot apply to non-resource URLs',
        ),
      );
    }
    if (rule.apiGroups.length || rule.resources.length || rule.resourceNames.length) {
      errs.push(
        field.invalid(
          at.child('nonResourceURLs'),
          rule.nonResourceURLs,
          'rules cannot apply to both regular resources and non-resource URLs',
        ),
      );
    }
    return errs;
  }
  if (rule.apiGroups.length === 0) {
    errs.push(field.required(at.child('apiGroups'), 'resource rules must supply at least one api group'));
  }
  if (rule.resources.length === 0) {
    errs.push(field.required(at.child('resources'), 'resource rules must supply at least one resource'));
  }
  return errs;
}

export function defaultRoleRef(ref: Partial<RoleRef> | undefined): RoleRef {
  return { apiGroup: ref?.apiGroup || RBAC_GROUP, kind: ref?.kind ?? '', name: ref?.name ?? '' };
}

export function defaultSubject(subject: Subject): Subject {
  const apiGroup = subject.apiGroup ?? (subject.kind === 'ServiceAccount' ? '' : RBAC_GROUP);
  return { ...subject, apiGroup, namespace: subject.namespace ?? '' };
}

export function validateRoleRef(ref: RoleRef, kinds: string[], at: Path): ErrorList {
  const errs: ErrorList = [];
  if (ref.apiGroup !== RBAC_GROUP) errs.push(field.notSupported(at.child('apiGroup'), ref.apiGroup, [RBAC_GROUP]));
  if (!kinds.includes(ref.kind)) errs.push(field.notSupported(at.child('kind'), ref.kind, kinds));
  if (!ref.name) errs.push(field.required(at.child('name')));
  else for (const msg of nameIsPathSegment(ref.name, false)) errs.push(field.invalid(at.child('name'), ref.name, msg));
  return errs;
}

export function validateSubject(subject: Subject, namespaced: boolean, at: Path): ErrorList {
  const errs: ErrorList = [];
  if (!subject.name) errs.push(field.required(at.child('name')));
  switch (subject.kind) {
    case 'ServiceAccount':
      if (subject.name)
        for (const msg of isDNS1123Subdomain(subject.name))
          errs.push(field.invalid(at.child('name'), subject.name, msg));
      if (subject.apiGroup) errs.push(field.notSupported(at.child('apiGroup'), subject.apiGroup, ['']));
      if (!namespaced && !subject.namespace) errs.push(field.required(at.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (subject.apiGroup !== RBAC_GROUP)
        errs.push(field.notSupported(at.child('apiGroup'), subject.apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(field.notSupported(at.child('kind'), subject.kind, ['ServiceAccount', 'User', 'Group']));
  }
  return errs;
}

/** `ValidateLabelSelector` (`metav1/validation`): operators, their values, keys and label values. */
function validateLabelSelector(selector: LabelSelector, at: Path): ErrorList {
  const errs: ErrorList = [];
  (selector.matchExpressions ?? []).forEach((expr, i) => {
    const here = at.child('matchExpressions').index(i);
    const values = expr.values ?? [];
    if (expr.operator === 'In' || expr.operator === 'NotIn') {
      if (values.length === 0) {
        errs.push(field.required(here.child('values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      }
    } else if (expr.operator === 'Exists' || expr.operator === 'DoesNotExist') {
      if (values.length > 0) {
        errs.push(
          field.forbidden(here.child('values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
    } else {
      errs.push(field.invalid(here.child('operator'), expr.operator, 'not a valid selector operator'));
    }
    for (const msg of isQualifiedName(expr.key)) errs.push(field.invalid(here.child('key'), expr.key, msg));
  });
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    for (const msg of isQualifiedName(key)) errs.push(field.invalid(at.child('matchLabels'), key, msg));
    for (const msg of isValidLabelValue(value)) errs.push(field.invalid(at.child('matchLabels'), value, msg));
  }
  return errs;
}

/** A ClusterRole's `aggregationRule`: at least one selector, each a valid label selector. */
export function validateAggregationRule(rule: AggregationRule | null | undefined, at: Path): ErrorList {
  if (!rule) return [];
  const selectors = rule.clusterRoleSelectors ?? [];
  const here = at.child('clusterRoleSelectors');
  if (selectors.length === 0) {
    return [field.required(here, 'at least one clusterRoleSelector required if aggregationRule is non-nil')];
  }
  return selectors.flatMap((selector, i) => validateLabelSelector(selector, here.index(i)));
}

/**
 * The four RBAC kinds (rbac.authorization.k8s.io): the parts they share (policy rules, role
 * references, subjects), and each kind defined by `defineRbacKind`, since a Role and a
 * ClusterRole (a RoleBinding and a ClusterRoleBinding) differ only in scope.
 */
import type { ObjectOfKind } from '../../apis/kinds.js';
import type { AggregationRule, ClusterRole, LabelSelector, PolicyRule, RoleRef, Subject } from '../../apis/rbac.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';

export const PolicyRuleRef = builder.objectRef<PolicyRule>('PolicyRule').implement({
  description: 'What a role allows: verbs on resources (by API group and optionally name) or on non-resource URLs.',
  fields: (t) => ({
    verbs: t.exposeStringList('verbs'),
    apiGroups: t.exposeStringList('apiGroups'),
    resources: t.exposeStringList('resources'),
    resourceNames: t.exposeStringList('resourceNames'),
    nonResourceURLs: t.exposeStringList('nonResourceURLs'),
  }),
});

const PolicyRuleInput = builder.inputType('PolicyRuleInput', {
  fields: (t) => ({
    verbs: t.stringList({ required: true }),
    apiGroups: t.stringList({ required: false }),
    resources: t.stringList({ required: false }),
    resourceNames: t.stringList({ required: false }),
    nonResourceURLs: t.stringList({ required: false }),
  }),
});

export const RoleRefRef = builder.objectRef<RoleRef>('RoleRef').implement({
  fields: (t) => ({ apiGroup: t.exposeString('apiGroup'), kind: t.exposeString('kind'), name: t.exposeString('name') }),
});

const RoleRefInput = builder.inputType('RoleRefInput', {
  fields: (t) => ({
    apiGroup: t.string({ required: false, description: 'Default `rbac.authorization.k8s.io`.' }),
    kind: t.string({ required: true }),
    name: t.string({ required: true }),
  }),
});

export const SubjectRef = builder.objectRef<Subject>('Subject').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    name: t.exposeString('name'),
    namespace: t.string({ nullable: true, resolve: (s) => s.namespace || null }),
    apiGroup: t.string({ resolve: (s) => s.apiGroup ?? '' }),
  }),
});

const SubjectInput = builder.inputType('SubjectInput', {
  fields: (t) => ({
    kind: t.string({ required: true, description: '`User`, `Group` or `ServiceAccount`.' }),
    name: t.string({ required: true }),
    namespace: t.string({
      required: false,
      description: "For ServiceAccounts; in a RoleBinding it defaults to the binding's.",
    }),
    apiGroup: t.string({ required: false }),
  }),
});

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

const RequirementRef = builder.objectRef<Requirement>('LabelSelectorRequirement').implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    operator: t.exposeString('operator', { description: '`In`, `NotIn`, `Exists` or `DoesNotExist`.' }),
    values: t.stringList({ resolve: (r) => r.values ?? [] }),
  }),
});

const LabelSelectorRef = builder.objectRef<LabelSelector>('LabelSelector').implement({
  description: 'Every requirement must hold; an empty selector selects everything.',
  fields: (t) => ({
    matchLabels: t.field({ type: 'StringMap', resolve: (l) => l.matchLabels ?? {} }),
    matchExpressions: t.field({ type: [RequirementRef], resolve: (l) => l.matchExpressions ?? [] }),
  }),
});

const AggregationRuleRef = builder.objectRef<AggregationRule>('AggregationRule').implement({
  description: "The ClusterRoles whose rules make this one's (kept current by a controller).",
  fields: (t) => ({
    clusterRoleSelectors: t.field({ type: [LabelSelectorRef], resolve: (a) => a.clusterRoleSelectors ?? [] }),
  }),
});

const RequirementInput = builder.inputType('LabelSelectorRequirementInput', {
  fields: (t) => ({
    key: t.string({ required: true }),
    operator: t.string({ required: true }),
    values: t.stringList({ required: false }),
  }),
});

const LabelSelectorInput = builder.inputType('LabelSelectorInput', {
  fields: (t) => ({
    matchLabels: t.field({ type: 'StringMap', required: false }),
    matchExpressions: t.field({ type: [RequirementInput], required: false }),
  }),
});

const AggregationRuleInput = builder.inputType('AggregationRuleInput', {
  fields: (t) => ({
    clusterRoleSelectors: t.field({ type: [LabelSelectorInput], required: true }),
  }),
});

/** A role kind: its object type with `rules` (a ClusterRole's may be aggregated), its input, and its operations. */
function defineRoleKind<K extends 'Role' | 'ClusterRole'>(kind: K) {
  const ref = builder.objectRef<ObjectOfKind[K]>(kind);
  const aggregated = kind === 'ClusterRole';
  builder.node(ref, {
    ...nodeBasics(kind),
    fields: (t) => ({
      metadata: t.field({ type: ObjectMetaRef, resolve: (r) => r.metadata }),
      rules: t.field({ type: [PolicyRuleRef], resolve: (r) => r.rules }),
      ...(aggregated
        ? {
            aggregationRule: t.field({
              type: AggregationRuleRef,
              nullable: true,
              resolve: (r) => (r as ClusterRole).aggregationRule ?? null,
            }),
          }
        : {}),
    }),
  });
  const input = builder.inputType(`${kind}Input` as string, {
    fields: (t) => ({
      metadata: t.field({ type: ObjectMetaInputRef, required: true }),
      rules: t.field({ type: [PolicyRuleInput], required: false }),
      ...(aggregated
        ? {
            aggregationRule: t.field({
              type: AggregationRuleInput,
              required: false,
              description: 'Set: the rules are those of the ClusterRoles it selects, kept current by Keyway.',
            }),
          }
        : {}),
    }),
  });
  defineOperations(kind, ref, input);
}

/** A binding kind: its object type with `roleRef` and `subjects`, its input, and its operations. */
function defineBindingKind<K extends 'RoleBinding' | 'ClusterRoleBinding'>(kind: K) {
  const ref = builder.objectRef<ObjectOfKind[K]>(kind);
  builder.node(ref, {
    ...nodeBasics(kind),
    fields: (t) => ({
      metadata: t.field({ type: ObjectMetaRef, resolve: (b) => b.metadata }),
      roleRef: t.field({ type: RoleRefRef, resolve: (b) => b.roleRef }),
      subjects: t.field({ type: [SubjectRef], resolve: (b) => b.subjects }),
    }),
  });
  const input = builder.inputType(`${kind}Input` as string, {
    fields: (t) => ({
      metadata: t.field({ type: ObjectMetaInputRef, required: true }),
      roleRef: t.field({
        type: RoleRefInput,
        required: false,
        description: 'Required on create; cannot change after.',
      }),
      subjects: t.field({ type: [SubjectInput], required: false }),
    }),
  });
  defineOperations(kind, ref, input);
}

defineRoleKind('Role');
defineRoleKind('ClusterRole');
defineBindingKind('RoleBinding');
defineBindingKind('ClusterRoleBinding');

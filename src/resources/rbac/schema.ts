/** The parts the four RBAC kinds share: policy rules, role references, subjects. */
import type { PolicyRule, RoleRef, Subject } from '../../apis/rbac.js';
import { builder } from '../../builder.js';

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

export const PolicyRuleInput = builder.inputType('PolicyRuleInput', {
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

export const RoleRefInput = builder.inputType('RoleRefInput', {
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

export const SubjectInput = builder.inputType('SubjectInput', {
  fields: (t) => ({
    kind: t.string({ required: true, description: '`User`, `Group` or `ServiceAccount`.' }),
    name: t.string({ required: true }),
    namespace: t.string({ required: false, description: 'For ServiceAccounts; in a RoleBinding it defaults to the binding\'s.' }),
    apiGroup: t.string({ required: false }),
  }),
});

/**
 * authorization.k8s.io for GraphQL: SubjectAccessReview, SelfSubjectAccessReview,
 * SelfSubjectRulesReview; and, beyond Kubernetes, `whoCan`.
 */
import type { PolicyRule, Subject } from '../../apis/rbac.js';
import type { Attributes, RequestAttributes } from '../../authz/authorizer.js';
import { whoCan, type WhoCanEntry } from '../../authz/rbac/whocan.js';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { badRequest, invalid } from '../../errors.js';
import { type ErrorList, field } from '../../validation/field.js';
import { allOf, canDo } from '../common/attributes.js';
import { RoleRefRef, SubjectRef } from '../rbac/schema.js';

const ResourceAttributesInput = builder.inputType('ResourceAttributesInput', {
  fields: (t) => ({
    namespace: t.string({ required: false, description: 'Empty: cluster-wide, or every namespace.' }),
    verb: t.string({ required: true }),
    group: t.string({ required: false }),
    resource: t.string({ required: true }),
    subresource: t.string({ required: false }),
    name: t.string({ required: false }),
  }),
});

const NonResourceAttributesInput = builder.inputType('NonResourceAttributesInput', {
  fields: (t) => ({ path: t.string({ required: true }), verb: t.string({ required: true }) }),
});

const SubjectAccessReviewInput = builder.inputType('SubjectAccessReviewInput', {
  fields: (t) => ({
    user: t.string({ required: false }),
    uid: t.string({ required: false }),
    groups: t.stringList({ required: false }),
    extra: t.field({ type: 'StringListMap', required: false }),
    resourceAttributes: t.field({ type: ResourceAttributesInput, required: false }),
    nonResourceAttributes: t.field({ type: NonResourceAttributesInput, required: false }),
  }),
});

const SelfSubjectAccessReviewInput = builder.inputType('SelfSubjectAccessReviewInput', {
  fields: (t) => ({
    resourceAttributes: t.field({ type: ResourceAttributesInput, required: false }),
    nonResourceAttributes: t.field({ type: NonResourceAttributesInput, required: false }),
  }),
});

interface AccessStatus {
  allowed: boolean;
  denied: boolean;
  reason: string;
  evaluationError: string;
}

const SubjectAccessReviewStatusRef = builder.objectRef<AccessStatus>('SubjectAccessReviewStatus').implement({
  fields: (t) => ({
    allowed: t.exposeBoolean('allowed'),
    denied: t.exposeBoolean('denied', { description: 'RBAC never denies: it allows or has no opinion.' }),
    reason: t.exposeString('reason'),
    evaluationError: t.exposeString('evaluationError'),
  }),
});

type Attrs = {
  resourceAttributes?: {
    namespace?: string | null;
    verb: string;
    group?: string | null;
    resource: string;
    subresource?: string | null;
    name?: string | null;
  } | null;
  nonResourceAttributes?: { path: string; verb: string } | null;
};

/** `ValidateSubjectAccessReviewSpec`'s rules for the attributes. */
function attributes(kind: string, input: Attrs): RequestAttributes {
  const r = input.resourceAttributes;
  const n = input.nonResourceAttributes;
  if (r && n)
    throw invalid(kind, '', [
      field.invalid('spec.nonResourceAttributes', n, 'cannot be specified in combination with resourceAttributes'),
    ]);
  if (!r && !n)
    throw invalid(kind, '', [
      field.invalid(
        'spec.resourceAttributes',
        null,
        'exactly one of nonResourceAttributes or resourceAttributes must be specified',
      ),
    ]);
  if (n) return { verb: n.verb, path: n.path };
  return {
    verb: r!.verb,
    apiGroup: r!.group ?? '',
    resource: r!.resource,
    subresource: r!.subresource ?? '',
    namespace: r!.namespace ?? '',
    name: r!.name ?? '',
  };
}

async function review(ctx: Context, attrs: Attributes): Promise<AccessStatus> {
  const decision = await ctx.authorizer.authorize(attrs);
  return {
    allowed: decision.allowed,
    denied: false,
    reason: decision.reason,
    evaluationError: decision.evaluationError ?? '',
  };
}

const ResourceRuleRef = builder.objectRef<PolicyRule>('ResourceRule').implement({
  fields: (t) => ({
    verbs: t.exposeStringList('verbs'),
    apiGroups: t.exposeStringList('apiGroups'),
    resources: t.exposeStringList('resources'),
    resourceNames: t.exposeStringList('resourceNames'),
  }),
});
const NonResourceRuleRef = builder.objectRef<PolicyRule>('NonResourceRule').implement({
  fields: (t) => ({ verbs: t.exposeStringList('verbs'), nonResourceURLs: t.exposeStringList('nonResourceURLs') }),
});

interface RulesStatus {
  resourceRules: PolicyRule[];
  nonResourceRules: PolicyRule[];
  incomplete: boolean;
  evaluationError: string;
}

const SubjectRulesReviewStatusRef = builder.objectRef<RulesStatus>('SubjectRulesReviewStatus').implement({
  fields: (t) => ({
    resourceRules: t.field({ type: [ResourceRuleRef], resolve: (s) => s.resourceRules }),
    nonResourceRules: t.field({ type: [NonResourceRuleRef], resolve: (s) => s.nonResourceRules }),
    incomplete: t.exposeBoolean('incomplete'),
    evaluationError: t.exposeString('evaluationError'),
  }),
});

const WhoCanBindingRef = builder.objectRef<WhoCanEntry['bindings'][number]>('WhoCanBinding').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    name: t.exposeString('name'),
    namespace: t.string({ nullable: true, resolve: (b) => b.namespace || null }),
    roleRef: t.field({ type: RoleRefRef, resolve: (b) => b.roleRef }),
  }),
});

const WhoCanEntryRef = builder.objectRef<WhoCanEntry>('WhoCanEntry').implement({
  description:
    'A subject allowed, and the bindings that allow it (none for system:masters, which RBAC does not decide).',
  fields: (t) => ({
    subject: t.field({ type: SubjectRef, resolve: (e) => e.subject as Subject }),
    bindings: t.field({ type: [WhoCanBindingRef], resolve: (e) => e.bindings }),
  }),
});

builder.queryFields((t) => ({
  subjectAccessReview: t.field({
    type: SubjectAccessReviewStatusRef,
    nullable: true,
    description:
      'Whether a user may do something (SubjectAccessReview). (RBAC: create subjectaccessreviews.authorization.k8s.io)',
    args: { input: t.arg({ type: SubjectAccessReviewInput, required: true }) },
    authScopes: { k8s: canDo('create', 'authorization.k8s.io', 'subjectaccessreviews') },
    resolve: (_root, { input }, ctx) => {
      const kind = 'SubjectAccessReview.authorization.k8s.io';
      const attrs = attributes(kind, input);
      if (!input.user && !input.groups?.length) {
        throw invalid(kind, '', [
          field.invalid('spec.user', input.user ?? '', 'at least one of user or group must be specified'),
        ]);
      }
      return review(ctx, {
        ...attrs,
        user: {
          username: input.user ?? '',
          uid: input.uid ?? '',
          groups: input.groups ?? [],
          extra: input.extra ?? {},
        },
      });
    },
  }),
  localSubjectAccessReview: t.field({
    type: SubjectAccessReviewStatusRef,
    nullable: true,
    description:
      'Whether a user may do something in one namespace (LocalSubjectAccessReview): what a namespace admin ' +
      'may ask without cluster-wide rights. `resourceAttributes.namespace` defaults to `namespace` and ' +
      'must equal it. (RBAC: create localsubjectaccessreviews.authorization.k8s.io in the namespace)',
    args: {
      namespace: t.arg.string({ required: true }),
      input: t.arg({ type: SubjectAccessReviewInput, required: true }),
    },
    authScopes: (_root, { namespace }) => ({
      k8s: canDo('create', 'authorization.k8s.io', 'localsubjectaccessreviews', namespace),
    }),
    resolve: (_root, { namespace, input }, ctx) => {
      if (!namespace) throw badRequest('namespace is required on this type: ');
      const kind = 'LocalSubjectAccessReview.authorization.k8s.io';
      // `ValidateLocalSubjectAccessReview`: every error at once
      const errors: ErrorList = [];
      const r = input.resourceAttributes;
      const n = input.nonResourceAttributes;
      if (!r && !n) {
        errors.push(
          field.invalid(
            'spec.resourceAttributes',
            null,
            'exactly one of nonResourceAttributes or resourceAttributes must be specified',
          ),
        );
      }
      if (!input.user && !input.groups?.length) {
        errors.push(field.invalid('spec.user', input.user ?? '', 'at least one of user or group must be specified'));
      }
      if (r && (r.namespace ?? namespace) !== namespace) {
        errors.push(field.invalid('spec.resourceAttributes.namespace', r.namespace, 'must match metadata.namespace'));
      }
      if (n) errors.push(field.invalid('spec.nonResourceAttributes', n, 'disallowed on this kind of request'));
      if (errors.length) throw invalid(kind, '', errors);
      return review(ctx, {
        ...attributes(kind, { resourceAttributes: { ...r!, namespace } }),
        user: {
          username: input.user ?? '',
          uid: input.uid ?? '',
          groups: input.groups ?? [],
          extra: input.extra ?? {},
        },
      });
    },
  }),
  selfSubjectAccessReview: t.field({
    type: SubjectAccessReviewStatusRef,
    nullable: true,
    description:
      'Whether the caller may do something (SelfSubjectAccessReview). ' +
      '(RBAC: create selfsubjectaccessreviews.authorization.k8s.io, ' +
      'granted to every authenticated user by the bootstrap `system:basic-user` binding)',
    args: { input: t.arg({ type: SelfSubjectAccessReviewInput, required: true }) },
    authScopes: { k8s: canDo('create', 'authorization.k8s.io', 'selfsubjectaccessreviews') },
    resolve: (_root, { input }, ctx) =>
      review(ctx, { ...attributes('SelfSubjectAccessReview.authorization.k8s.io', input), user: ctx.user }),
  }),
  selfSubjectRulesReview: t.field({
    type: SubjectRulesReviewStatusRef,
    nullable: true,
    description:
      'Every rule the caller holds in a namespace (and cluster-wide) (SelfSubjectRulesReview). (RBAC: ' +
      'create selfsubjectrulesreviews.authorization.k8s.io, granted to every authenticated user by ' +
      'the bootstrap `system:basic-user` binding)',
    args: { namespace: t.arg.string({ required: true }) },
    authScopes: { k8s: canDo('create', 'authorization.k8s.io', 'selfsubjectrulesreviews') },
    resolve: (_root, { namespace }, ctx): RulesStatus => {
      if (!namespace) throw badRequest('no namespace on request');
      const { rules, errors } = ctx.rbac.rulesFor(ctx.user, namespace);
      return {
        resourceRules: rules.filter((r) => r.nonResourceURLs.length === 0),
        nonResourceRules: rules.filter((r) => r.nonResourceURLs.length > 0),
        incomplete: false,
        evaluationError: errors.join(', '),
      };
    },
  }),
  whoCan: t.field({
    type: [WhoCanEntryRef],
    nullable: true,
    description:
      'Who may do something, and through which bindings. `resource` ' +
      'may name a subresource (`serviceaccounts/token`). ' +
      "The answer is read from the roles' rules, so it asks to read them: (RBAC: list clusterrolebindings " +
      'and clusterroles, and rolebindings and roles in the namespace)',
    args: {
      verb: t.arg.string({ required: true }),
      resource: t.arg.string({ required: true }),
      apiGroup: t.arg.string({ required: false }),
      namespace: t.arg.string({ required: false }),
      name: t.arg.string({ required: false }),
    },
    // Which bindings allow a request says what their roles' rules hold (resourceNames included):
    // a caller who may not read those roles may not ask.
    authScopes: (_root, args) => {
      const rbac = (resource: string, namespace = '') =>
        canDo('list', 'rbac.authorization.k8s.io', resource, namespace);
      const questions = [rbac('clusterrolebindings'), rbac('clusterroles')];
      if (args.namespace) questions.push(rbac('rolebindings', args.namespace), rbac('roles', args.namespace));
      return allOf(questions);
    },
    resolve: (_root, args, ctx) => {
      const [resource, subresource = ''] = args.resource.split('/', 2);
      return whoCan(
        ctx.rbac,
        {
          verb: args.verb,
          apiGroup: args.apiGroup ?? '',
          resource,
          subresource,
          name: args.name ?? '',
          path: '',
        },
        args.namespace ?? '',
      );
    },
  }),
}));

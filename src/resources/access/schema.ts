/**
 * Access analysis (beyond Kubernetes): `effectivePermissions` (what a subject holds, where, and
 * from which binding; and rakkess' resources × verbs matrix) and `serviceAccountAccess` (who can
 * obtain or act with a ServiceAccount's credentials). Answered from the RBAC index that
 * authorizes every request (`authz/rbac/analysis.ts`), so they agree with `subjectAccessReview`.
 * Both read the policy's roles and bindings, so they ask to list them.
 */
import { KINDS } from '../../apis/kinds.js';
import type { PolicyRule, Subject } from '../../apis/rbac.js';
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../../apis/wellknown.js';
import type { UserInfo } from '../../authn/identity.js';
import type { RequestAttributes } from '../../authz/authorizer.js';
import {
  type AnalysisSubject,
  accessMatrix,
  type CredentialPath,
  type Grant,
  grantsOf,
  identityOf,
  type MatrixRow,
  serviceAccountAccess,
} from '../../authz/rbac/analysis.js';
import { type Finding, rbacFindings } from '../../authz/rbac/findings.js';
import type { AccessChange, PermissionChange } from '../../authz/rbac/whatif.js';
import { builder } from '../../builder.js';
import { invalid } from '../../errors.js';
import { field } from '../../validation/field.js';
import { allOf, canDo } from '../common/attributes.js';
import { UserInfoRef } from '../authentication/schema.js';
import { PolicyRuleRef, RoleRefRef, SubjectRef } from '../rbac/schema.js';

const RBAC = 'rbac.authorization.k8s.io';

/** What reading the policy asks: list its bindings and roles, in a namespace or everywhere. */
function policyReaders(namespace: string | null | undefined): RequestAttributes[] {
  const list = (resource: string, ns = '') => canDo('list', RBAC, resource, ns);
  return [
    list('clusterrolebindings'),
    list('clusterroles'),
    list('rolebindings', namespace ?? ''),
    list('roles', namespace ?? ''),
  ];
}

const SubjectKind = builder.enumType('AccessSubjectKind', { values: ['User', 'Group', 'ServiceAccount'] as const });

const AccessSubjectInput = builder.inputType('AccessSubjectInput', {
  fields: (t) => ({
    kind: t.field({ type: SubjectKind, required: true }),
    name: t.string({ required: true }),
    namespace: t.string({ required: false, description: "A ServiceAccount's namespace." }),
  }),
});

const GrantBindingRef = builder.objectRef<Grant['binding']>('GrantBinding').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    name: t.exposeString('name'),
    namespace: t.string({ nullable: true, resolve: (b) => b.namespace || null }),
    roleRef: t.field({ type: RoleRefRef, resolve: (b) => b.roleRef }),
  }),
});

interface RuleWithSources {
  rule: PolicyRule;
  sources: Grant[];
}

const RuleSourceRef = builder.objectRef<Grant>('RuleSource').implement({
  description: 'A binding a rule comes from, and the binding subject that matched (the subject, or a group of it).',
  fields: (t) => ({
    binding: t.field({ type: GrantBindingRef, resolve: (g) => g.binding }),
    via: t.field({ type: SubjectRef, resolve: (g) => g.via }),
  }),
});

const EffectiveRuleRef = builder.objectRef<RuleWithSources>('EffectiveRule').implement({
  fields: (t) => ({
    verbs: t.stringList({ resolve: (r) => r.rule.verbs }),
    apiGroups: t.stringList({ resolve: (r) => r.rule.apiGroups }),
    resources: t.stringList({ resolve: (r) => r.rule.resources }),
    resourceNames: t.stringList({ resolve: (r) => r.rule.resourceNames }),
    nonResourceURLs: t.stringList({ resolve: (r) => r.rule.nonResourceURLs }),
    sources: t.field({ type: [RuleSourceRef], resolve: (r) => r.sources }),
  }),
});

interface Scope {
  namespace: string;
  rules: RuleWithSources[];
  /** Bindings whose role does not exist (they grant nothing until it does). */
  unresolved: Grant[];
}

const PermissionScopeRef = builder.objectRef<Scope>('PermissionScope').implement({
  fields: (t) => ({
    namespace: t.string({
      nullable: true,
      description: 'Null: cluster-wide (every namespace, and cluster-scoped resources).',
      resolve: (s) => s.namespace || null,
    }),
    rules: t.field({ type: [EffectiveRuleRef], resolve: (s) => s.rules }),
    unresolved: t.field({
      type: [RuleSourceRef],
      description: 'Bindings whose role does not exist: nothing now, whatever a role of that name will hold.',
      resolve: (s) => s.unresolved,
    }),
  }),
});

const MatrixRowRef = builder.objectRef<MatrixRow>('AccessMatrixRow').implement({
  fields: (t) => ({
    apiGroup: t.exposeString('apiGroup'),
    resource: t.exposeString('resource'),
    verbs: t.exposeStringList('verbs'),
  }),
});

interface Effective {
  subject: AnalysisSubject;
  user: UserInfo;
  scopes: Scope[];
  matrix: MatrixRow[];
}

const EffectivePermissionsRef = builder.objectRef<Effective>('EffectivePermissions').implement({
  fields: (t) => ({
    user: t.field({
      type: UserInfoRef,
      description: 'The identity analysed (a User as any authenticated user; a ServiceAccount with its groups).',
      resolve: (e) => e.user,
    }),
    scopes: t.field({
      type: [PermissionScopeRef],
      description: 'Every rule the subject holds, merged (each once, with every binding it comes from), by namespace.',
      resolve: (e) => e.scopes,
    }),
    matrix: t.field({
      type: [MatrixRowRef],
      description:
        "Resources × verbs (rakkess' form) in `namespace`, or cluster-wide without one: Keyway's resources " +
        'and every resource a rule names, each with the verbs allowed, decided as requests are.',
      resolve: (e) => e.matrix,
    }),
  }),
});

/** Rules by scope, each distinct rule once with all its sources. */
function scopesOf(grants: Grant[]): Scope[] {
  const scopes = new Map<string, Scope>();
  for (const g of grants) {
    let scope = scopes.get(g.namespace);
    if (!scope) {
      scope = { namespace: g.namespace, rules: [], unresolved: [] };
      scopes.set(g.namespace, scope);
    }
    if (g.roleMissing) scope.unresolved.push(g);
    for (const rule of g.rules) {
      const key = JSON.stringify(rule);
      const same = scope.rules.find((r) => JSON.stringify(r.rule) === key);
      if (same) same.sources.push(g);
      else scope.rules.push({ rule, sources: [g] });
    }
  }
  return [...scopes.values()].sort((a, b) => a.namespace.localeCompare(b.namespace));
}

/** Keyway's resources and the subresources that carry access, as matrix rows. */
const MATRIX_RESOURCES: [string, string][] = [
  ...Object.values(KINDS).map((k): [string, string] => [k.apiGroup, k.resource]),
  ['', 'serviceaccounts/token'],
];

function checkSubject(subject: AnalysisSubject): void {
  if (!subject.name) {
    throw invalid('EffectivePermissions', '', [field.required('subject.name')]);
  }
  if (subject.kind === 'ServiceAccount' && !subject.namespace) {
    throw invalid('EffectivePermissions', '', [field.required('subject.namespace', 'a ServiceAccount has one')]);
  }
}

const PathKind = builder.enumType('CredentialAccessPath', {
  values: [
    'SYSTEM_MASTERS',
    'CREATE_TOKEN',
    'IMPERSONATE',
    'READ_TOKEN_SECRET',
    'CREATE_POD',
    'CREATE_WORKLOAD',
    'ESCALATE_OR_BIND',
  ] as const,
});

const CredentialPathRef = builder.objectRef<CredentialPath>('CredentialPath').implement({
  description: "One way a subject can obtain or act with a ServiceAccount's credentials.",
  fields: (t) => ({
    path: t.field({ type: PathKind, resolve: (p) => p.path }),
    rank: t.exposeInt('rank', { description: '0 is the most direct.' }),
    subject: t.field({ type: SubjectRef, resolve: (p) => p.subject as Subject }),
    permission: t.exposeString('permission'),
    bindings: t.field({ type: [GrantBindingRef], resolve: (p) => p.bindings }),
  }),
});

const SeverityEnum = builder.enumType('FindingSeverity', { values: ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'] as const });

const FindingObjectRef = builder.objectRef<Finding['objects'][number]>('FindingObject').implement({
  fields: (t) => ({
    kind: t.exposeString('kind'),
    namespace: t.string({ nullable: true, resolve: (o) => o.namespace || null }),
    name: t.exposeString('name'),
  }),
});

const FindingRef = builder.objectRef<Finding>('RbacFinding').implement({
  description: "A risky grant (Kubernetes' RBAC good practices), with the objects to fix.",
  fields: (t) => ({
    code: t.exposeString('code', {
      description:
        'WILDCARD, CLUSTER_ADMIN_BINDING, ANONYMOUS_GRANT, ESCALATE_BIND_IMPERSONATE, CLUSTER_SECRET_READ, ' +
        'TOKEN_CREATION, MISSING_SUBJECT, AUTOMOUNTED_PRIVILEGED_ACCOUNT, POD_CREATION_AS_PRIVILEGED_ACCOUNT',
    }),
    severity: t.field({ type: SeverityEnum, resolve: (f) => f.severity }),
    message: t.exposeString('message'),
    namespace: t.string({ nullable: true, resolve: (f) => f.namespace || null }),
    objects: t.field({ type: [FindingObjectRef], resolve: (f) => f.objects }),
  }),
});

const PermissionChangeRef = builder.objectRef<PermissionChange>('PermissionChange').implement({
  fields: (t) => ({
    subject: t.field({ type: SubjectRef, resolve: (c) => c.subject }),
    namespace: t.string({ nullable: true, description: 'Null: cluster-wide.', resolve: (c) => c.namespace || null }),
    rules: t.field({ type: [PolicyRuleRef], resolve: (c) => c.rules }),
  }),
});

/** The access change an apply's dry run reports on each role or binding it would write. */
export const AccessChangeRef = builder.objectRef<AccessChange>('AccessChange').implement({
  description:
    'What one role or binding of an apply would change: the rules each subject it affects gains or loses, by ' +
    'namespace, and the risky grants (rbacFindings) it would introduce or resolve.',
  fields: (t) => ({
    gained: t.field({ type: [PermissionChangeRef], resolve: (a) => a.gained }),
    lost: t.field({ type: [PermissionChangeRef], resolve: (a) => a.lost }),
    findingsIntroduced: t.field({ type: [FindingRef], resolve: (a) => a.findingsIntroduced }),
    findingsResolved: t.field({ type: [FindingRef], resolve: (a) => a.findingsResolved }),
  }),
});

/** What reading the whole policy asks (an access change may name any namespace's grants). */
export const readsThePolicy = () => allOf(policyReaders(undefined));

builder.queryFields((t) => ({
  rbacFindings: t.field({
    type: [FindingRef],
    nullable: true,
    description:
      "Risky grants in a namespace (its own, and cluster-wide ones), or everywhere without one, after Kubernetes' " +
      'RBAC good practices; most severe first. The bootstrap policy is not reported. (RBAC: list the policy as ' +
      'effectivePermissions, and serviceaccounts in the namespace, or in every namespace)',
    args: { namespace: t.arg.string({ required: false }) },
    authScopes: (_root, args) =>
      allOf([...policyReaders(args.namespace), canDo('list', '', 'serviceaccounts', args.namespace ?? '')]),
    resolve: (_root, { namespace }, ctx) => {
      const { items } = ctx.registry.list('ServiceAccount', {
        ...(namespace ? { namespace } : {}),
        limit: Number.MAX_SAFE_INTEGER,
      });
      const accounts = items.map((sa) => ({
        namespace: sa.metadata.namespace ?? '',
        name: sa.metadata.name,
        automount: sa.automountServiceAccountToken !== false,
      }));
      return rbacFindings(ctx.rbac, namespace ?? undefined, accounts);
    },
  }),
  effectivePermissions: t.field({
    type: EffectivePermissionsRef,
    nullable: true,
    description:
      'Every rule a user, group or ServiceAccount holds, by namespace, with the bindings and roles it comes ' +
      'from, and the resources × verbs matrix of `namespace` (cluster-wide without one); without `namespace`, ' +
      'the rules of every namespace. (RBAC: list clusterrolebindings, clusterroles, and rolebindings and ' +
      'roles in the namespace, or in every namespace without one)',
    args: {
      subject: t.arg({ type: AccessSubjectInput, required: true }),
      namespace: t.arg.string({ required: false }),
    },
    authScopes: (_root, args) => allOf(policyReaders(args.namespace)),
    resolve: (_root, args, ctx): Effective => {
      const subject = args.subject as AnalysisSubject;
      checkSubject(subject);
      const user = identityOf(subject);
      const grants = grantsOf(ctx.rbac, user, args.namespace ?? undefined);
      return {
        subject,
        user,
        scopes: scopesOf(grants),
        matrix: accessMatrix(ctx.rbac, user, args.namespace ?? '', MATRIX_RESOURCES),
      };
    },
  }),
  serviceAccountAccess: t.field({
    type: [CredentialPathRef],
    nullable: true,
    description:
      "Who can obtain or act with a ServiceAccount's credentials, and how (Kubernetes' RBAC good practices): " +
      'create its tokens, impersonate it, read a legacy token Secret of it, create Pods or workloads in its ' +
      'namespace, escalate or bind roles; and system:masters. Most direct first. (RBAC: get the ServiceAccount, ' +
      'list secrets in its namespace, and list the policy as effectivePermissions)',
    args: { namespace: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    authScopes: (_root, args) =>
      allOf([
        canDo('get', '', 'serviceaccounts', args.namespace, args.name),
        canDo('list', '', 'secrets', args.namespace),
        ...policyReaders(args.namespace),
      ]),
    resolve: (_root, { namespace, name }, ctx) => {
      const { items } = ctx.registry.list('Secret', { namespace, limit: Number.MAX_SAFE_INTEGER });
      const tokenSecrets = items
        .filter(
          (s) =>
            s.type === SERVICE_ACCOUNT_TOKEN_TYPE && s.metadata.annotations[SERVICE_ACCOUNT_NAME_ANNOTATION] === name,
        )
        .map((s) => s.metadata.name);
      return serviceAccountAccess(ctx.rbac, namespace, name, tokenSecrets);
    },
  }),
}));

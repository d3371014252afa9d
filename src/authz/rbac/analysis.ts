/**
 * Access analysis over the same RBAC index that authorizes every request (so an answer here
 * never disagrees with a SubjectAccessReview): what a subject holds (`effectivePermissions`, and
 * rakkess' resources × verbs matrix), who can obtain or act with a ServiceAccount's credentials
 * (`serviceAccountAccess`, after Kubernetes' "RBAC good practices"). Pure functions of the index
 * and of what the caller passes in; nothing here reads the store.
 */
import {
  ALL_AUTHENTICATED,
  serviceAccountGroups,
  serviceAccountUsername,
  SYSTEM_MASTERS,
  type UserInfo,
} from '../../authn/identity.js';
import type { PolicyRule, RoleRef, Subject } from '../../apis/rbac.js';
import { type BindingEntry, type RbacIndex, subjectApplies } from './index.js';
import type { RuleRequest } from './rules.js';
import { whoCan } from './whocan.js';

export interface AnalysisSubject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string | null;
}

/**
 * The identity a subject authenticates as: a ServiceAccount with its groups; a User as any
 * authenticated user (its other groups are its authenticator's to say); a Group as a member of it.
 */
export function identityOf(subject: AnalysisSubject): UserInfo {
  if (subject.kind === 'ServiceAccount') {
    const namespace = subject.namespace ?? '';
    return {
      username: serviceAccountUsername(namespace, subject.name),
      uid: '',
      groups: [...serviceAccountGroups(namespace), ALL_AUTHENTICATED],
      extra: {},
    };
  }
  if (subject.kind === 'Group') return { username: '', uid: '', groups: [subject.name], extra: {} };
  return { username: subject.name, uid: '', groups: [ALL_AUTHENTICATED], extra: {} };
}

interface BindingRef {
  kind: string;
  name: string;
  namespace: string;
  roleRef: RoleRef;
}

const bindingRef = (b: BindingEntry): BindingRef => ({
  kind: b.kind,
  name: b.name,
  namespace: b.namespace,
  roleRef: b.roleRef,
});

export interface Grant {
  /** Where it holds: a namespace, or '' for every namespace and the cluster. */
  namespace: string;
  binding: BindingRef;
  /** The binding subject that matched (the subject itself, or a group it is in). */
  via: Subject;
  rules: PolicyRule[];
  /** The role the binding names does not exist: it grants nothing (yet). */
  roleMissing: boolean;
}

/** Every binding that applies to `user`, in `namespace` and cluster-wide (or, with none, anywhere). */
export function grantsOf(index: RbacIndex, user: UserInfo, namespace?: string): Grant[] {
  const bindings = namespace === undefined ? index.bindingsAnywhere(user) : index.bindingsFor(user, namespace);
  const grants: Grant[] = [];
  for (const b of bindings) {
    const role = index.roleOf(b);
    const scope = b.kind === 'RoleBinding' ? b.namespace : '';
    const via = b.subjects.find((s) => subjectApplies(s, user, scope))!;
    grants.push({ namespace: scope, binding: bindingRef(b), via, rules: role?.rules ?? [], roleMissing: !role });
  }
  return grants.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.binding.name.localeCompare(b.binding.name));
}

/** rakkess' verbs, in its order. */
const MATRIX_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

export interface MatrixRow {
  apiGroup: string;
  /** A resource, or `resource/subresource`. */
  resource: string;
  verbs: string[];
}

/**
 * Resources × verbs in one namespace ('' cluster-wide), each cell decided as the authorizer decides
 * it: by the rule sets of the bindings that apply there. Rows are `resources` plus every resource a
 * rule of those bindings names (a wildcard row `*` when a rule says `*`).
 */
export function accessMatrix(
  index: RbacIndex,
  user: UserInfo,
  namespace: string,
  resources: readonly [apiGroup: string, resource: string][],
): MatrixRow[] {
  const sets = [...index.bindingsFor(user, namespace)].map((b) => index.roleOf(b)?.set).filter((s) => !!s);
  const rows = new Map<string, [string, string]>();
  for (const [g, r] of resources) rows.set(`${g}/${r}`, [g, r]);
  for (const set of sets) {
    for (const rule of set.rules) {
      if (rule.nonResourceURLs.length) continue;
      for (const g of rule.apiGroups) for (const r of rule.resources) rows.set(`${g}/${r}`, [g, r]);
    }
  }
  const out: MatrixRow[] = [];
  for (const [apiGroup, full] of [...rows.values()].sort((a, b) =>
    `${a[0]}/${a[1]}`.localeCompare(`${b[0]}/${b[1]}`),
  )) {
    const [resource, subresource = ''] = full.split('/', 2);
    const verbs = MATRIX_VERBS.filter((verb) => {
      const request: RuleRequest = { verb, apiGroup, resource, subresource, name: '', path: '' };
      return sets.some((s) => s.allows(request));
    });
    if (verbs.length) out.push({ apiGroup, resource: full, verbs });
  }
  return out;
}

/** How one can obtain or act with a ServiceAccount's credentials, most direct first. */
type AccessPath =
  | 'SYSTEM_MASTERS'
  | 'CREATE_TOKEN'
  | 'IMPERSONATE'
  | 'READ_TOKEN_SECRET'
  | 'CREATE_POD'
  | 'CREATE_WORKLOAD'
  | 'ESCALATE_OR_BIND';

const RANK: Record<AccessPath, number> = {
  SYSTEM_MASTERS: 0,
  CREATE_TOKEN: 1,
  IMPERSONATE: 2,
  READ_TOKEN_SECRET: 3,
  CREATE_POD: 4,
  CREATE_WORKLOAD: 5,
  ESCALATE_OR_BIND: 6,
};

export interface CredentialPath {
  path: AccessPath;
  /** 0 is the most direct. */
  rank: number;
  subject: Subject;
  /** The permission, as `verb resource[.group][/subresource] [name] [in namespace]`. */
  permission: string;
  bindings: BindingRef[];
}

/** The kinds whose objects make Pods, by name (the good-practices page's "workload resources"). */
const WORKLOADS: [apiGroup: string, resource: string][] = [
  ['apps', 'deployments'],
  ['apps', 'replicasets'],
  ['apps', 'statefulsets'],
  ['apps', 'daemonsets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
  ['', 'replicationcontrollers'],
];

function describe(verb: string, apiGroup: string, resource: string, name: string, namespace: string): string {
  const qualified = apiGroup
    ? `${resource.split('/')[0]}.${apiGroup}${resource.includes('/') ? `/${resource.split('/')[1]}` : ''}`
    : resource;
  return `${verb} ${qualified}${name ? ` "${name}"` : ''}${namespace ? ` in ${namespace}` : ' cluster-wide'}`;
}

/**
 * Who can obtain or act with the ServiceAccount `namespace/name`: mint its tokens, impersonate it
 * (or its user name, or a group it is in), read a legacy token Secret of it (`tokenSecrets`, the
 * caller's to find), create Pods or workloads in its namespace (a Pod may name any ServiceAccount
 * there), or grant themselves any of these (`escalate`, `bind`); and system:masters. Each path
 * names the subject, the permission and the bindings behind it; most direct first.
 */
export function serviceAccountAccess(
  index: RbacIndex,
  namespace: string,
  name: string,
  tokenSecrets: readonly string[],
): CredentialPath[] {
  const paths: CredentialPath[] = [];
  const ask = (path: AccessPath, verb: string, apiGroup: string, full: string, objectName: string, scope: string) => {
    const [resource, subresource = ''] = full.split('/', 2);
    const request: RuleRequest = { verb, apiGroup, resource, subresource, name: objectName, path: '' };
    for (const entry of whoCan(index, request, scope)) {
      // system:masters is its own path, whatever else binds it
      if (entry.subject.kind === 'Group' && entry.subject.name === SYSTEM_MASTERS) continue;
      paths.push({
        path,
        rank: RANK[path],
        subject: entry.subject,
        permission: describe(verb, apiGroup, full, objectName, scope),
        bindings: entry.bindings.map((b) => ({ ...b })),
      });
    }
  };
  paths.push({
    path: 'SYSTEM_MASTERS',
    rank: RANK.SYSTEM_MASTERS,
    subject: { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: SYSTEM_MASTERS },
    permission: 'every permission (RBAC does not decide for system:masters)',
    bindings: [],
  });
  ask('CREATE_TOKEN', 'create', '', 'serviceaccounts/token', name, namespace);
  ask('IMPERSONATE', 'impersonate', '', 'serviceaccounts', name, namespace);
  ask('IMPERSONATE', 'impersonate', '', 'users', serviceAccountUsername(namespace, name), '');
  for (const group of serviceAccountGroups(namespace)) ask('IMPERSONATE', 'impersonate', '', 'groups', group, '');
  for (const secret of tokenSecrets) ask('READ_TOKEN_SECRET', 'get', '', 'secrets', secret, namespace);
  if (tokenSecrets.length) {
    ask('READ_TOKEN_SECRET', 'list', '', 'secrets', '', namespace);
    ask('READ_TOKEN_SECRET', 'watch', '', 'secrets', '', namespace);
  }
  ask('CREATE_POD', 'create', '', 'pods', '', namespace);
  for (const [apiGroup, resource] of WORKLOADS) ask('CREATE_WORKLOAD', 'create', apiGroup, resource, '', namespace);
  for (const resource of ['roles', 'clusterroles']) {
    ask('ESCALATE_OR_BIND', 'escalate', 'rbac.authorization.k8s.io', resource, '', namespace);
    ask('ESCALATE_OR_BIND', 'bind', 'rbac.authorization.k8s.io', resource, '', namespace);
  }
  return paths.sort(
    (a, b) =>
      a.rank - b.rank ||
      `${a.subject.kind}/${a.subject.namespace ?? ''}/${a.subject.name}`.localeCompare(
        `${b.subject.kind}/${b.subject.namespace ?? ''}/${b.subject.name}`,
      ) ||
      a.permission.localeCompare(b.permission),
  );
}

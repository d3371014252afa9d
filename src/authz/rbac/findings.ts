/**
 * Risky grants, after Kubernetes' "RBAC good practices" (privilege-escalation risks), found in the
 * same RBAC index that authorizes requests. The bootstrap policy's own `system:` roles and
 * bindings are Kubernetes' design and are not reported; everything else that grants one of these
 * is, with the objects to fix.
 */
import { ALL_UNAUTHENTICATED, ANONYMOUS, serviceAccountUsername } from '../../authn/identity.js';
import type { PolicyRule, Subject } from '../../apis/rbac.js';
import type { BindingEntry, RbacIndex, RoleEntry } from './index.js';
import { ruleAllows, type RuleRequest } from './rules.js';
import { whoCan } from './whocan.js';

type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';

interface ObjectRef {
  kind: string;
  namespace: string;
  name: string;
}

export interface Finding {
  /** The class of risk (`WILDCARD`, `CLUSTER_ADMIN_BINDING`, …). */
  code: string;
  severity: Severity;
  message: string;
  /** Where it holds: a namespace, or '' cluster-wide. */
  namespace: string;
  objects: ObjectRef[];
}

/** What the analysis needs of the accounts: which exist, and whether each mounts its token. */
export interface AccountInfo {
  namespace: string;
  name: string;
  automount: boolean;
}

const isSystem = (name: string) => name.startsWith('system:') || name === 'cluster-admin';

const resourceRequest = (verb: string, apiGroup: string, resource: string, subresource = ''): RuleRequest => ({
  verb,
  apiGroup,
  resource,
  subresource,
  name: '',
  path: '',
});

/** The risky permissions a rule set may hold, each with its severity and wording. */
const RISKS: { code: string; severity: Severity; what: string; requests: RuleRequest[] }[] = [
  {
    code: 'ESCALATE_BIND_IMPERSONATE',
    severity: 'HIGH',
    what: 'escalate or bind roles, or impersonate users, groups or ServiceAccounts',
    requests: [
      resourceRequest('escalate', 'rbac.authorization.k8s.io', 'roles'),
      resourceRequest('escalate', 'rbac.authorization.k8s.io', 'clusterroles'),
      resourceRequest('bind', 'rbac.authorization.k8s.io', 'roles'),
      resourceRequest('bind', 'rbac.authorization.k8s.io', 'clusterroles'),
      resourceRequest('impersonate', '', 'users'),
      resourceRequest('impersonate', '', 'groups'),
      resourceRequest('impersonate', '', 'serviceaccounts'),
    ],
  },
  {
    code: 'SECRET_READ',
    severity: 'HIGH',
    what: 'read Secrets (get, list or watch), tokens of every ServiceAccount among them',
    requests: ['get', 'list', 'watch'].map((v) => resourceRequest(v, '', 'secrets')),
  },
  {
    code: 'TOKEN_CREATION',
    severity: 'HIGH',
    what: 'create ServiceAccount tokens (serviceaccounts/token): act as any account it names',
    requests: [resourceRequest('create', '', 'serviceaccounts', 'token')],
  },
  {
    code: 'POD_CREATION',
    severity: 'MEDIUM',
    what: 'create Pods, which may run as any ServiceAccount of their namespace',
    requests: [resourceRequest('create', '', 'pods')],
  },
];

/** The risks a role's rules carry; a rule limited to some names carries its risk for those. */
function risksOf(rules: readonly PolicyRule[]) {
  const unnamed = rules.map((rule) => ({ ...rule, resourceNames: [] }));
  return RISKS.filter((risk) => risk.requests.some((req) => unnamed.some((rule) => ruleAllows(rule, req))));
}

const roleRef = (r: RoleEntry): ObjectRef => ({ kind: r.kind, namespace: r.namespace, name: r.name });
const bindingObject = (b: BindingEntry): ObjectRef => ({ kind: b.kind, namespace: b.namespace, name: b.name });

/**
 * Every risky grant in `namespace` (its RoleBindings, and the ClusterRoleBindings that hold there
 * too), or everywhere without one. `accounts`: the ServiceAccounts there, to find bindings to
 * accounts that do not exist and accounts that mount a token while holding a risky permission.
 */
export function rbacFindings(
  index: RbacIndex,
  namespace: string | undefined,
  accounts: readonly AccountInfo[],
): Finding[] {
  const findings: Finding[] = [];
  const inScope = (b: BindingEntry) =>
    namespace === undefined || b.kind === 'ClusterRoleBinding' || b.namespace === namespace;
  const existing = new Set(accounts.map((a) => serviceAccountUsername(a.namespace, a.name)));
  const riskyAccounts = new Map<string, string[]>();

  for (const role of index.allRoles()) {
    if (isSystem(role.name) || (namespace !== undefined && role.kind === 'Role' && role.namespace !== namespace))
      continue;
    const wild = role.rules.filter(
      (r) => r.verbs.includes('*') || r.resources.includes('*') || (r.nonResourceURLs.includes('*') && r.verbs.length),
    );
    if (wild.length) {
      findings.push({
        code: 'WILDCARD',
        severity: 'HIGH',
        message: `${role.kind} "${role.name}" grants wildcard verbs or resources: whatever is added later too`,
        namespace: role.namespace,
        objects: [roleRef(role)],
      });
    }
  }

  for (const binding of index.everyBinding()) {
    if (!inScope(binding)) continue;
    const role = index.roleOf(binding);
    const where = binding.kind === 'RoleBinding' ? binding.namespace : '';
    const scopeText = where ? `in ${where}` : 'cluster-wide';
    if (binding.roleRef.kind === 'ClusterRole' && binding.roleRef.name === 'cluster-admin' && !isSystem(binding.name)) {
      findings.push({
        code: 'CLUSTER_ADMIN_BINDING',
        severity: 'CRITICAL',
        message: `${binding.kind} "${binding.name}" grants cluster-admin ${scopeText}`,
        namespace: where,
        objects: [bindingObject(binding)],
      });
    }
    const anonymous = binding.subjects.filter(
      (s) => (s.kind === 'Group' && s.name === ALL_UNAUTHENTICATED) || (s.kind === 'User' && s.name === ANONYMOUS),
    );
    if (anonymous.length && !isSystem(binding.name)) {
      findings.push({
        code: 'ANONYMOUS_GRANT',
        severity: 'CRITICAL',
        message:
          `${binding.kind} "${binding.name}" grants ${binding.roleRef.name} to ` +
          `${anonymous.map((s) => s.name).join(', ')}: anyone who can reach the API`,
        namespace: where,
        objects: [bindingObject(binding)],
      });
    }
    for (const s of isSystem(binding.name) ? [] : binding.subjects) {
      if (s.kind !== 'ServiceAccount') continue;
      const ns = s.namespace || where;
      if (!ns || (namespace !== undefined && ns !== namespace)) continue;
      if (!existing.has(serviceAccountUsername(ns, s.name))) {
        findings.push({
          code: 'MISSING_SUBJECT',
          severity: 'MEDIUM',
          message:
            `${binding.kind} "${binding.name}" names ServiceAccount ${ns}/${s.name}, which does not exist: ` +
            `whoever creates it gets ${binding.roleRef.name}`,
          namespace: where,
          objects: [bindingObject(binding)],
        });
      }
    }
    if (!role || isSystem(binding.name) || isSystem(role.name)) continue;
    for (const risk of risksOf(role.rules)) {
      if (risk.code === 'SECRET_READ' && where) continue;
      if (risk.code === 'POD_CREATION') continue;
      findings.push({
        code: risk.code === 'SECRET_READ' ? 'CLUSTER_SECRET_READ' : risk.code,
        severity: risk.severity,
        message: `${binding.kind} "${binding.name}" lets ${describe(binding.subjects)} ${risk.what} ${scopeText}`,
        namespace: where,
        objects: [bindingObject(binding), roleRef(role)],
      });
    }
    for (const s of binding.subjects) {
      if (s.kind !== 'ServiceAccount') continue;
      const key = serviceAccountUsername(s.namespace || where, s.name);
      // Pod creation alone is not what makes an account worth taking over
      const risks = risksOf(role.rules)
        .map((r) => r.code)
        .filter((c) => c !== 'POD_CREATION');
      if (risks.length) riskyAccounts.set(key, [...(riskyAccounts.get(key) ?? []), ...risks]);
    }
  }

  // whoever may create Pods where such an account lives may run a Pod as it
  const privileged = new Map<string, AccountInfo[]>();
  for (const account of accounts) {
    if (!riskyAccounts.has(serviceAccountUsername(account.namespace, account.name))) continue;
    privileged.set(account.namespace, [...(privileged.get(account.namespace) ?? []), account]);
  }
  for (const [ns, held] of privileged) {
    const creators = whoCan(
      index,
      { verb: 'create', apiGroup: '', resource: 'pods', subresource: '', name: '', path: '' },
      ns,
    );
    for (const entry of creators) {
      const own = entry.bindings.filter((b) => !isSystem(b.name));
      if (!own.length) continue;
      const subject = entry.subject;
      const who =
        subject.kind === 'ServiceAccount'
          ? `ServiceAccount ${subject.namespace}/${subject.name}`
          : `${subject.kind} ${subject.name}`;
      findings.push({
        code: 'POD_CREATION_AS_PRIVILEGED_ACCOUNT',
        severity: 'HIGH',
        message:
          `${who} may create Pods in ${ns}, where ${held.map((a) => a.name).join(', ')} hold risky rights: ` +
          'a Pod naming one of them acts with them',
        namespace: ns,
        objects: [
          ...own.map((b) => ({ kind: b.kind, namespace: b.namespace, name: b.name })),
          ...held.map((a) => ({ kind: 'ServiceAccount', namespace: a.namespace, name: a.name })),
        ],
      });
    }
  }

  for (const account of accounts) {
    const risks = riskyAccounts.get(serviceAccountUsername(account.namespace, account.name));
    if (!risks || !account.automount) continue;
    findings.push({
      code: 'AUTOMOUNTED_PRIVILEGED_ACCOUNT',
      severity: 'MEDIUM',
      message:
        `ServiceAccount ${account.namespace}/${account.name} mounts its token into every Pod and can ` +
        `${[...new Set(risks)].join(', ').toLowerCase().replaceAll('_', ' ')}: set automountServiceAccountToken: false`,
      namespace: account.namespace,
      objects: [{ kind: 'ServiceAccount', namespace: account.namespace, name: account.name }],
    });
  }
  const order: Record<Severity, number> = { CRITICAL: 0, HIGH: 1, MEDIUM: 2, LOW: 3 };
  return findings.sort(
    (a, b) =>
      order[a.severity] - order[b.severity] || a.code.localeCompare(b.code) || a.message.localeCompare(b.message),
  );
}

function describe(subjects: readonly Subject[]): string {
  const names = subjects.map((s) =>
    s.kind === 'ServiceAccount' ? `ServiceAccount ${s.namespace}/${s.name}` : `${s.kind} ${s.name}`,
  );
  return names.length ? names.join(', ') : 'no one (yet)';
}

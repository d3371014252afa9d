/**
 * What an apply's RBAC objects would change, computed on a fork of the authorizing index (the
 * live one is never touched): for each role or binding written, in order, the rules each subject
 * it affects would gain or lose, by namespace; and, over the whole apply, the findings it would
 * introduce or resolve, each told on the objects it names.
 */
import type { PolicyRule, Subject } from '../../apis/rbac.js';
import type { Change } from '../../store/store.js';
import { type AnalysisSubject, grantsOf, identityOf } from './analysis.js';
import { type AccountInfo, type Finding, rbacFindings } from './findings.js';
import type { RbacIndex } from './index.js';

export interface PermissionChange {
  subject: Subject;
  /** '' cluster-wide. */
  namespace: string;
  rules: PolicyRule[];
}

export interface AccessChange {
  gained: PermissionChange[];
  lost: PermissionChange[];
  findingsIntroduced: Finding[];
  findingsResolved: Finding[];
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

const subjectKey = (s: Subject) => `${s.kind}/${s.namespace ?? ''}/${s.name}`;

/** The binding subjects a change to a role or binding can affect, in the index as it stands. */
function affected(index: RbacIndex, change: Change): Subject[] {
  const out = new Map<string, Subject>();
  const add = (s: Subject, bindingNamespace: string) => {
    if (s.kind !== 'User' && s.kind !== 'Group' && s.kind !== 'ServiceAccount') return;
    const namespace = s.kind === 'ServiceAccount' ? s.namespace || bindingNamespace : undefined;
    if (s.kind === 'ServiceAccount' && !namespace) return;
    const subject: Subject = {
      kind: s.kind,
      apiGroup: s.apiGroup ?? '',
      name: s.name,
      ...(namespace ? { namespace } : {}),
    };
    out.set(subjectKey(subject), subject);
  };
  if (change.kind === 'RoleBinding' || change.kind === 'ClusterRoleBinding') {
    const body = change.object as unknown as { subjects?: Subject[] };
    for (const s of body.subjects ?? []) add(s, change.kind === 'RoleBinding' ? change.namespace : '');
    for (const b of index.everyBinding()) {
      if (b.kind === change.kind && b.namespace === change.namespace && b.name === change.name) {
        for (const s of b.subjects) add(s, b.kind === 'RoleBinding' ? b.namespace : '');
      }
    }
  } else {
    for (const b of index.everyBinding()) {
      const refers =
        b.roleRef.kind === change.kind &&
        b.roleRef.name === change.name &&
        (change.kind === 'ClusterRole' || b.namespace === change.namespace);
      if (refers) for (const s of b.subjects) add(s, b.kind === 'RoleBinding' ? b.namespace : '');
    }
  }
  return [...out.values()];
}

/** Each rule a subject holds, keyed by scope and rule. */
function holdings(index: RbacIndex, subject: Subject): Map<string, { namespace: string; rule: PolicyRule }> {
  const user = identityOf(subject as AnalysisSubject);
  const out = new Map<string, { namespace: string; rule: PolicyRule }>();
  for (const grant of grantsOf(index, user)) {
    for (const rule of grant.rules)
      out.set(`${grant.namespace} ${JSON.stringify(rule)}`, { namespace: grant.namespace, rule });
  }
  return out;
}

function difference(
  subject: Subject,
  from: Map<string, { namespace: string; rule: PolicyRule }>,
  to: Map<string, { namespace: string; rule: PolicyRule }>,
): PermissionChange[] {
  const byScope = new Map<string, PolicyRule[]>();
  for (const [key, { namespace, rule }] of to) {
    if (from.has(key)) continue;
    byScope.set(namespace, [...(byScope.get(namespace) ?? []), rule]);
  }
  return [...byScope].map(([namespace, rules]) => ({ subject, namespace, rules }));
}

const findingKey = (f: Finding) => `${f.code} ${f.message}`;

/**
 * The access change of each written RBAC object (by its position in `written`), on a fork of
 * `index`. `accounts`: the ServiceAccounts as they would be after the apply (for findings).
 */
export function accessChanges(
  index: RbacIndex,
  written: readonly Change[],
  accounts: readonly AccountInfo[],
): Map<Change, AccessChange> {
  const fork = index.fork();
  const out = new Map<Change, AccessChange>();
  const findingsBefore = rbacFindings(fork, undefined, accounts);
  for (const change of written) {
    if (!RBAC_KINDS.has(change.kind)) continue;
    const subjects = affected(fork, change);
    const before = subjects.map((s) => holdings(fork, s));
    fork.apply(change);
    const after = [...affected(fork, change), ...subjects].filter(
      (s, i, all) => all.findIndex((o) => subjectKey(o) === subjectKey(s)) === i,
    );
    const gained: PermissionChange[] = [];
    const lost: PermissionChange[] = [];
    for (const subject of after) {
      const i = subjects.findIndex((s) => subjectKey(s) === subjectKey(subject));
      const was = i >= 0 ? before[i] : new Map();
      const now = holdings(fork, subject);
      gained.push(...difference(subject, was, now));
      lost.push(...difference(subject, now, was));
    }
    out.set(change, { gained, lost, findingsIntroduced: [], findingsResolved: [] });
  }
  // findings over the whole apply, each told on the written objects it names
  const findingsAfter = rbacFindings(fork, undefined, accounts);
  const beforeKeys = new Set(findingsBefore.map(findingKey));
  const afterKeys = new Set(findingsAfter.map(findingKey));
  const names = (f: Finding, change: Change) =>
    f.objects.some((o) => o.kind === change.kind && o.name === change.name && o.namespace === change.namespace);
  for (const [change, access] of out) {
    access.findingsIntroduced = findingsAfter.filter((f) => !beforeKeys.has(findingKey(f)) && names(f, change));
    access.findingsResolved = findingsBefore.filter((f) => !afterKeys.has(findingKey(f)) && names(f, change));
  }
  return out;
}

/**
 * Who can: every subject a request would be allowed for, with the bindings that allow it (as
 * Kubernetes' subject locator, `plugin/pkg/auth/authorizer/rbac/subject_locator.go`). The
 * privileged group comes first: RBAC does not decide for it.
 */
import type { RoleRef, Subject } from '../../apis/rbac.js';
import { SYSTEM_MASTERS } from '../../authn/identity.js';
import type { RbacIndex } from './index.js';
import type { RuleRequest } from './rules.js';

export interface WhoCanEntry {
  subject: Subject;
  bindings: { kind: string; name: string; namespace: string; roleRef: RoleRef }[];
}

export function whoCan(index: RbacIndex, request: RuleRequest, namespace: string): WhoCanEntry[] {
  const entries = new Map<string, WhoCanEntry>();
  entries.set(`Group//${SYSTEM_MASTERS}`, {
    subject: { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: SYSTEM_MASTERS },
    bindings: [],
  });
  for (const binding of index.allBindings(namespace)) {
    const role = index.roleOf(binding);
    if (!role?.set.allows(request)) continue;
    for (const s of binding.subjects) {
      const ns =
        s.kind === 'ServiceAccount' ? s.namespace || (binding.kind === 'RoleBinding' ? binding.namespace : '') : '';
      if (s.kind === 'ServiceAccount' && !ns) continue; // such a subject never matches
      const subject: Subject = {
        kind: s.kind,
        apiGroup: s.apiGroup ?? '',
        name: s.name,
        ...(ns ? { namespace: ns } : {}),
      };
      const key = `${subject.kind}/${ns}/${subject.name}`;
      let entry = entries.get(key);
      if (!entry) {
        entry = { subject, bindings: [] };
        entries.set(key, entry);
      }
      entry.bindings.push({
        kind: binding.kind,
        name: binding.name,
        namespace: binding.namespace,
        roleRef: binding.roleRef,
      });
    }
  }
  return [...entries.values()].sort((a, b) =>
    a.subject.name === SYSTEM_MASTERS
      ? -1
      : b.subject.name === SYSTEM_MASTERS
        ? 1
        : `${a.subject.kind}/${a.subject.namespace ?? ''}/${a.subject.name}`.localeCompare(
            `${b.subject.kind}/${b.subject.namespace ?? ''}/${b.subject.name}`,
          ),
  );
}

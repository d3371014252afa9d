/**
 * The bootstrap policy reconciler (kube-apiserver's RBAC post-start hook,
 * `pkg/registry/rbac/rest/storage_rbac.go`), run at every start: missing roles and bindings are
 * created, missing rules and subjects added (never removed), unless annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"`. Replicas starting together converge:
 * a create or update another replica made first is what this one wanted.
 */
import type { ClusterRole, ClusterRoleBinding } from '../apis/rbac.js';
import { RBAC_GROUP } from '../apis/rbac.js';
import { AGGREGATE_TO_LABEL_PREFIX, BOOTSTRAPPING_LABEL, RBAC_AUTOUPDATE_ANNOTATION } from '../apis/wellknown.js';
import { CONTROLLER_USER } from '../authn/identity.js';
import { BOOTSTRAP_CLUSTER_ROLE_BINDINGS, BOOTSTRAP_CLUSTER_ROLES } from '../authz/rbac/bootstrap.js';
import { covers } from '../authz/rbac/escalation.js';
import { ApiError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Registry } from '../registry/registry.js';

const BOOTSTRAPPING = { [BOOTSTRAPPING_LABEL]: 'rbac-defaults' };
const ctx = { user: CONTROLLER_USER };

async function ignoreRaces(write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    // another replica reconciled first; what it wrote is what we wanted
    if (err instanceof ApiError && (err.code === 'ALREADY_EXISTS' || err.code === 'CONFLICT')) return;
    throw err;
  }
}

/** Creates what is missing and adds what was removed, leaving what users added. */
export async function reconcileBootstrapPolicy(registry: Registry, log: Logger): Promise<void> {
  for (const want of BOOTSTRAP_CLUSTER_ROLES) {
    const labels = {
      ...BOOTSTRAPPING,
      ...(want.aggregateTo ? { [`${AGGREGATE_TO_LABEL_PREFIX}${want.aggregateTo}`]: 'true' } : {}),
    };
    const existing: ClusterRole | null = await registry.find('ClusterRole', '', want.name);
    if (!existing) {
      await ignoreRaces(() =>
        registry.create(
          'ClusterRole',
          '',
          {
            metadata: { name: want.name, labels, annotations: { [RBAC_AUTOUPDATE_ANNOTATION]: 'true' } },
            rules: want.rules,
          },
          ctx,
        ),
      );
      continue;
    }
    if (existing.metadata.annotations[RBAC_AUTOUPDATE_ANNOTATION] === 'false') continue;
    const missing = want.rules.filter((rule) => !covers(existing.rules, [rule]).covered);
    if (missing.length === 0) continue;
    log.info({ clusterRole: want.name, added: missing.length }, 'reconciled bootstrap ClusterRole');
    await ignoreRaces(() =>
      registry.update(
        'ClusterRole',
        '',
        {
          metadata: { name: want.name, resourceVersion: existing.metadata.resourceVersion },
          rules: [...existing.rules, ...missing],
        },
        ctx,
      ),
    );
  }
  for (const want of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    const existing: ClusterRoleBinding | null = await registry.find('ClusterRoleBinding', '', want.name);
    const roleRef = { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: want.role };
    if (!existing) {
      await ignoreRaces(() =>
        registry.create(
          'ClusterRoleBinding',
          '',
          {
            metadata: { name: want.name, labels: BOOTSTRAPPING, annotations: { [RBAC_AUTOUPDATE_ANNOTATION]: 'true' } },
            roleRef,
            subjects: want.subjects,
          },
          ctx,
        ),
      );
      continue;
    }
    if (existing.metadata.annotations[RBAC_AUTOUPDATE_ANNOTATION] === 'false') continue;
    const missing = want.subjects.filter((s) => !existing.subjects.some((e) => e.kind === s.kind && e.name === s.name));
    if (missing.length === 0) continue;
    log.info({ clusterRoleBinding: want.name, added: missing.length }, 'reconciled bootstrap ClusterRoleBinding');
    await ignoreRaces(() =>
      registry.update(
        'ClusterRoleBinding',
        '',
        {
          metadata: { name: want.name, resourceVersion: existing.metadata.resourceVersion },
          subjects: [...existing.subjects, ...missing],
        },
        ctx,
      ),
    );
  }
}

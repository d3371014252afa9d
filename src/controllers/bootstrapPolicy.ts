/**
 * The bootstrap policy reconciler (kube-apiserver's RBAC post-start hook,
 * `pkg/registry/rbac/rest/storage_rbac.go`), run at every start: missing roles and bindings are
 * created, missing rules and subjects added (never removed), unless annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"`. Replicas starting together converge:
 * a create or update another replica made first is what this one wanted.
 */
import type {
  AggregationRule,
  ClusterRole,
  ClusterRoleBinding,
  PolicyRule,
  Role,
  RoleBinding,
  Subject,
} from '../apis/rbac.js';
import { RBAC_GROUP } from '../apis/rbac.js';
import { AGGREGATE_TO_LABEL_PREFIX, BOOTSTRAPPING_LABEL, RBAC_AUTOUPDATE_ANNOTATION } from '../apis/wellknown.js';
import { CONTROLLER_USER } from '../authn/identity.js';
import {
  BOOTSTRAP_CLUSTER_ROLE_BINDINGS,
  BOOTSTRAP_CLUSTER_ROLES,
  BOOTSTRAP_ROLE_BINDINGS,
  BOOTSTRAP_ROLES,
} from '../authz/rbac/bootstrap.js';
import { jsonEqual } from '../util/maps.js';
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

/**
 * One bootstrap role: created if missing; otherwise its missing labels and rules are added (an
 * aggregated role gets its aggregation rule back instead: its rules are the aggregation
 * controller's), as `reconciliation.ReconcileRole` does.
 */
async function reconcileRole(
  kind: 'Role' | 'ClusterRole',
  namespace: string,
  name: string,
  labels: Record<string, string>,
  rules: PolicyRule[],
  aggregationRule: AggregationRule | undefined,
  registry: Registry,
  log: Logger,
): Promise<void> {
  const existing: Role | ClusterRole | null = registry.find(kind, namespace, name);
  if (!existing) {
    await ignoreRaces(() =>
      registry.create(
        kind,
        namespace,
        {
          metadata: { name, labels, annotations: { [RBAC_AUTOUPDATE_ANNOTATION]: 'true' } },
          rules,
          ...(aggregationRule ? { aggregationRule } : {}),
        },
        ctx,
      ),
    );
    return;
  }
  if (existing.metadata.annotations[RBAC_AUTOUPDATE_ANNOTATION] === 'false') return;
  const change: Record<string, unknown> = {};
  const missingLabels = Object.entries(labels).filter(([k, v]) => existing.metadata.labels[k] !== v);
  if (aggregationRule) {
    if (!jsonEqual((existing as ClusterRole).aggregationRule ?? null, aggregationRule))
      change.aggregationRule = aggregationRule;
  } else {
    const missing = rules.filter((rule) => !covers(existing.rules, [rule]).covered);
    if (missing.length) change.rules = [...existing.rules, ...missing];
  }
  if (missingLabels.length === 0 && Object.keys(change).length === 0) return;
  log.info(
    { kind, namespace, name, changed: Object.keys(change), labels: missingLabels.length },
    'reconciled bootstrap role',
  );
  await ignoreRaces(() =>
    registry.update(
      kind,
      namespace,
      {
        metadata: {
          name,
          resourceVersion: existing.metadata.resourceVersion,
          labels: { ...existing.metadata.labels, ...labels },
        },
        ...change,
      },
      ctx,
    ),
  );
}

/** Creates what is missing and adds what was removed, leaving what users added. */
export async function reconcileBootstrapPolicy(registry: Registry, log: Logger): Promise<void> {
  for (const want of BOOTSTRAP_CLUSTER_ROLES) {
    const labels: Record<string, string> = { ...BOOTSTRAPPING };
    for (const to of want.aggregateTo ?? []) labels[`${AGGREGATE_TO_LABEL_PREFIX}${to}`] = 'true';
    await reconcileRole('ClusterRole', '', want.name, labels, want.rules, want.aggregationRule, registry, log);
  }
  for (const want of BOOTSTRAP_ROLES) {
    await reconcileRole('Role', want.namespace, want.name, { ...BOOTSTRAPPING }, want.rules, undefined, registry, log);
  }
  for (const want of BOOTSTRAP_CLUSTER_ROLE_BINDINGS) {
    await reconcileBinding('ClusterRoleBinding', '', want.name, 'ClusterRole', want.role, want.subjects, registry, log);
  }
  for (const want of BOOTSTRAP_ROLE_BINDINGS) {
    await reconcileBinding('RoleBinding', want.namespace, want.name, 'Role', want.role, want.subjects, registry, log);
  }
}

/** One bootstrap binding: created if missing; otherwise its missing subjects are added. */
async function reconcileBinding(
  kind: 'RoleBinding' | 'ClusterRoleBinding',
  namespace: string,
  name: string,
  roleKind: 'Role' | 'ClusterRole',
  role: string,
  subjects: Subject[],
  registry: Registry,
  log: Logger,
): Promise<void> {
  const existing: RoleBinding | ClusterRoleBinding | null = await registry.find(kind, namespace, name);
  const roleRef = { apiGroup: RBAC_GROUP, kind: roleKind, name: role };
  if (!existing) {
    await ignoreRaces(() =>
      registry.create(
        kind,
        namespace,
        {
          metadata: { name, labels: BOOTSTRAPPING, annotations: { [RBAC_AUTOUPDATE_ANNOTATION]: 'true' } },
          roleRef,
          subjects,
        },
        ctx,
      ),
    );
    return;
  }
  if (existing.metadata.annotations[RBAC_AUTOUPDATE_ANNOTATION] === 'false') return;
  const missing = subjects.filter((s) => !existing.subjects.some((e) => e.kind === s.kind && e.name === s.name));
  if (missing.length === 0) return;
  log.info({ kind, namespace, name, added: missing.length }, 'reconciled bootstrap binding');
  await ignoreRaces(() =>
    registry.update(
      kind,
      namespace,
      {
        metadata: { name, resourceVersion: existing.metadata.resourceVersion },
        subjects: [...existing.subjects, ...missing],
      },
      ctx,
    ),
  );
}

/**
 * The bootstrap policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go`), reduced to
 * the resources Keyway serves, reconciled at every start: missing roles and bindings are created,
 * missing rules and subjects added (never removed), unless annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"`. admin, edit and view are stored with
 * their aggregated rules.
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Subject } from '../../apis/rbac.js';
import { RBAC_GROUP } from '../../apis/rbac.js';
import { CONTROLLER_USER } from '../../authn/identity.js';
import { ApiError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Registry } from '../../registry/registry.js';
import { covers } from './escalation.js';

const r = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources, resourceNames: [], nonResourceURLs: [] });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, apiGroups: [], resources: [], resourceNames: [], nonResourceURLs });

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const AUTHN = 'authentication.k8s.io';
const AUTHZ = 'authorization.k8s.io';
const KEYWAY_AUTHN = 'authentication.keyway.dev';

const VIEW: PolicyRule[] = [
  r(READ, [''], [
    'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods', 'replicationcontrollers',
    'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
  ]),
  r(READ, [''], ['bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status', 'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status']),
  r(READ, [''], ['namespaces']),
  r(READ, ['apps'], ['controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status']),
  r(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
  r(READ, [KEYWAY_AUTHN], ['issuedtokens']),
];

const EDIT: PolicyRule[] = [
  r(['impersonate'], [''], ['serviceaccounts']),
  r(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
  r(['create'], [''], ['pods/eviction']),
  r(WRITE, [''], ['configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale', 'secrets', 'serviceaccounts', 'services', 'services/proxy']),
  r(['create'], [''], ['serviceaccounts/token']),
  r(WRITE, ['apps'], ['daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'statefulsets/scale']),
  r(WRITE, ['batch'], ['cronjobs', 'jobs']),
  r(['update'], [KEYWAY_AUTHN], ['issuedtokens']),
  r(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
  ...VIEW,
];

const ADMIN: PolicyRule[] = [
  r(['create'], [AUTHZ], ['localsubjectaccessreviews']),
  r([...WRITE, ...READ], [RBAC_GROUP], ['rolebindings', 'roles']),
  ...EDIT,
];

const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

export const BOOTSTRAP_CLUSTER_ROLES: { name: string; rules: PolicyRule[]; aggregateTo?: string }[] = [
  { name: 'cluster-admin', rules: [r(['*'], ['*'], ['*']), urls(['*'], ['*'])] },
  { name: 'admin', rules: ADMIN },
  { name: 'edit', rules: EDIT, aggregateTo: 'admin' },
  { name: 'view', rules: VIEW, aggregateTo: 'edit' },
  { name: 'system:basic-user', rules: [r(['create'], [AUTHZ], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), r(['create'], [AUTHN], ['selfsubjectreviews'])] },
  { name: 'system:discovery', rules: [urls(['get'], DISCOVERY_URLS)] },
  { name: 'system:public-info-viewer', rules: [urls(['get'], PUBLIC_INFO_URLS)] },
  { name: 'system:auth-delegator', rules: [r(['create'], [AUTHN], ['tokenreviews']), r(['create'], [AUTHZ], ['subjectaccessreviews'])] },
  {
    name: 'system:service-account-issuer-discovery',
    rules: [urls(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/'])],
  },
];

const group = (name: string): Subject => ({ kind: 'Group', apiGroup: RBAC_GROUP, name });

export const BOOTSTRAP_CLUSTER_ROLE_BINDINGS: { name: string; role: string; subjects: Subject[] }[] = [
  { name: 'cluster-admin', role: 'cluster-admin', subjects: [group('system:masters')] },
  { name: 'system:basic-user', role: 'system:basic-user', subjects: [group('system:authenticated')] },
  { name: 'system:discovery', role: 'system:discovery', subjects: [group('system:authenticated')] },
  { name: 'system:public-info-viewer', role: 'system:public-info-viewer', subjects: [group('system:authenticated'), group('system:unauthenticated')] },
  { name: 'system:service-account-issuer-discovery', role: 'system:service-account-issuer-discovery', subjects: [group('system:serviceaccounts')] },
];

const AUTOUPDATE = 'rbac.authorization.kubernetes.io/autoupdate';
const BOOTSTRAPPING = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
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
    const labels = { ...BOOTSTRAPPING, ...(want.aggregateTo ? { [`rbac.authorization.k8s.io/aggregate-to-${want.aggregateTo}`]: 'true' } : {}) };
    const existing: ClusterRole | null = await registry.find('ClusterRole', '', want.name);
    if (!existing) {
      await ignoreRaces(() =>
        registry.create('ClusterRole', '', { metadata: { name: want.name, labels, annotations: { [AUTOUPDATE]: 'true' } }, rules: want.rules }, ctx),
      );
      continue;
    }
    if (existing.metadata.annotations[AUTOUPDATE] === 'false') continue;
    const missing = want.rules.filter((rule) => !covers(existing.rules, [rule]).covered);
    if (missing.length === 0) continue;
    log.info({ clusterRole: want.name, added: missing.length }, 'reconciled bootstrap ClusterRole');
    await ignoreRaces(() =>
      registry.update('ClusterRole', '', { metadata: { name: want.name, resourceVersion: existing.metadata.resourceVersion }, rules: [...existing.rules, ...missing] }, ctx),
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
          { metadata: { name: want.name, labels: BOOTSTRAPPING, annotations: { [AUTOUPDATE]: 'true' } }, roleRef, subjects: want.subjects },
          ctx,
        ),
      );
      continue;
    }
    if (existing.metadata.annotations[AUTOUPDATE] === 'false') continue;
    const missing = want.subjects.filter((s) => !existing.subjects.some((e) => e.kind === s.kind && e.name === s.name));
    if (missing.length === 0) continue;
    log.info({ clusterRoleBinding: want.name, added: missing.length }, 'reconciled bootstrap ClusterRoleBinding');
    await ignoreRaces(() =>
      registry.update(
        'ClusterRoleBinding',
        '',
        { metadata: { name: want.name, resourceVersion: existing.metadata.resourceVersion }, subjects: [...existing.subjects, ...missing] },
        ctx,
      ),
    );
  }
}

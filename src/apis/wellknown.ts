/**
 * Names Kubernetes gives meaning to (`k8s.io/api/core/v1/well_known_labels.go`,
 * `annotation_key_constants.go`, `types.go`) and the few objects every cluster has. Every layer
 * reads them from here.
 */

/** The ServiceAccount a Pod runs as when it names none, and that every namespace has. */
export const DEFAULT_SERVICE_ACCOUNT = 'default';

/** Namespaces that exist from the first start. */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Every namespace is labelled with its own name. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** A Secret holding a legacy ServiceAccount token, and the annotations naming its account. */
export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
export const SERVICE_ACCOUNT_UID_ANNOTATION = 'kubernetes.io/service-account.uid';

/** Labels the legacy token tracking and cleanup put on token Secrets (dates, `YYYY-MM-DD`). */
export const LEGACY_TOKEN_LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const LEGACY_TOKEN_INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';

/** On a ServiceAccount: Pods may reference only the Secrets it lists. */
export const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';

/** On the bootstrap roles and bindings. */
export const BOOTSTRAPPING_LABEL = 'kubernetes.io/bootstrapping';
/** `<prefix><role>: "true"` on a ClusterRole: its rules are aggregated into that role. */
export const AGGREGATE_TO_LABEL_PREFIX = 'rbac.authorization.k8s.io/aggregate-to-';

/** On a bootstrap role or binding: `"false"` keeps the reconciler's hands off it. */
export const RBAC_AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';

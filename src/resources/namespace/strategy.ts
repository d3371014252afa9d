/**
 * Namespaces (`pkg/registry/core/namespace/strategy.go`, `.../storage/storage.go`): always
 * labelled with their own name, Active until deleted; a delete makes them Terminating and the
 * namespace controller removes their content and then them.
 */
import type { Namespace } from '../../apis/core.js';
import { formatTime, nowSeconds } from '../../apis/meta.js';
import { conflictMessage, forbidden } from '../../errors.js';
import type { Strategy } from '../../registry/strategy.js';
import { nameIsDNSLabel } from '../../validation/names.js';
import { NAMESPACE_NAME_LABEL } from '../../apis/wellknown.js';

/** Namespaces a delete is refused for (kube-node-lease is recreated instead). */
const UNDELETABLE = new Set(['default', 'kube-system', 'kube-public']);

function withNameLabel(ns: Namespace): Namespace {
  return {
    ...ns,
    metadata: { ...ns.metadata, labels: { ...ns.metadata.labels, [NAMESPACE_NAME_LABEL]: ns.metadata.name } },
  };
}

export const namespaceStrategy: Strategy<Namespace> = {
  kind: 'Namespace',
  validateName: nameIsDNSLabel,
  prepareForCreate: (ns) => withNameLabel({ ...ns, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } }),
  validate: () => [],
  // spec and status are the system's: a client's update carries over only metadata
  prepareForUpdate: (ns, old) => withNameLabel({ ...ns, spec: old.spec, status: old.status }),
  validateUpdate: () => [],
  beforeDelete(ns) {
    const name = ns.metadata.name;
    if (UNDELETABLE.has(name)) throw forbidden('namespaces', name, 'this namespace may not be deleted');
    if (ns.status.phase === 'Terminating') {
      throw conflictMessage(
        'The system is ensuring all content is removed from this namespace.  Upon completion, this ' +
          'namespace will automatically be purged by the system.',
      );
    }
    return {
      ...ns,
      metadata: { ...ns.metadata, deletionTimestamp: formatTime(nowSeconds()) },
      status: { phase: 'Terminating' },
    };
  },
};

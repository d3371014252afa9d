/**
 * NamespaceLifecycle (`k8s.io/apiserver/pkg/admission/plugin/namespace/lifecycle`): nothing is
 * created in a namespace that does not exist or is terminating. The namespace row is read
 * `FOR SHARE`, so a namespace cannot start terminating between this check and the commit.
 */
import { KINDS } from '../apis/kinds.js';
import { forbidden, notFound } from '../errors.js';
import type { AdmissionPlugin } from './plugin.js';

export const namespaceLifecycle: AdmissionPlugin = {
  name: 'NamespaceLifecycle',
  handles: (kind, operation) => operation === 'CREATE' && KINDS[kind].namespaced,
  async mutate({ tx, kind, namespace, name }) {
    const ns = await tx.get('Namespace', '', namespace, 'share');
    if (!ns) throw notFound('Namespace', namespace);
    if (ns.status.phase === 'Terminating') {
      const { resource, apiGroup } = KINDS[kind];
      throw forbidden(
        apiGroup ? `${resource}.${apiGroup}` : resource,
        name,
        `unable to create new content in namespace ${namespace} because it is being terminated`,
      );
    }
    return undefined; // the object as it was
  },
};

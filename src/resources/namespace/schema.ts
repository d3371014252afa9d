/** Namespace: type, input, operations. Namespaced kinds add their lists to this type. */
import type { Namespace } from '../../apis/core.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics, setNamespaceRef } from '../common/operations.js';

const NamespacePhase = builder.enumType('NamespacePhase', { values: ['Active', 'Terminating'] as const });

const NamespaceSpec = builder.objectRef<Namespace['spec']>('NamespaceSpec').implement({
  fields: (t) => ({ finalizers: t.exposeStringList('finalizers') }),
});

const NamespaceStatus = builder.objectRef<Namespace['status']>('NamespaceStatus').implement({
  fields: (t) => ({ phase: t.expose('phase', { type: NamespacePhase }) }),
});

const NamespaceRef = builder.objectRef<Namespace>('Namespace');
builder.node(NamespaceRef, {
  ...nodeBasics('Namespace'),
  description: 'A scope for names. Deleting one makes it Terminating until everything in it is gone.',
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (ns) => ns.metadata }),
    spec: t.field({ type: NamespaceSpec, resolve: (ns) => ns.spec }),
    status: t.field({ type: NamespaceStatus, resolve: (ns) => ns.status }),
  }),
});
setNamespaceRef(NamespaceRef);

const NamespaceInput = builder.inputType('NamespaceInput', {
  fields: (t) => ({ metadata: t.field({ type: ObjectMetaInputRef, required: true }) }),
});

defineOperations('Namespace', NamespaceRef, NamespaceInput);

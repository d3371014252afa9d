/** Secret: type, input, operations. `data` is asked for separately: it is the secret. */
import type { Secret } from '../../apis/core.js';
import { builder } from '../../builder.js';
import { can } from '../common/attributes.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';

export const SecretRef = builder.objectRef<Secret>('Secret');
builder.node(SecretRef, {
  ...nodeBasics('Secret'),
  description: 'Confidential data. `stringData` may be written but is never returned.',
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (s) => s.metadata }),
    type: t.exposeString('type'),
    immutable: t.boolean({ nullable: true, resolve: (s) => s.immutable ?? null }),
    data: t.field({
      type: 'StringMap',
      nullable: true,
      description: 'Base64 values. (RBAC: get secrets, for this Secret)',
      authScopes: (s) => ({ k8s: can('get', 'Secret', s.metadata.namespace, s.metadata.name) }),
      resolve: (s) => s.data,
    }),
  }),
});

const SecretInput = builder.inputType('SecretInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    type: t.string({ required: false, description: 'Default `Opaque`; cannot change after create.' }),
    data: t.field({ type: 'StringMap', required: false, description: 'Base64 (standard alphabet, padded) values.' }),
    stringData: t.field({
      type: 'StringMap',
      required: false,
      description: 'Plain-text values, merged into `data` on write (overriding its keys); never returned.',
    }),
    immutable: t.boolean({ required: false }),
  }),
});

defineOperations('Secret', SecretRef, SecretInput);

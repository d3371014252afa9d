/** ServiceAccount: type, input, operations; its references resolve to Secrets with their own check. */
import type { ServiceAccount } from '../../apis/core.js';
import { builder } from '../../builder.js';
import { can } from '../common/attributes.js';
import { LocalObjectReferenceInput, ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { SecretRef } from '../secret/schema.js';

interface SecretReference {
  namespace: string;
  name: string;
}

const SecretReferenceRef = builder.objectRef<SecretReference>('SecretReference').implement({
  description: 'A reference to a Secret in the same namespace.',
  fields: (t) => ({
    name: t.exposeString('name'),
    secret: t.field({
      type: SecretRef,
      nullable: true,
      description: 'The Secret, or null if there is none of that name. (RBAC: get secrets)',
      authScopes: (ref) => ({ k8s: can('get', 'Secret', ref.namespace, ref.name) }),
      resolve: (ref, _args, ctx) => ctx.objects.load('Secret', ref.namespace, ref.name),
    }),
  }),
});

const references = (sa: ServiceAccount, list: 'secrets' | 'imagePullSecrets'): SecretReference[] =>
  sa[list].map((ref) => ({ namespace: sa.metadata.namespace ?? '', name: ref.name }));

export const ServiceAccountRef = builder.objectRef<ServiceAccount>('ServiceAccount');
builder.node(ServiceAccountRef, {
  ...nodeBasics('ServiceAccount'),
  description: 'An identity for workloads. Every Active namespace has one named `default`.',
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (sa) => sa.metadata }),
    secrets: t.field({
      type: [SecretReferenceRef],
      description: 'Secrets Pods of this account may use when `kubernetes.io/enforce-mountable-secrets` is "true".',
      resolve: (sa) => references(sa, 'secrets'),
    }),
    imagePullSecrets: t.field({
      type: [SecretReferenceRef],
      description: 'Copied to Pods of this account that name none.',
      resolve: (sa) => references(sa, 'imagePullSecrets'),
    }),
    automountServiceAccountToken: t.boolean({
      nullable: true,
      resolve: (sa) => sa.automountServiceAccountToken ?? null,
    }),
  }),
});

const ServiceAccountInput = builder.inputType('ServiceAccountInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    secrets: t.field({ type: [LocalObjectReferenceInput], required: false }),
    imagePullSecrets: t.field({ type: [LocalObjectReferenceInput], required: false }),
    automountServiceAccountToken: t.boolean({ required: false }),
  }),
});

defineOperations('ServiceAccount', ServiceAccountRef, ServiceAccountInput);

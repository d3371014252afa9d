/** ClusterRoleBinding: type, input, operations. */
import type { ClusterRoleBinding } from '../../apis/rbac.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { RoleRefInput, RoleRefRef, SubjectInput, SubjectRef } from '../rbac/schema.js';

export const ClusterRoleBindingRef = builder.objectRef<ClusterRoleBinding>('ClusterRoleBinding');
builder.node(ClusterRoleBindingRef, {
  ...nodeBasics('ClusterRoleBinding'),
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (b) => b.metadata }),
    roleRef: t.field({ type: RoleRefRef, resolve: (b) => b.roleRef }),
    subjects: t.field({ type: [SubjectRef], resolve: (b) => b.subjects }),
  }),
});

const ClusterRoleBindingInput = builder.inputType('ClusterRoleBindingInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    roleRef: t.field({ type: RoleRefInput, required: false, description: 'Required on create; cannot change after.' }),
    subjects: t.field({ type: [SubjectInput], required: false }),
  }),
});

defineOperations('ClusterRoleBinding', ClusterRoleBindingRef, ClusterRoleBindingInput);

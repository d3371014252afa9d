/** RoleBinding: type, input, operations. */
import type { RoleBinding } from '../../apis/rbac.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { RoleRefInput, RoleRefRef, SubjectInput, SubjectRef } from '../rbac/schema.js';

export const RoleBindingRef = builder.objectRef<RoleBinding>('RoleBinding');
builder.node(RoleBindingRef, {
  ...nodeBasics('RoleBinding'),
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (b) => b.metadata }),
    roleRef: t.field({ type: RoleRefRef, resolve: (b) => b.roleRef }),
    subjects: t.field({ type: [SubjectRef], resolve: (b) => b.subjects }),
  }),
});

const RoleBindingInput = builder.inputType('RoleBindingInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    roleRef: t.field({ type: RoleRefInput, required: false, description: 'Required on create; cannot change after.' }),
    subjects: t.field({ type: [SubjectInput], required: false }),
  }),
});

defineOperations('RoleBinding', RoleBindingRef, RoleBindingInput);

/** ClusterRole: type, input, operations. */
import type { ClusterRole } from '../../apis/rbac.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { PolicyRuleInput, PolicyRuleRef } from '../rbac/schema.js';

export const ClusterRoleRef = builder.objectRef<ClusterRole>('ClusterRole');
builder.node(ClusterRoleRef, {
  ...nodeBasics('ClusterRole'),
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (r) => r.metadata }),
    rules: t.field({ type: [PolicyRuleRef], resolve: (r) => r.rules }),
  }),
});

const ClusterRoleInput = builder.inputType('ClusterRoleInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    rules: t.field({ type: [PolicyRuleInput], required: false }),
  }),
});

defineOperations('ClusterRole', ClusterRoleRef, ClusterRoleInput);

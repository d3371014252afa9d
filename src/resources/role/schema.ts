/** Role: type, input, operations. */
import type { Role } from '../../apis/rbac.js';
import { builder } from '../../builder.js';
import { ObjectMetaInputRef, ObjectMetaRef } from '../common/meta.js';
import { defineOperations, nodeBasics } from '../common/operations.js';
import { PolicyRuleInput, PolicyRuleRef } from '../rbac/schema.js';

export const RoleRef = builder.objectRef<Role>('Role');
builder.node(RoleRef, {
  ...nodeBasics('Role'),
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (r) => r.metadata }),
    rules: t.field({ type: [PolicyRuleRef], resolve: (r) => r.rules }),
  }),
});

const RoleInput = builder.inputType('RoleInput', {
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaInputRef, required: true }),
    rules: t.field({ type: [PolicyRuleInput], required: false }),
  }),
});

defineOperations('Role', RoleRef, RoleInput);

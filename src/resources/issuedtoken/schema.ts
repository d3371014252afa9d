/**
 * Issued-token records: read them (RBAC get/list issuedtokens.authentication.keyway.dev) and
 * revoke tokens (update). A ServiceAccount lists its own.
 */
import type { IssuedToken } from '../../apis/authentication.js';
import { SERVICE_ACCOUNT_UID_LABEL } from '../../apis/authentication.js';
import { builder } from '../../builder.js';
import { notFound } from '../../errors.js';
import { can } from '../common/attributes.js';
import { ObjectMetaRef } from '../common/meta.js';
import { defineOperations, listConnection, nodeBasics } from '../common/operations.js';
import { ServiceAccountRef } from '../serviceaccount/schema.js';

const BoundObjectReferenceRef = builder
  .objectRef<NonNullable<IssuedToken['spec']['boundObjectRef']>>('BoundObjectReference')
  .implement({
    fields: (t) => ({
      kind: t.exposeString('kind'),
      apiVersion: t.exposeString('apiVersion'),
      name: t.exposeString('name'),
      uid: t.exposeString('uid'),
    }),
  });

const IssuedTokenSpecRef = builder.objectRef<IssuedToken['spec']>('IssuedTokenSpec').implement({
  fields: (t) => ({
    serviceAccountName: t.exposeString('serviceAccountName'),
    serviceAccountUID: t.exposeString('serviceAccountUID'),
    audiences: t.exposeStringList('audiences'),
    boundObjectRef: t.field({ type: BoundObjectReferenceRef, nullable: true, resolve: (s) => s.boundObjectRef ?? null }),
    expirationTimestamp: t.expose('expirationTimestamp', { type: 'DateTime', description: 'When the token itself (`exp`) expires.' }),
    keyID: t.exposeString('keyID', { description: 'The kid of the key that signed it.' }),
    issuedTo: t.exposeString('issuedTo', { description: 'The user who asked for it.' }),
  }),
});

const IssuedTokenStatusRef = builder.objectRef<IssuedToken['status']>('IssuedTokenStatus').implement({
  fields: (t) => ({
    revoked: t.exposeBoolean('revoked'),
    revokedAt: t.field({ type: 'DateTime', nullable: true, resolve: (s) => s.revokedAt ?? null }),
    revokedBy: t.string({ nullable: true, resolve: (s) => s.revokedBy ?? null }),
  }),
});

export const IssuedTokenRef = builder.objectRef<IssuedToken>('IssuedToken');
builder.node(IssuedTokenRef, {
  ...nodeBasics('IssuedToken'),
  description: 'The record of a token Keyway issued (never the token). Its name is the token\'s jti.',
  fields: (t) => ({
    metadata: t.field({ type: ObjectMetaRef, resolve: (r) => r.metadata }),
    spec: t.field({ type: IssuedTokenSpecRef, resolve: (r) => r.spec }),
    status: t.field({ type: IssuedTokenStatusRef, resolve: (r) => r.status }),
  }),
});

const { connection, listArgs } = defineOperations('IssuedToken', IssuedTokenRef, null);

builder.objectField(ServiceAccountRef, 'issuedTokens', (t) =>
  t.field({
    type: connection,
    nullable: true,
    description: 'Records of the tokens issued for this ServiceAccount. (RBAC: list issuedtokens.authentication.keyway.dev)',
    args: listArgs(t.arg),
    authScopes: (sa) => ({ k8s: can('list', 'IssuedToken', sa.metadata.namespace) }),
    resolve: (sa, args, ctx) =>
      listConnection('IssuedToken', sa.metadata.namespace, args, ctx, [
        { key: SERVICE_ACCOUNT_UID_LABEL, operator: '=', values: [sa.metadata.uid] },
      ]),
  }),
);

const RevokeResultRef = builder.objectRef<{ revoked: number }>('RevokeServiceAccountTokensResult').implement({
  fields: (t) => ({ revoked: t.exposeInt('revoked', { description: 'How many tokens this call revoked.' }) }),
});

builder.mutationFields((t) => ({
  revokeServiceAccountToken: t.field({
    type: IssuedTokenRef,
    nullable: true,
    description:
      'Revokes one token by its jti: it fails at once, on every replica. (RBAC: update issuedtokens.authentication.keyway.dev in its namespace)',
    args: { jti: t.arg.string({ required: true }) },
    // The record says which namespace to ask about; a missing one is asked about cluster-wide,
    // so a caller without the right learns nothing either way.
    authScopes: async (_root, { jti }, ctx) => {
      const record = await ctx.revoker.find(jti);
      return { k8s: can('update', 'IssuedToken', record?.metadata.namespace ?? '', jti) };
    },
    resolve: async (_root, { jti }, ctx) => {
      const record = await ctx.revoker.find(jti);
      if (!record) throw notFound('IssuedToken', jti);
      return ctx.revoker.revoke(record, { user: ctx.user, authorizer: ctx.authz });
    },
  }),
  revokeServiceAccountTokens: t.field({
    type: RevokeResultRef,
    nullable: true,
    description:
      'Revokes every token issued so far for a ServiceAccount. (RBAC: update issuedtokens.authentication.keyway.dev in the namespace)',
    args: { namespace: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    authScopes: (_root, args) => ({ k8s: can('update', 'IssuedToken', args.namespace) }),
    resolve: async (_root, args, ctx) => ({
      revoked: await ctx.revoker.revokeAll(args.namespace, args.name, { user: ctx.user, authorizer: ctx.authz }),
    }),
  }),
}));

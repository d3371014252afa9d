/**
 * Issued-token records: read them (RBAC get/list issuedtokens.authentication.keyway.dev) and
 * revoke tokens (update). A ServiceAccount lists its own.
 */
import type { IssuedToken } from '../../apis/authentication.js';
import { SERVICE_ACCOUNT_UID_LABEL } from '../../apis/authentication.js';
import { builder } from '../../builder.js';
import type { Context } from '../../context.js';
import { invalid, notFound } from '../../errors.js';
import type { RevokedTokens } from '../../tokens/revocation.js';
import { field } from '../../validation/field.js';
import { allOf, can } from '../common/attributes.js';
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
    boundObjectRef: t.field({
      type: BoundObjectReferenceRef,
      nullable: true,
      resolve: (s) => s.boundObjectRef ?? null,
    }),
    expirationTimestamp: t.expose('expirationTimestamp', {
      type: 'DateTime',
      description: 'When the token itself (`exp`) expires.',
    }),
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

const IssuedTokenRef = builder.objectRef<IssuedToken>('IssuedToken');
builder.node(IssuedTokenRef, {
  ...nodeBasics('IssuedToken'),
  description: "The record of a token Keyway issued (never the token). Its name is the token's jti.",
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
    description:
      'Records of the tokens issued for this ServiceAccount. (RBAC: list issuedtokens.authentication.keyway.dev)',
    args: listArgs(t.arg),
    authScopes: (sa) => ({ k8s: can('list', 'IssuedToken', sa.metadata.namespace) }),
    resolve: (sa, args, ctx) =>
      listConnection('IssuedToken', sa.metadata.namespace, args, ctx, [
        { key: SERVICE_ACCOUNT_UID_LABEL, operator: '=', values: [sa.metadata.uid] },
      ]),
  }),
);

const RevokeResultRef = builder.objectRef<RevokedTokens>('RevokeServiceAccountTokensResult').implement({
  fields: (t) => ({
    revoked: t.exposeInt('revoked', { description: 'How many tokens this call ended, of both kinds.' }),
    issuedTokens: t.exposeInt('issuedTokens', { description: 'Issued (TokenRequest) tokens revoked.' }),
    legacyTokens: t.exposeInt('legacyTokens', {
      description: 'Legacy token Secrets marked `kubernetes.io/legacy-token-invalid-since`.',
    }),
  }),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** @throws INVALID unless a jti (a lower-case UUID, as Keyway issues them). */
function checkJti(jti: string): void {
  if (!UUID.test(jti))
    throw invalid('IssuedToken', '', [field.invalidOmitted('jti', 'must be the jti of an issued token (a UUID)')]);
}

/**
 * The question a revocation by jti asks. The record says which namespace the token belongs to,
 * but asking about that namespace would tell a caller without the right that the token exists:
 * a caller allowed cluster-wide is asked that; anyone else is allowed only in the namespace of
 * a record that exists, and is otherwise refused exactly as at the cluster scope.
 */
async function revocationQuestion(jti: string, ctx: Context) {
  const clusterWide = can('update', 'IssuedToken', '', jti);
  if (await ctx.authz.allowed(clusterWide)) return clusterWide;
  const record = await ctx.revoker.find(jti);
  if (!record) return clusterWide;
  const inNamespace = can('update', 'IssuedToken', record.metadata.namespace, jti);
  return (await ctx.authz.allowed(inNamespace)) ? inNamespace : clusterWide;
}

builder.mutationFields((t) => ({
  revokeServiceAccountToken: t.field({
    type: IssuedTokenRef,
    nullable: true,
    description:
      'Revokes one token by its jti: it fails at once, on every replica. ' +
      '(RBAC: update issuedtokens.authentication.keyway.dev, cluster-wide or in its namespace)',
    args: { jti: t.arg.string({ required: true }) },
    authScopes: async (_root, { jti }, ctx) => {
      checkJti(jti);
      return { k8s: await revocationQuestion(jti, ctx) };
    },
    resolve: async (_root, { jti }, ctx) => {
      const record = await ctx.revoker.find(jti);
      if (!record) throw notFound('IssuedToken', jti);
      return ctx.revoker.revoke(record, { user: ctx.user, authorizer: ctx.authz, audit: ctx.audit.transaction });
    },
  }),
  revokeServiceAccountTokens: t.field({
    type: RevokeResultRef,
    nullable: true,
    description:
      'Ends every token of a ServiceAccount, in one transaction: revokes the tokens issued so far ' +
      "and marks its legacy token Secrets `kubernetes.io/legacy-token-invalid-since` (as Kubernetes' " +
      'legacy token cleaner does). (RBAC: update issuedtokens.authentication.keyway.dev and update ' +
      'secrets, in the namespace)',
    args: { namespace: t.arg.string({ required: true }), name: t.arg.string({ required: true }) },
    authScopes: (_root, args) =>
      allOf([can('update', 'IssuedToken', args.namespace), can('update', 'Secret', args.namespace)]),
    resolve: (_root, args, ctx) =>
      ctx.revoker.revokeAll(args.namespace, args.name, {
        user: ctx.user,
        authorizer: ctx.authz,
        audit: ctx.audit.transaction,
      }),
  }),
}));

/** TokenRequest: `createServiceAccountToken`, the one way to mint a bound ServiceAccount token. */
import { builder } from '../../builder.js';
import { can } from '../common/attributes.js';

interface TokenRequestStatus {
  token: string;
  expirationTimestamp: string;
  warnings: string[];
}

const TokenRequestStatusRef = builder.objectRef<TokenRequestStatus>('TokenRequestStatus').implement({
  fields: (t) => ({
    token: t.exposeString('token'),
    expirationTimestamp: t.expose('expirationTimestamp', { type: 'DateTime' }),
    warnings: t.exposeStringList('warnings', {
      description: 'What kube-apiserver would send as Warning headers (a shortened expiration).',
    }),
  }),
});

const BoundObjectReferenceInput = builder.inputType('BoundObjectReferenceInput', {
  fields: (t) => ({
    kind: t.string({ required: true, description: "`Pod` or `Secret`, in the ServiceAccount's namespace." }),
    apiVersion: t.string({ required: false, description: 'Default `v1`.' }),
    name: t.string({ required: true }),
    uid: t.string({
      required: false,
      description: "If set, must be the object's uid (a recreated object has another).",
    }),
  }),
});

const TokenRequestInput = builder.inputType('TokenRequestInput', {
  fields: (t) => ({
    audiences: t.stringList({ required: false, description: 'Default: the API audiences.' }),
    expirationSeconds: t.int({ required: false, description: 'Default 3600; at least 600.' }),
    boundObjectRef: t.field({ type: BoundObjectReferenceInput, required: false }),
  }),
});

builder.mutationField('createServiceAccountToken', (t) =>
  t.field({
    type: TokenRequestStatusRef,
    nullable: true,
    description:
      'Issues a short-lived, audience-bound token for a ServiceAccount, optionally bound to a Pod ' +
      'or Secret (TokenRequest). (RBAC: create serviceaccounts/token)',
    args: {
      namespace: t.arg.string({ required: true }),
      name: t.arg.string({ required: true }),
      input: t.arg({ type: TokenRequestInput, required: false }),
    },
    authScopes: (_root, args) => ({ k8s: can('create', 'ServiceAccount', args.namespace, args.name, 'token') }),
    resolve: async (_root, args, ctx) => {
      const issued = await ctx.tokens.request(args.namespace, args.name, args.input ?? {}, {
        user: ctx.user,
        authorizer: ctx.authz,
        audit: ctx.audit.transaction,
      });
      ctx.metrics.tokensIssued.inc();
      return issued;
    },
  }),
);

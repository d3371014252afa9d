/** Signing keys: which exist, and rotation. (RBAC: keyway.dev signingkeys, cluster-admin's by default.) */
import { builder } from '../../builder.js';
import type { SigningKey } from '../../tokens/keys.js';
import { formatTime } from '../../apis/meta.js';
import { canDo } from '../common/attributes.js';

const SigningKeyRef = builder.objectRef<SigningKey>('SigningKey').implement({
  description: 'A token signing key (public facts only).',
  fields: (t) => ({
    kid: t.exposeString('kid'),
    algorithm: t.exposeString('algorithm'),
    active: t.boolean({ description: 'New tokens are signed with this key.', resolve: (k) => !k.retiredAt }),
    source: t.exposeString('source', { description: '`generated`, or `file` (KEYWAY_SIGNING_KEY_FILE).' }),
    createdAt: t.field({ type: 'DateTime', resolve: (k) => formatTime(k.createdAt) }),
    retiredAt: t.field({
      type: 'DateTime',
      nullable: true,
      resolve: (k) => (k.retiredAt ? formatTime(k.retiredAt) : null),
    }),
  }),
});

builder.queryField('signingKeys', (t) =>
  t.field({
    type: [SigningKeyRef],
    nullable: true,
    description: 'The active key and the retired ones still trusted. (RBAC: list signingkeys.keyway.dev)',
    authScopes: { k8s: canDo('list', 'keyway.dev', 'signingkeys') },
    resolve: (_root, _args, ctx) => ctx.keys.all(),
  }),
);

builder.mutationField('rotateSigningKey', (t) =>
  t.field({
    type: SigningKeyRef,
    nullable: true,
    description:
      'Makes a new key active on every replica. Old keys keep verifying until no token they signed ' +
      'can be valid. (RBAC: update signingkeys.keyway.dev)',
    authScopes: { k8s: canDo('update', 'keyway.dev', 'signingkeys') },
    resolve: (_root, _args, ctx) => ctx.keys.rotate(ctx.audit.transaction),
  }),
);

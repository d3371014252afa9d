/** `ObjectKind`: the kinds Keyway stores, as a GraphQL enum (watch and export name them). */
import { KINDS, type Kind } from '../../apis/kinds.js';
import { builder } from '../../builder.js';

export const ObjectKind = builder.enumType('ObjectKind', {
  description: 'The kinds Keyway stores.',
  values: Object.keys(KINDS) as Kind[],
});

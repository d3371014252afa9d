/**
 * Issued-token records: written by TokenRequest, never by clients. Their identity is the token's
 * jti; after create only metadata and the revocation may change, and a revocation is final.
 */
import { jsonEqual } from '../../util/maps.js';
import type { IssuedToken } from '../../apis/authentication.js';
import type { Strategy } from '../../registry/strategy.js';
import { field } from '../../validation/field.js';
import { nameIsDNSSubdomain } from '../../validation/names.js';

export const issuedTokenStrategy: Strategy<IssuedToken> = {
  kind: 'IssuedToken',
  validateName: nameIsDNSSubdomain,
  prepareForCreate: (record) => ({
    ...record,
    metadata: { ...record.metadata, uid: record.metadata.name },
    status: { revoked: false },
  }),
  validate: () => [],
  prepareForUpdate: (record) => record,
  validateUpdate(record, old) {
    const errs = [];
    if (!jsonEqual(record.spec, old.spec)) errs.push(field.forbidden('spec', 'field is immutable'));
    if (old.status.revoked && !record.status.revoked)
      errs.push(field.forbidden('status.revoked', 'a revoked token stays revoked'));
    return errs;
  },
};

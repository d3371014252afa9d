/** ServiceAccounts (`pkg/registry/core/serviceaccount/strategy.go`): names are DNS subdomains. */
import type { ServiceAccount } from '../../apis/core.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import { nameIsDNSSubdomain } from '../../validation/names.js';

function defaults(sa: ServiceAccount): ServiceAccount {
  return { ...sa, secrets: sa.secrets ?? [], imagePullSecrets: sa.imagePullSecrets ?? [] };
}

function validate(sa: ServiceAccount): ErrorList {
  const errs: ErrorList = [];
  for (const list of ['secrets', 'imagePullSecrets'] as const) {
    sa[list].forEach((ref, i) => {
      if (!ref.name) errs.push(field.required(Path.root(list).index(i).child('name')));
    });
  }
  return errs;
}

export const serviceAccountStrategy: Strategy<ServiceAccount> = {
  kind: 'ServiceAccount',
  validateName: nameIsDNSSubdomain,
  defaults,
  prepareForCreate: (sa) => sa,
  validate,
  prepareForUpdate: (sa) => sa,
  validateUpdate: validate,
};

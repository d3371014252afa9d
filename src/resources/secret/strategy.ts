/**
 * Secrets (`pkg/registry/core/secret/strategy.go`, `ValidateSecret`, `ValidateSecretUpdate`):
 * `stringData` is merged into `data` and never stored; each type's required keys; 1 MiB of data;
 * an `immutable` Secret keeps its data and its immutability.
 */
import { dict, has as hasKey } from '../../util/maps.js';
import type { Secret } from '../../apis/core.js';
import type { Strategy } from '../../registry/strategy.js';
import { field, Path, type ErrorList } from '../../validation/field.js';
import { isConfigMapKey, nameIsDNSSubdomain } from '../../validation/names.js';
import { validateImmutable } from '../../validation/objectmeta.js';
import { SERVICE_ACCOUNT_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../../apis/wellknown.js';

const MAX_SECRET_SIZE = 1024 * 1024;

const REDACTED = '<secret contents redacted>';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A Secret as a client sends it: `stringData` is write-only. */
type SecretInput = Secret & { stringData?: Record<string, string> };

function normalize(secret: SecretInput): Secret {
  const { stringData, ...rest } = secret;
  const data = dict(Object.entries(rest.data ?? {}));
  for (const [key, value] of Object.entries(stringData ?? {}))
    data[key] = Buffer.from(value, 'utf8').toString('base64');
  return { ...rest, type: rest.type || 'Opaque', data };
}

function decoded(value: string): Buffer | null {
  return BASE64.test(value) ? Buffer.from(value, 'base64') : null;
}

function validateSecret(secret: Secret): ErrorList {
  const errs: ErrorList = [];
  const dataPath = Path.root('data');
  const bytes = new Map<string, Buffer>();
  let total = 0;
  for (const [key, value] of Object.entries(secret.data)) {
    for (const msg of isConfigMapKey(key)) errs.push(field.invalid(dataPath.key(key), key, msg));
    const raw = decoded(value);
    if (!raw) {
      errs.push(
        field.invalid(dataPath.key(key), REDACTED, 'must be base64-encoded (RFC 4648, standard alphabet, padded)'),
      );
      continue;
    }
    bytes.set(key, raw);
    total += raw.length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(field.tooLong(dataPath, MAX_SECRET_SIZE));

  const has = (key: string) => hasKey(secret.data, key);
  const jsonObject = (key: string) => {
    if (!has(key)) return errs.push(field.required(dataPath.key(key)));
    let parsed: unknown;
    try {
      parsed = JSON.parse((bytes.get(key) ?? Buffer.alloc(0)).toString('utf8'));
    } catch {
      // JSON.parse's message quotes the input: never echo a secret
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      errs.push(field.invalid(dataPath.key(key), REDACTED, 'must be a valid JSON object'));
    }
  };
  switch (secret.type) {
    case SERVICE_ACCOUNT_TOKEN_TYPE:
      if (!secret.metadata.annotations[SERVICE_ACCOUNT_NAME_ANNOTATION]) {
        errs.push(field.required(Path.root('metadata').child('annotations').key(SERVICE_ACCOUNT_NAME_ANNOTATION)));
      }
      break;
    case 'kubernetes.io/dockercfg':
      jsonObject('.dockercfg');
      break;
    case 'kubernetes.io/dockerconfigjson':
      jsonObject('.dockerconfigjson');
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) {
        errs.push(field.required(dataPath.key('username')), field.required(dataPath.key('password')));
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (!bytes.get('ssh-privatekey')?.length) errs.push(field.required(dataPath.key('ssh-privatekey')));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(field.required(dataPath.key('tls.crt')));
      if (!has('tls.key')) errs.push(field.required(dataPath.key('tls.key')));
      break;
    default:
      // Opaque and custom types carry no rules of their own.
      break;
  }
  return errs;
}

export const secretStrategy: Strategy<Secret> = {
  kind: 'Secret',
  validateName: nameIsDNSSubdomain,
  // `stringData` is folded into `data` by conversion, as Kubernetes decodes a Secret
  defaults: (secret) => normalize(secret),
  prepareForCreate: (secret) => secret,
  validate: validateSecret,
  prepareForUpdate: (secret) => secret,
  validateUpdate(secret, old, sent) {
    const errs = validateImmutable(secret.type, old.type, 'type');
    if (old.immutable) {
      if (!secret.immutable) errs.push(field.forbidden('immutable', 'field is immutable when `immutable` is set'));
      // Refused whatever the values: were an equal value accepted and another refused, a caller
      // allowed to update but not to read could test guesses key by key.
      if (sent.has('data') || sent.has('stringData')) {
        errs.push(field.forbidden('data', 'field is immutable when `immutable` is set'));
      }
    }
    return [...errs, ...validateSecret(secret)];
  },
};

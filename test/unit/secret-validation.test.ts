import { describe, expect, it } from 'vitest';
import type { Secret } from '../../src/apis/core.js';
import { secretStrategy } from '../../src/resources/secret/strategy.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function secret(type: string, data: Record<string, string> = {}, annotations: Record<string, string> = {}): Secret {
  return secretStrategy.defaults!({
    kind: 'Secret',
    metadata: {
      name: 's',
      namespace: 'ns',
      uid: 'u',
      resourceVersion: '0',
      generation: 1,
      creationTimestamp: '',
      labels: {},
      annotations,
    },
    type,
    data,
  });
}

const errors = (s: Secret) => secretStrategy.validate(s).map(String);

describe('secret types and their required keys', () => {
  it.each([
    ['Opaque', {}, {}, []],
    ['', {}, {}, []],
    ['example.com/custom', {}, {}, []],
    [
      'kubernetes.io/service-account-token',
      {},
      {},
      ['metadata.annotations[kubernetes.io/service-account.name]: Required value'],
    ],
    ['kubernetes.io/service-account-token', {}, { 'kubernetes.io/service-account.name': 'ci' }, []],
    ['kubernetes.io/dockercfg', {}, {}, ['data[.dockercfg]: Required value']],
    ['kubernetes.io/dockercfg', { '.dockercfg': b64('{}') }, {}, []],
    ['kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('{"auths":{}}') }, {}, []],
    ['kubernetes.io/basic-auth', {}, {}, ['data[username]: Required value', 'data[password]: Required value']],
    ['kubernetes.io/basic-auth', { password: '' }, {}, []],
    ['kubernetes.io/ssh-auth', {}, {}, ['data[ssh-privatekey]: Required value']],
    ['kubernetes.io/ssh-auth', { 'ssh-privatekey': '' }, {}, ['data[ssh-privatekey]: Required value']],
    ['kubernetes.io/ssh-auth', { 'ssh-privatekey': b64('key') }, {}, []],
    ['kubernetes.io/tls', { 'tls.crt': b64('c') }, {}, ['data[tls.key]: Required value']],
    ['kubernetes.io/tls', { 'tls.crt': b64('c'), 'tls.key': b64('k') }, {}, []],
  ])('%s %j %j → %j', (type, data, annotations, expected) => {
    expect(errors(secret(type, data, annotations))).toEqual(expected);
  });

  it('rejects docker configs that are not JSON objects without echoing the secret', () => {
    const [err] = errors(secret('kubernetes.io/dockerconfigjson', { '.dockerconfigjson': b64('hunter2') }));
    expect(err).toMatch(/^data\[\.dockerconfigjson\]: Invalid value: "<secret contents redacted>": /);
    expect(err).not.toContain('hunter2');
  });

  it('defaults the type to Opaque and merges stringData over data', () => {
    const s = secretStrategy.defaults!({
      ...secret('', { a: b64('1'), b: b64('2') }),
      stringData: { b: 'two', c: 'three' },
    } as Secret);
    expect(s.type).toBe('Opaque');
    expect(s.data).toEqual({ a: b64('1'), b: b64('two'), c: b64('three') });
    expect(s).not.toHaveProperty('stringData');
  });
});

describe('secret data', () => {
  it.each([
    [{ 'bad/key': b64('x') }, ['data[bad/key]: Invalid value: "bad/key": a valid config key must consist of']],
    [{ k: 'not base64!' }, ['data[k]: Invalid value: "<secret contents redacted>": must be base64-encoded']],
    [{ k: 'YQ' }, ['data[k]: Invalid value: "<secret contents redacted>": must be base64-encoded']],
  ])('%j → %j', (data, prefixes) => {
    const got = errors(secret('Opaque', data));
    expect(got).toHaveLength(prefixes.length);
    for (const [i, p] of prefixes.entries()) expect(got[i].startsWith(p)).toBe(true);
  });

  it('allows exactly 1 MiB of decoded data and no more', () => {
    const mib = 1024 * 1024;
    expect(errors(secret('Opaque', { a: Buffer.alloc(mib - 1).toString('base64'), b: b64('x') }))).toEqual([]);
    expect(errors(secret('Opaque', { a: Buffer.alloc(mib).toString('base64'), b: b64('x') }))).toEqual([
      'data: Too long: must have at most 1048576 bytes',
    ]);
  });
});

describe('secret updates', () => {
  const old = { ...secret('Opaque', { a: b64('1') }), immutable: true };
  const immutableData = 'data: Forbidden: field is immutable when `immutable` is set';
  // An immutable Secret refuses any data sent, equal or not: the answer never tells a guess apart.
  it.each([
    ['labels only (data kept)', { ...old }, [], []],
    ['the same data sent again', { ...old }, ['data'], [immutableData]],
    ['changed data', { ...old, data: { a: b64('2') } }, ['data'], [immutableData]],
    ['stringData equal to the stored value', { ...old }, ['stringData'], [immutableData]],
    [
      'unset immutable',
      { ...old, immutable: false },
      ['immutable'],
      ['immutable: Forbidden: field is immutable when `immutable` is set'],
    ],
    [
      'a changed type',
      { ...old, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } },
      ['type', 'data'],
      ['type: Invalid value: "kubernetes.io/tls": field is immutable', immutableData],
    ],
  ])('%s → %j', (_what, next, sent, expected) => {
    expect(secretStrategy.validateUpdate(next as Secret, old, new Set(sent)).map(String)).toEqual(expected);
  });
});

/** Secret semantics through the API: stringData, type rules, immutability, the size limit. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ENGINES } from '../helpers/engines.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const CREATE =
  `mutation ($input: SecretInput!) { createSecret(namespace: "default", input: $input) { type ` +
  `data immutable metadata { name resourceVersion } } }`;
const UPDATE =
  `mutation ($input: SecretInput!) { updateSecret(namespace: "default", input: $input) { type ` +
  `data immutable metadata { name resourceVersion } } }`;

describe.each(ENGINES)('secrets (%s)', (engine) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
  });
  afterAll(() => t.close());

  it('merges stringData into data, overriding its keys, and never returns it', async () => {
    const data = await t.ok(CREATE, {
      input: { metadata: { name: 'creds' }, data: { a: b64('1'), b: b64('2') }, stringData: { b: 'two', c: 'three' } },
    });
    expect(data.createSecret).toMatchObject({ type: 'Opaque', data: { a: b64('1'), b: b64('two'), c: b64('three') } });
    const res = await t.gql('{ secret(namespace: "default", name: "creds") { stringData } }');
    expect(res.errors?.[0].message).toBe('Cannot query field "stringData" on type "Secret".');
    const updated = await t.ok(UPDATE, { input: { metadata: { name: 'creds' }, stringData: { a: 'uno' } } });
    expect(updated.updateSecret.data).toEqual({ a: b64('uno'), b: b64('two'), c: b64('three') });
  });

  it('checks the keys each type requires', async () => {
    const res = await t.gql(CREATE, {
      input: { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': 'x' } },
    });
    expect(res.errors?.[0].extensions).toMatchObject({
      code: 'INVALID',
      causes: [{ field: 'data[tls.key]', message: 'Required value' }],
    });
    expect(res.errors?.[0].message).toBe('Secret "tls" is invalid: data[tls.key]: Required value');
    const sat = await t.gql(CREATE, {
      input: { metadata: { name: 'sat' }, type: 'kubernetes.io/service-account-token' },
    });
    expect(sat.errors?.[0].extensions.causes).toEqual([
      {
        field: 'metadata.annotations[kubernetes.io/service-account.name]',
        message: 'Required value',
        reason: 'FieldValueRequired',
      },
    ]);
  });

  it('keeps an immutable secret immutable, metadata aside', async () => {
    const created = await t.ok(CREATE, {
      input: { metadata: { name: 'frozen' }, stringData: { k: 'v' }, immutable: true },
    });
    expect(created.createSecret.immutable).toBe(true);
    const changed = await t.gql(UPDATE, { input: { metadata: { name: 'frozen' }, stringData: { k: 'w' } } });
    expect(changed.errors?.[0].message).toBe(
      'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set',
    );
    const thawed = await t.gql(UPDATE, { input: { metadata: { name: 'frozen' }, immutable: false } });
    expect(thawed.errors?.[0].extensions.causes[0]).toMatchObject({
      field: 'immutable',
      message: 'Forbidden: field is immutable when `immutable` is set',
    });
    const labelled = await t.ok(UPDATE, { input: { metadata: { name: 'frozen', labels: { ok: 'yes' } } } });
    expect(labelled.updateSecret.data).toEqual({ k: b64('v') });
  });

  it('refuses a type change', async () => {
    await t.ok(CREATE, { input: { metadata: { name: 'typed' } } });
    const res = await t.gql(UPDATE, { input: { metadata: { name: 'typed' }, type: 'example.com/other' } });
    expect(res.errors?.[0].message).toBe(
      'Secret "typed" is invalid: type: Invalid value: "example.com/other": field is immutable',
    );
  });

  it('holds at most 1 MiB of data', async () => {
    const mib = 1024 * 1024;
    const ok = await t.gql(CREATE, {
      input: { metadata: { name: 'big' }, data: { a: Buffer.alloc(mib).toString('base64') } },
    });
    expect(ok.errors).toBeUndefined();
    const res = await t.gql(CREATE, {
      input: { metadata: { name: 'bigger' }, data: { a: Buffer.alloc(mib + 1).toString('base64') } },
    });
    expect(res.errors?.[0].message).toBe('Secret "bigger" is invalid: data: Too long: must have at most 1048576 bytes');
    const gone = await t.gql('{ secret(namespace: "default", name: "bigger") { type } }');
    expect(gone.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });

  it('rejects data that is not base64 without echoing it', async () => {
    const res = await t.gql(CREATE, { input: { metadata: { name: 'raw' }, data: { k: 'hunter2!' } } });
    expect(res.errors?.[0].extensions.code).toBe('INVALID');
    expect(JSON.stringify(res.errors)).not.toContain('hunter2');
  });

  it('rejects a StringMap that is not one with BAD_REQUEST', async () => {
    const res = await t.gql(CREATE, { input: { metadata: { name: 'odd', labels: { n: 1 } } } });
    expect(res.errors?.[0].extensions.code).toBe('BAD_REQUEST');
    expect(res.data ?? null).toBeNull();
  });
});

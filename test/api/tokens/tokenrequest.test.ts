/**
 * TokenRequest: `createServiceAccountToken` issues tokens exactly as Kubernetes' TokenRequest
 * does (claims, header, kid, defaults, validation, binding, clamping, extension) and records
 * each one.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { decode, issue, token } from '../../helpers/tokens.js';
import { namespace, pod, secret, serviceAccount } from '../../helpers/fixtures.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe.each(ENGINES)('TokenRequest (%s)', (engine) => {
  let t: TestApp;
  let saUID: string;
  beforeAll(async () => {
    t = await startTestApp(engine, { maxTokenExpirationSeconds: 48 * 3600 });
    await namespace(t, 'dev');
    saUID = await serviceAccount(t, 'dev', 'ci');
  });
  afterAll(() => t.close());

  it('writes the header and claims Kubernetes writes', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await issue(t, 'dev', 'ci');
    const { token: tok, expirationTimestamp, warnings } = res.data!.createServiceAccountToken;
    const { header, payload } = decode(tok);
    const key = t.app.keys.active();
    expect(header).toEqual({ alg: 'ES256', kid: key.kid });
    const der = createPublicKey(key.privateKey).export({ type: 'spki', format: 'der' });
    expect(header.kid).toBe(createHash('sha256').update(der).digest('base64url'));
    expect(Object.keys(payload)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(payload).toMatchObject({
      aud: ['http://localhost:4000'],
      iss: 'http://localhost:4000',
      sub: 'system:serviceaccount:dev:ci',
      'kubernetes.io': { namespace: 'dev', serviceaccount: { name: 'ci', uid: saUID } },
    });
    expect(payload.jti).toMatch(UUID);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.nbf).toBe(payload.iat);
    expect(payload.exp - payload.iat).toBe(3600);
    expect(expirationTimestamp).toBe(new Date(payload.exp * 1000).toISOString().replace('.000', ''));
    expect(warnings).toEqual([]);
  });

  it('takes audiences and an expiration', async () => {
    const { payload } = decode(await token(t, 'dev', 'ci', { audiences: ['vault', 'aws'], expirationSeconds: 7200 }));
    expect(payload.aud).toEqual(['vault', 'aws']);
    expect(payload.exp - payload.iat).toBe(7200);
  });

  it('refuses less than ten minutes with Kubernetes’ message', async () => {
    const res = await issue(t, 'dev', 'ci', { expirationSeconds: 599 });
    expect(res.errors?.[0]).toMatchObject({
      message:
        'TokenRequest.authentication.k8s.io "ci" is invalid: spec.expirationSeconds: Invalid value: ' +
        '599: may not specify a duration less than 10 minutes',
      extensions: { code: 'INVALID', causes: [{ field: 'spec.expirationSeconds' }] },
    });
    expect((await issue(t, 'dev', 'ci', { expirationSeconds: 600 })).errors).toBeUndefined();
  });

  it('clamps to KEYWAY_MAX_TOKEN_EXPIRATION with a warning', async () => {
    const res = await issue(t, 'dev', 'ci', { expirationSeconds: 72 * 3600 });
    const status = res.data!.createServiceAccountToken;
    expect(status.warnings).toEqual(['requested expiration of 259200 seconds shortened to 172800 seconds']);
    const { payload } = decode(status.token);
    expect(payload.exp - payload.iat).toBe(172800);
  });

  it('answers NOT_FOUND for a ServiceAccount that does not exist', async () => {
    const res = await issue(t, 'dev', 'ghost');
    expect(res.errors?.[0]).toMatchObject({
      message: 'serviceaccounts "ghost" not found',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  describe('binding', () => {
    let podUID: string;
    let secretUID: string;
    beforeAll(async () => {
      podUID = await pod(t, 'dev', 'runner', 'ci', 'node-7');
      await pod(t, 'dev', 'other', 'default');
      secretUID = await secret(t, 'dev', 'keys');
    });

    it('binds to a Pod running as the account, with its node', async () => {
      const { payload } = decode(
        await token(t, 'dev', 'ci', { boundObjectRef: { kind: 'Pod', name: 'runner', uid: podUID } }),
      );
      expect(payload['kubernetes.io']).toEqual({
        namespace: 'dev',
        node: { name: 'node-7' },
        pod: { name: 'runner', uid: podUID },
        serviceaccount: { name: 'ci', uid: saUID },
      });
    });

    it('binds to a Secret', async () => {
      const { payload } = decode(await token(t, 'dev', 'ci', { boundObjectRef: { kind: 'Secret', name: 'keys' } }));
      expect(payload['kubernetes.io'].secret).toEqual({ name: 'keys', uid: secretUID });
    });

    it.each([
      [{ kind: 'ConfigMap', name: 'x' }, 'BAD_REQUEST', 'cannot bind token to object of type /v1, Kind=ConfigMap'],
      [
        { kind: 'Deployment', apiVersion: 'apps/v1', name: 'x' },
        'BAD_REQUEST',
        'cannot bind token to object of type apps/v1, Kind=Deployment',
      ],
      [
        { kind: 'Pod', name: 'other' },
        'BAD_REQUEST',
        'cannot bind token for serviceaccount "ci" to pod running with different serviceaccount name.',
      ],
      [{ kind: 'Pod', name: 'gone' }, 'NOT_FOUND', 'pods "gone" not found'],
      [{ kind: 'Secret', name: 'gone' }, 'NOT_FOUND', 'secrets "gone" not found'],
      [
        { kind: 'Pod', name: 'runner', uid: '00000000-0000-4000-8000-000000000000' },
        'CONFLICT',
        'Operation cannot be fulfilled on Pod "runner": the UID in the ' +
          'bound object reference (00000000-0000-4000-8000-000000000000) ' +
          'does not match the UID in record. The object might have been deleted and then recreated',
      ],
    ])('refuses %j with %s', async (boundObjectRef, code, message) => {
      const res = await issue(t, 'dev', 'ci', { boundObjectRef });
      expect(res.errors?.[0]).toMatchObject({ message, extensions: { code } });
    });

    it('gives a Pod-bound 3607 s token for the API a year, and reports 3607 s', async () => {
      const res = await issue(t, 'dev', 'ci', {
        expirationSeconds: 3607,
        boundObjectRef: { kind: 'Pod', name: 'runner' },
      });
      const { token: tok, expirationTimestamp } = res.data!.createServiceAccountToken;
      const { payload } = decode(tok);
      expect(payload.exp - payload.iat).toBe(365 * 24 * 3600);
      expect(payload['kubernetes.io'].warnafter).toBe(payload.iat + 3607);
      expect(Date.parse(expirationTimestamp) / 1000).toBe(payload.iat + 3607);
    });

    it('does not extend a token for other audiences or not bound to a Pod', async () => {
      for (const input of [
        { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', name: 'runner' } },
        { expirationSeconds: 3607 },
      ]) {
        const { payload } = decode(await token(t, 'dev', 'ci', input));
        expect(payload.exp - payload.iat).toBe(3607);
        expect(payload['kubernetes.io'].warnafter).toBeUndefined();
      }
    });
  });

  it('records every token it issues, by jti, without the token', async () => {
    const tok = await token(t, 'dev', 'ci', { audiences: ['vault'] });
    const { payload } = decode(tok);
    const data = await t.ok(
      'query ($n: String!) { issuedToken(namespace: "dev", name: $n) { metadata { name uid } spec ' +
        '{ serviceAccountName serviceAccountUID audiences boundObjectRef { kind } expirationTimestamp ' +
        'keyID issuedTo } status { revoked } } }',
      { n: payload.jti },
    );
    expect(data.issuedToken).toEqual({
      metadata: { name: payload.jti, uid: payload.jti },
      spec: {
        serviceAccountName: 'ci',
        serviceAccountUID: saUID,
        audiences: ['vault'],
        boundObjectRef: null,
        expirationTimestamp: new Date(payload.exp * 1000).toISOString().replace('.000', ''),
        keyID: decode(tok).header.kid,
        issuedTo: 'keyway:admin',
      },
      status: { revoked: false },
    });
    expect(
      JSON.stringify(await t.ok('{ issuedTokens(namespace: "dev") { edges { node { spec { audiences } } } } }')),
    ).not.toContain(tok.split('.')[2]);
  });

  it('lists an account’s tokens from the account', async () => {
    const uid = await serviceAccount(t, 'dev', 'lister');
    await token(t, 'dev', 'lister');
    await token(t, 'dev', 'lister');
    const data = await t.ok(
      '{ serviceAccount(namespace: "dev", name: "lister") { issuedTokens { totalCount edges { node ' +
        '{ spec { serviceAccountUID } } } } } }',
    );
    expect(data.serviceAccount.issuedTokens.totalCount).toBe(2);
    expect(data.serviceAccount.issuedTokens.edges.every((e: any) => e.node.spec.serviceAccountUID === uid)).toBe(true);
  });
});

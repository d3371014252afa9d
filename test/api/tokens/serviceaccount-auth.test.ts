/**
 * ServiceAccount tokens authenticate as Kubernetes builds the identity, and stop the moment
 * what they are bound to goes: the ServiceAccount, the Pod, the Secret, or the token itself
 * (revocation), on this replica and on another. A cached success never outlives any of them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { decode, review, token, whoami } from '../../helpers/tokens.js';
import { namespace, pod, secret, serviceAccount } from '../../helpers/fixtures.js';

/** Resolves when a replica has heard the NOTIFY of a commit (it applies the change before answering). */
const heard = (replica: TestApp, resourceVersion: string) => replica.app.follower.heard(Number(resourceVersion), 5000);

describe.each(ENGINES)('ServiceAccount token authentication (%s)', (engine) => {
  let t: TestApp;
  let other: TestApp;
  beforeAll(async () => {
    t = await startTestApp(engine);
    other = await t.replica();
    await namespace(t, 'dev');
  });
  afterAll(async () => {
    await other.close();
    await t.close();
  });

  it('builds the user, groups and extra Kubernetes builds', async () => {
    const saUID = await serviceAccount(t, 'dev', 'ci');
    const podUID = await pod(t, 'dev', 'builder', 'ci', 'node-1');
    const tok = await token(t, 'dev', 'ci', { boundObjectRef: { kind: 'Pod', name: 'builder' } });
    const me = await whoami(t, tok);
    expect(me.user).toEqual({
      username: 'system:serviceaccount:dev:ci',
      uid: saUID,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
      extra: {
        'authentication.kubernetes.io/pod-name': ['builder'],
        'authentication.kubernetes.io/pod-uid': [podUID],
        'authentication.kubernetes.io/node-name': ['node-1'],
        'authentication.kubernetes.io/credential-id': [`JTI=${decode(tok).payload.jti}`],
      },
    });
    const r = await review(t, tok);
    expect(r).toMatchObject({ authenticated: true, audiences: ['http://localhost:4000'], error: null, user: me.user });
  });

  it('reviews audiences: the intersection, or authenticated: false with Kubernetes’ message', async () => {
    await serviceAccount(t, 'dev', 'aud');
    const tok = await token(t, 'dev', 'aud', { audiences: ['vault', 'aws'] });
    expect(await review(t, tok, ['aws', 'gcp'])).toMatchObject({ authenticated: true, audiences: ['aws'] });
    expect(await review(t, tok, ['gcp'])).toEqual({
      authenticated: false,
      user: null,
      audiences: [],
      error: '[invalid bearer token, token audiences ["vault" "aws"] is invalid for the target audiences ["gcp"]]',
    });
    // as a bearer token to this API, whose audience it does not name
    expect((await whoami(t, tok)).status).toBe(401);
  });

  describe.each([
    ['ServiceAccount', 'sa'],
    ['Pod', 'pod'],
    ['Secret', 'secret'],
  ])('deleting the bound %s', (kind, tag) => {
    it(
      'fails the token at once, here and on another replica, and a new object of the same name does ' + 'not revive it',
      async () => {
        const sa = `del-${tag}`;
        await serviceAccount(t, 'dev', sa);
        if (kind === 'Pod') await pod(t, 'dev', `${sa}-p`, sa);
        if (kind === 'Secret') await secret(t, 'dev', `${sa}-s`);
        const bound =
          kind === 'Pod' ? { kind, name: `${sa}-p` } : kind === 'Secret' ? { kind, name: `${sa}-s` } : undefined;
        const tok = await token(t, 'dev', sa, bound ? { boundObjectRef: bound } : {});
        // authenticate on both replicas first, so both hold a cached success
        expect((await whoami(t, tok)).status).toBe(200);
        expect((await whoami(other, tok)).status).toBe(200);
        expect((await review(other, tok)).authenticated).toBe(true);

        const name = kind === 'ServiceAccount' ? sa : bound!.name;
        const field = { ServiceAccount: 'deleteServiceAccount', Pod: 'deletePod', Secret: 'deleteSecret' }[kind]!;
        const deleted = await t.ok(
          `mutation ($n: String!) { ${field}(namespace: "dev", name: $n) { metadata { resourceVersion } } }`,
          { n: name },
        );

        // here: at once
        expect((await whoami(t, tok)).status).toBe(401);
        // there: as soon as that replica hears the commit (the writer waited to hear it too)
        await heard(other, deleted[field].metadata.resourceVersion);
        expect((await whoami(other, tok)).status).toBe(401);
        const r = await review(other, tok);
        expect(r.authenticated).toBe(false);
        expect(r.error).toBe(
          kind === 'ServiceAccount'
            ? `[invalid bearer token, serviceaccounts "${sa}" not found]`
            : '[invalid bearer token, service account token has been invalidated]',
        );

        if (kind === 'ServiceAccount') await serviceAccount(t, 'dev', sa);
        if (kind === 'Pod') await pod(t, 'dev', name, sa);
        if (kind === 'Secret') await secret(t, 'dev', name);
        const again = await review(t, tok);
        expect(again.authenticated).toBe(false);
        expect(again.error).toMatch(/UID \([0-9a-f-]+\) does not match/);
      },
    );
  });

  it('revokes one token by jti, at once, everywhere', async () => {
    await serviceAccount(t, 'dev', 'rev');
    const tok = await token(t, 'dev', 'rev');
    const keep = await token(t, 'dev', 'rev');
    expect((await whoami(other, tok)).status).toBe(200);
    const data = await t.ok(
      'mutation ($jti: String!) { revokeServiceAccountToken(jti: $jti) { metadata { resourceVersion ' +
        '} status { revoked revokedBy } } }',
      {
        jti: decode(tok).payload.jti,
      },
    );
    expect(data.revokeServiceAccountToken.status).toEqual({ revoked: true, revokedBy: 'keyway:admin' });
    expect((await whoami(t, tok)).status).toBe(401);
    await heard(other, data.revokeServiceAccountToken.metadata.resourceVersion);
    expect((await whoami(other, tok)).status).toBe(401);
    expect((await review(other, tok)).error).toBe('[invalid bearer token, service account token has been revoked]');
    expect((await whoami(other, keep)).status).toBe(200);
  });

  it('revokes every token an account was issued so far, and none issued after', async () => {
    await serviceAccount(t, 'dev', 'revall');
    const before = [await token(t, 'dev', 'revall'), await token(t, 'dev', 'revall', { audiences: ['x'] })];
    expect((await whoami(other, before[0])).status).toBe(200);
    const data = await t.ok('mutation { revokeServiceAccountTokens(namespace: "dev", name: "revall") { revoked } }');
    expect(data.revokeServiceAccountTokens.revoked).toBe(2);
    await heard(other, String(await t.app.store.read.head()));
    expect((await whoami(other, before[0])).status).toBe(401);
    expect((await review(t, before[1], ['x'])).authenticated).toBe(false);
    const after = await token(t, 'dev', 'revall');
    expect((await whoami(other, after)).status).toBe(200);
    const again = await t.ok('mutation { revokeServiceAccountTokens(namespace: "dev", name: "revall") { revoked } }');
    expect(again.revokeServiceAccountTokens.revoked).toBe(1);
  });

  it('answers NOT_FOUND for revoking a jti it never issued', async () => {
    const res = await t.gql(
      'mutation { revokeServiceAccountToken(jti: "00000000-0000-4000-8000-000000000000") { id } }',
    );
    expect(res.errors?.[0].extensions.code).toBe('NOT_FOUND');
  });
});

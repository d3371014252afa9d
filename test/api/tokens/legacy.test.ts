/**
 * Legacy Secret-based tokens: a user-created Secret of type service-account-token is filled in
 * by the tokens controller; its token never expires, holds only while that Secret holds it,
 * records its last use, and is refused once marked invalid. Nothing is created automatically.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestApp, type TestApp } from '../../helpers/app.js';
import { ENGINES } from '../../helpers/engines.js';
import { decode, review, whoami } from '../../helpers/tokens.js';
import { namespace, serviceAccount } from '../../helpers/fixtures.js';

const SECRET =
  `query ($n: String!) { secret(namespace: "dev", name: $n) { type data metadata { labels annotations ` + `} } }`;
const CREATE_SECRET = `mutation ($i: SecretInput!) { createSecret(namespace: "dev", input: $i) { metadata { uid } } }`;
const UPDATE_SECRET = `mutation ($i: SecretInput!) { updateSecret(namespace: "dev", input: $i) { metadata { uid } } }`;

function createToken(t: TestApp, name: string, account: string) {
  return t.ok(CREATE_SECRET, {
    i: {
      metadata: { name, annotations: { 'kubernetes.io/service-account.name': account } },
      type: 'kubernetes.io/service-account-token',
    },
  });
}

describe.each(ENGINES)('legacy token Secrets (%s)', (engine) => {
  let t: TestApp;
  let uid: string;
  beforeAll(async () => {
    t = await startTestApp(engine, { rootCAFile: undefined });
    await namespace(t, 'dev');
    uid = await serviceAccount(t, 'dev', 'old');
  });
  afterAll(() => t.close());

  const filled = (name: string) =>
    eventually(async () => {
      const s = (await t.ok(SECRET, { n: name })).secret;
      expect(s.data.token).toBeTruthy();
      return s;
    });
  const tokenOf = (s: any) => Buffer.from(s.data.token, 'base64').toString();

  it('creates no token Secret for a new ServiceAccount', async () => {
    await t.app.idle();
    const data = await t.ok(
      '{ secrets(namespace: "dev") { totalCount } serviceAccount(namespace: "dev", name: "old") { secrets { name } } }',
    );
    expect(data.secrets.totalCount).toBe(0);
    expect(data.serviceAccount.secrets).toEqual([]);
  });

  it('fills a token Secret: token, namespace, ca.crt and the uid annotation', async () => {
    await createToken(t, 'old-token', 'old');
    const s = await filled('old-token');
    expect(Object.keys(s.data).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Buffer.from(s.data.namespace, 'base64').toString()).toBe('dev');
    expect(s.metadata.annotations['kubernetes.io/service-account.uid']).toBe(uid);
    const { header, payload } = decode(tokenOf(s));
    expect(header).toEqual({ alg: 'ES256', kid: t.app.keys.active().kid });
    expect(payload).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': 'dev',
      'kubernetes.io/serviceaccount/secret.name': 'old-token',
      'kubernetes.io/serviceaccount/service-account.name': 'old',
      'kubernetes.io/serviceaccount/service-account.uid': uid,
      sub: 'system:serviceaccount:dev:old',
    });
  });

  it('authenticates as the ServiceAccount, never expiring, and records the day it was used', async () => {
    const tok = tokenOf(await filled('old-token'));
    const me = await whoami(t, tok);
    expect(me.user).toEqual({
      username: 'system:serviceaccount:dev:old',
      uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:dev', 'system:authenticated'],
      extra: {},
    });
    expect(await review(t, tok)).toMatchObject({ authenticated: true, audiences: ['http://localhost:4000'] });
    const today = new Date().toISOString().slice(0, 10);
    await eventually(async () => {
      const s = (await t.ok(SECRET, { n: 'old-token' })).secret;
      expect(s.metadata.labels['kubernetes.io/legacy-token-last-used']).toBe(today);
    });
  });

  it('is valid for the API audiences only', async () => {
    const tok = tokenOf(await filled('old-token'));
    expect((await review(t, tok, ['vault'])).authenticated).toBe(false);
  });

  it('is refused once marked invalid, with Kubernetes’ message', async () => {
    await createToken(t, 'marked', 'old');
    const tok = tokenOf(await filled('marked'));
    expect((await whoami(t, tok)).status).toBe(200);
    await t.ok(UPDATE_SECRET, {
      i: { metadata: { name: 'marked', labels: { 'kubernetes.io/legacy-token-invalid-since': '2026-01-01' } } },
    });
    expect((await whoami(t, tok)).status).toBe(401);
    expect((await review(t, tok)).error).toBe(
      '[invalid bearer token, the token in secret dev/marked for service account dev/old has been ' +
        'marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, ' +
        "or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily " +
        'allow use of this token]',
    );
  });

  it('holds only while the Secret holds exactly this token', async () => {
    await createToken(t, 'swapped', 'old');
    const tok = tokenOf(await filled('swapped'));
    expect((await whoami(t, tok)).status).toBe(200);
    await t.ok(
      'mutation ($d: StringMap) { updateSecret(namespace: "dev", input: { metadata: { name: "swapped" ' +
        '}, stringData: $d }) { id } }',
      {
        d: { token: `${tok}x` },
      },
    );
    expect((await review(t, tok)).error).toBe("[invalid bearer token, Token does not match server's copy]");
    await t.ok('mutation { deleteSecret(namespace: "dev", name: "swapped") { id } }');
    expect((await review(t, tok)).error).toBe('[invalid bearer token, Token has been invalidated]');
  });

  it('deletes a token Secret whose ServiceAccount does not exist', async () => {
    await createToken(t, 'orphan', 'nobody');
    await eventually(async () => {
      expect((await t.gql(SECRET, { n: 'orphan' })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  it('deletes an account’s token Secrets with it, and its tokens stop', async () => {
    await serviceAccount(t, 'dev', 'doomed');
    await createToken(t, 'doomed-1', 'doomed');
    await createToken(t, 'doomed-2', 'doomed');
    const tok = tokenOf(await filled('doomed-1'));
    await filled('doomed-2');
    await t.ok('mutation { deleteServiceAccount(namespace: "dev", name: "doomed") { id } }');
    expect((await whoami(t, tok)).status).toBe(401);
    await eventually(async () => {
      for (const n of ['doomed-1', 'doomed-2'])
        expect((await t.gql(SECRET, { n })).errors?.[0].extensions.code).toBe('NOT_FOUND');
    });
  });

  it('removes a deleted token Secret from the account’s secrets', async () => {
    await serviceAccount(t, 'dev', 'listed');
    await createToken(t, 'listed-token', 'listed');
    await filled('listed-token');
    await t.ok(
      'mutation { updateServiceAccount(namespace: "dev", input: { metadata: { name: "listed" }, secrets: ' +
        '[{ name: "listed-token" }, { name: "other" }] }) { id } }',
    );
    await t.ok('mutation { deleteSecret(namespace: "dev", name: "listed-token") { id } }');
    await eventually(async () => {
      const data = await t.ok('{ serviceAccount(namespace: "dev", name: "listed") { secrets { name } } }');
      expect(data.serviceAccount.secrets).toEqual([{ name: 'other' }]);
    });
  });
});

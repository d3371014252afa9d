/**
 * The `keyway` command-line client, the real binary (`dist/cli/keyway.js`, what `npx keyway`
 * runs), against a Keyway process started here: kubectl's verbs, output and exit codes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { gqlOver, type KeywayProcess, ROOT, startKeyway } from '../helpers/process.js';

const TOKEN = `cli-${randomBytes(12).toString('hex')}`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

describe('keyway (the CLI)', () => {
  let server: KeywayProcess;
  let dir: string;

  const keyway = (args: string[], options: { token?: string; stdin?: string; url?: string } = {}): Promise<Ran> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [join(ROOT, 'dist/cli/keyway.js'), ...args], {
        env: {
          ...process.env,
          KEYWAY_URL: options.url ?? `http://127.0.0.1:${server.port}`,
          KEYWAY_TOKEN: options.token ?? TOKEN,
        },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (b) => (stdout += b));
      child.stderr.on('data', (b) => (stderr += b));
      child.stdin.end(options.stdin ?? '');
      child.once('exit', (code) => resolve({ code, stdout, stderr }));
    });

  beforeAll(async () => {
    server = await startKeyway({ DATABASE_URL: 'memory://', KEYWAY_ADMIN_TOKEN: TOKEN }, true);
    dir = await mkdtemp(join(tmpdir(), 'keyway-cli-'));
    await writeFile(join(dir, 'a-namespace.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: cli\n');
    await writeFile(
      join(dir, 'b-accounts.yaml'),
      `apiVersion: v1
kind: ServiceAccount
metadata: { name: builder, namespace: cli, labels: { team: ci } }
---
apiVersion: v1
kind: Secret
metadata: { name: creds, namespace: cli }
stringData: { password: hunter2 }
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: { name: pod-reader, namespace: cli }
rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] }]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: { name: builder-reads-pods, namespace: cli }
roleRef: { apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader }
subjects: [{ kind: ServiceAccount, name: builder, namespace: cli }]
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: cli }
`,
    );
  }, 60_000);
  afterAll(() => server.stop());

  it('applies a directory as kubectl does, then again unchanged, and dry-runs', async () => {
    const refused = await keyway(['apply', '-f', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('apps/v1 Deployment is not a kind Keyway serves');
    const dry = await keyway(['apply', '-f', dir, '--skip-unsupported', '--dry-run']);
    expect(dry.stdout).toContain('serviceaccount/builder created (server dry run)');
    const onServer = await keyway(['apply', '-f', dir, '--skip-unsupported', '--dry-run=server']);
    expect(onServer.stdout).toBe(dry.stdout);
    const client = await keyway(['apply', '-f', dir, '--skip-unsupported', '--dry-run=client']);
    expect(client).toMatchObject({ code: 1, stdout: '' });
    expect(client.stderr).toContain('only "server"');
    const first = await keyway(['apply', '-f', dir, '--skip-unsupported']);
    expect(first.code).toBe(0);
    expect(first.stdout.split('\n')).toEqual([
      'namespace/cli created',
      'serviceaccount/builder created',
      'secret/creds created',
      'role.rbac.authorization.k8s.io/pod-reader created',
      'rolebinding.rbac.authorization.k8s.io/builder-reads-pods created',
      'deployment/web skipped',
      '',
    ]);
    const again = await keyway(['apply', '-f', dir, '--skip-unsupported']);
    expect(again.stdout).toContain('serviceaccount/builder unchanged');
    expect(again.stdout).not.toContain('created');
    // --explain: what a dry run would change in who may do what
    const explained = await keyway(['apply', '-f', '-', '--dry-run', '--explain'], {
      stdin:
        'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: { name: cli-admin }\n' +
        'roleRef: { apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin }\n' +
        'subjects: [{ kind: User, apiGroup: rbac.authorization.k8s.io, name: mallory }]\n',
    });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain(
      'clusterrolebinding.rbac.authorization.k8s.io/cli-admin created (server dry run)\n',
    );
    expect(explained.stdout).toContain('  + User mallory cluster-wide: * *.*');
    expect(explained.stdout).toMatch(
      / {2}! CRITICAL CLUSTER_ADMIN_BINDING: ClusterRoleBinding "cli-admin" grants cluster-admin/,
    );
    expect((await keyway(['apply', '-f', dir, '--explain'])).stderr).toContain('--explain needs --dry-run');
    // one file, with the server and token given as flags rather than in the environment
    const one = await keyway(
      ['--server', `http://127.0.0.1:${server.port}`, '--token', TOKEN, 'apply', '-f', join(dir, 'a-namespace.yaml')],
      { token: 'not-this-one', url: 'http://127.0.0.1:9' },
    );
    expect(one).toEqual({ code: 0, stdout: 'namespace/cli unchanged\n', stderr: '' });
  });

  it('gets objects as a table, json, yaml or names; an unknown one is an error on stderr', async () => {
    const listed = await keyway(['get', 'sa', '-n', 'cli']);
    expect(listed.code).toBe(0);
    const [header, ...rows] = listed.stdout.trim().split('\n');
    expect(header.split(/\s+/)).toEqual(['NAME', 'AGE']);
    expect(rows.map((r) => r.split(/\s+/)[0]).sort()).toEqual(['builder', 'default']);
    const one = JSON.parse((await keyway(['get', 'serviceaccount', 'builder', '-n', 'cli', '-o', 'json'])).stdout);
    expect(one).toMatchObject({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: 'builder', labels: { team: 'ci' } },
    });
    const selected = await keyway(['get', 'sa', '-n', 'cli', '-l', 'team=ci', '-o', 'name']);
    expect(selected.stdout).toBe('serviceaccount/builder\n');
    const yaml = parse((await keyway(['get', 'secrets', '-n', 'cli', '-o', 'yaml'])).stdout);
    expect(yaml.kind).toBe('List');
    expect(yaml.items.map((s: { metadata: { name: string } }) => s.metadata.name)).toContain('creds');
    const secrets = await keyway(['get', 'secrets', '-n', 'cli']);
    expect(secrets.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'TYPE', 'AGE']);
    // listing Secrets takes list only, as kubectl's
    await gqlOver(
      server.port,
      TOKEN,
      'mutation { createRole(namespace: "cli", input: { metadata: { name: "lister" }, rules: [{ verbs: ["list"], ' +
        'apiGroups: [""], resources: ["secrets"] }] }) { id } createRoleBinding(namespace: "cli", input: { ' +
        'metadata: { name: "lister" }, roleRef: { kind: "Role", name: "lister" }, subjects: [{ kind: "User", ' +
        'name: "lister" }] }) { id } }',
    );
    const asLister = await keyway(['--as', 'lister', 'get', 'secrets', '-n', 'cli', '-o', 'name']);
    expect(asLister).toMatchObject({ code: 0, stdout: 'secret/creds\n' });
    const everywhere = await keyway(['get', 'sa', '-A']);
    expect(everywhere.stdout.split('\n')[0].split(/\s+/)).toEqual(['NAMESPACE', 'NAME', 'AGE']);
    const missing = await keyway(['get', 'sa', 'nope', '-n', 'cli']);
    expect(missing).toMatchObject({ code: 1, stdout: '' });
    expect(missing.stderr).toBe('Error from server (NOT_FOUND): serviceaccounts "nope" not found\n');
    const unknown = await keyway(['get', 'widgets']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('the server doesn\'t have a resource type "widgets"');
    // names as kubectl prints them, with the group
    const roles = await keyway(['get', 'roles', '-n', 'cli', '-o', 'name']);
    expect(roles.stdout.split('\n')).toContain('role.rbac.authorization.k8s.io/pod-reader');
    // more than a page: every one, as kubectl's chunked lists
    const many = Array.from(
      { length: 1100 },
      (_, i) => `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: many-${i}, namespace: paged }\n`,
    ).join('---\n');
    await keyway(['apply', '-f', '-'], {
      stdin: `apiVersion: v1\nkind: Namespace\nmetadata: { name: paged }\n---\n${many}`,
    });
    const paged = await keyway(['get', 'sa', '-n', 'paged', '-o', 'name']);
    expect(paged.stdout.trim().split('\n')).toHaveLength(1101);
  });

  it('issues a token and answers auth whoami, can-i and who-can as kubectl does', async () => {
    const minted = await keyway(['create', 'token', 'builder', '-n', 'cli', '--duration', '10m']);
    expect(minted.code).toBe(0);
    const token = minted.stdout.trim();
    expect(token.split('.')).toHaveLength(3);
    // Go durations, and audiences
    const longer = await keyway([
      'create',
      'token',
      'builder',
      '-n',
      'cli',
      '--duration',
      '1h30m',
      '--audience',
      'vault',
      '--audience',
      'ci',
    ]);
    const claims = JSON.parse(Buffer.from(longer.stdout.trim().split('.')[1], 'base64url').toString());
    expect(claims.exp - claims.iat).toBe(5400);
    expect(claims.aud).toEqual(['vault', 'ci']);
    expect((await keyway(['create', 'token', 'builder', '-n', 'cli', '--duration', '1x'])).code).toBe(1);
    const whoami = await keyway(['auth', 'whoami'], { token });
    expect(whoami.stdout).toMatch(/^ATTRIBUTE\s+VALUE\nUsername\s+system:serviceaccount:cli:builder\n/);
    const yes = await keyway(['auth', 'can-i', 'list', 'pods', '-n', 'cli'], { token });
    expect(yes).toMatchObject({ code: 0, stdout: 'yes\n' });
    const no = await keyway(['auth', 'can-i', 'delete', 'pods', '-n', 'cli'], { token });
    expect(no).toMatchObject({ code: 1, stdout: 'no\n' });
    // the admin, acting as the account
    const as = await keyway([
      '--as',
      'system:serviceaccount:cli:builder',
      'auth',
      'can-i',
      'get',
      'secrets',
      '-n',
      'cli',
    ]);
    expect(as).toMatchObject({ code: 1, stdout: 'no\n' });
    const who = await keyway(['auth', 'who-can', 'list', 'pods', '-n', 'cli']);
    expect(who.code).toBe(0);
    expect(who.stdout).toMatch(/cli\/builder\s+ServiceAccount\s+RoleBinding\/cli\/builder-reads-pods/);
  });

  it('exports what apply takes back unchanged, over stdin', async () => {
    const exported = await keyway(['export', '-n', 'cli', '--include-secret-data']);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toContain('name: creds');
    const back = await keyway(['apply', '-f', '-'], { stdin: exported.stdout });
    expect(back.code).toBe(0);
    expect(back.stdout.split('\n').filter((l) => l && !l.endsWith(' unchanged'))).toEqual([]);
  });

  it('prints webhook configuration files with which kube-apiserver reaches Keyway', async () => {
    const minted = await keyway(['create', 'token', 'builder', '-n', 'cli', '--duration', '1h']);
    const token = minted.stdout.trim();
    // the account may not create reviews yet: the files are printed, with a warning
    const warned = await keyway(['webhook-config', '--webhook-token', token]);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('may not create tokenreviews.authentication.k8s.io');
    expect(warned.stderr).toContain('system:auth-delegator');
    const [authn, authz] = warned.stdout.split('\n---\n').map((doc) => parse(doc));
    expect(authn.clusters[0].cluster.server).toBe(
      `http://127.0.0.1:${server.port}/apis/authentication.k8s.io/v1/tokenreviews`,
    );
    expect(authz.clusters[0].cluster.server).toBe(
      `http://127.0.0.1:${server.port}/apis/authorization.k8s.io/v1/subjectaccessreviews`,
    );
    expect(warned.stdout).toContain('--authentication-token-webhook-version=v1');

    await gqlOver(
      server.port,
      TOKEN,
      `mutation { createClusterRoleBinding(input: { metadata: { name: "cli-webhook" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
        subjects: [{ kind: "ServiceAccount", namespace: "cli", name: "builder" }] }) { id } }`,
    );
    const out = join(dir, 'webhooks');
    const written = await keyway(['webhook-config', '--webhook-token', token, '--output-dir', out]);
    expect(written.code).toBe(0);
    expect(written.stderr).not.toContain('may not create');
    const files = {
      authentication: parse(await readFile(join(out, 'authentication-webhook.kubeconfig'), 'utf8')),
      authorization: parse(await readFile(join(out, 'authorization-webhook.kubeconfig'), 'utf8')),
    };
    expect((await stat(join(out, 'authentication-webhook.kubeconfig'))).mode & 0o777).toBe(0o600);

    // kube-apiserver's part: POST the review to the cluster's server with the user's token
    const call = (config: Record<string, any>, body: object) =>
      fetch(config.clusters[0].cluster.server, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${config.users[0].user.token}` },
        body: JSON.stringify(body),
      });
    const reviewed = await call(files.authentication, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenReview',
      spec: { token },
    });
    expect(reviewed.status).toBe(200);
    expect((await reviewed.json()).status).toMatchObject({
      authenticated: true,
      user: { username: 'system:serviceaccount:cli:builder' },
    });
    const decided = await call(files.authorization, {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SubjectAccessReview',
      spec: {
        user: 'system:serviceaccount:cli:builder',
        resourceAttributes: { namespace: 'cli', verb: 'list', resource: 'pods' },
      },
    });
    expect(decided.status).toBe(200);
    expect((await decided.json()).status).toMatchObject({ allowed: true });

    const beta = await keyway(['webhook-config', 'authorization', '--webhook-version', 'v1beta1']);
    expect(parse(beta.stdout).clusters[0].cluster.server).toContain(
      '/apis/authorization.k8s.io/v1beta1/subjectaccessreviews',
    );
    const unknown = await keyway(['webhook-config', 'admission']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('unknown webhook "admission"');
  });

  it('deletes, and watches changes as they happen', async () => {
    const watcher = spawn(process.execPath, [join(ROOT, 'dist/cli/keyway.js'), 'watch', 'sa', '-n', 'cli'], {
      env: { ...process.env, KEYWAY_URL: `http://127.0.0.1:${server.port}`, KEYWAY_TOKEN: TOKEN },
    });
    let seen = '';
    watcher.stdout.on('data', (b) => (seen += b));
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await gqlOver(
        server.port,
        TOKEN,
        'mutation { createServiceAccount(namespace: "cli", input: { metadata: { name: "watched" } }) { id } }',
      );
      const deleted = await keyway(['delete', 'sa', 'watched', '-n', 'cli']);
      expect(deleted).toMatchObject({ code: 0, stdout: 'serviceaccount "watched" deleted\n' });
      const deadline = Date.now() + 5000;
      while (!seen.includes('DELETED') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(seen).toContain('ADDED serviceaccount/cli/watched\n');
      expect(seen).toContain('DELETED serviceaccount/cli/watched\n');
    } finally {
      watcher.kill();
    }
  });
});

#!/usr/bin/env node
/**
 * `keyway`: a kubectl-like client that speaks only Keyway's GraphQL API. The server and token
 * come from `--server`/`--token` or `KEYWAY_URL`/`KEYWAY_TOKEN`. As kubectl: a table by
 * default, errors on stderr, exit 0 on success and 1 on error (`auth can-i`: yes 0, no 1).
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { KINDS } from '../apis/kinds.js';
import { WEBHOOKS, type WebhookConfigOptions, type WebhookKind, webhookKubeconfig } from './webhookConfig.js';

/** kubectl's short names for the kinds that have one. */
const SHORT_NAMES: Record<string, string> = { Namespace: 'ns', ServiceAccount: 'sa', Pod: 'po' };

/** What kubectl calls each kind (plural, singular, short name), from the kinds table. */
const RESOURCES = Object.values(KINDS).map((k) => ({
  kind: k.kind,
  namespaced: k.namespaced,
  names: [k.resource, k.kind.toLowerCase(), ...(SHORT_NAMES[k.kind] ? [SHORT_NAMES[k.kind]] : [])],
}));

class CliError extends Error {}

// biome-ignore lint/suspicious/noExplicitAny: the server's answers are JSON, read field by field as kubectl reads them
type Json = Record<string, any>;

function resourceOf(name: string) {
  const found = RESOURCES.find((r) => r.names.includes(name.toLowerCase()));
  if (!found) throw new CliError(`the server doesn't have a resource type "${name}"`);
  const one = found.kind[0].toLowerCase() + found.kind.slice(1);
  return { ...found, one, many: `${one}s`, singular: qualifiedKind(found.kind) };
}

/** How kubectl names an object's kind in `-o name` and apply's lines: `role.rbac.authorization.k8s.io`, `pod`. */
function qualifiedKind(kind: string): string {
  const info = Object.values(KINDS).find((k) => k.kind === kind);
  return info?.apiGroup ? `${kind.toLowerCase()}.${info.apiGroup}` : kind.toLowerCase();
}

interface Connection {
  server: string;
  token?: string;
  as?: string;
  asGroups?: string[];
}

function connection(cmd: Command): Connection {
  const o = cmd.optsWithGlobals<{ server?: string; token?: string; as?: string; asGroup?: string[] }>();
  return {
    server: (o.server ?? process.env.KEYWAY_URL ?? 'http://127.0.0.1:4000').replace(/\/$/, ''),
    token: o.token ?? process.env.KEYWAY_TOKEN,
    as: o.as,
    asGroups: o.asGroup,
  };
}

function headersOf(c: Connection, accept = 'application/json'): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept };
  if (c.token) headers.authorization = `Bearer ${c.token}`;
  if (c.as) headers['impersonate-user'] = c.as;
  if (c.asGroups?.length) headers['impersonate-group'] = c.asGroups.join(', ');
  return headers;
}

/** One GraphQL request; its first error becomes a CliError (kubectl's `Error from server`). */
async function gql<T = Json>(c: Connection, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${c.server}/graphql`, {
      method: 'POST',
      headers: headersOf(c),
      body: JSON.stringify({ query, variables }),
    });
  } catch (err) {
    throw new CliError(`cannot reach ${c.server}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  const body = (await res.json().catch(() => null)) as {
    data?: T;
    errors?: { message: string; extensions?: { code?: string } }[];
  } | null;
  if (!body) throw new CliError(`the server answered HTTP ${res.status}`);
  if (body.errors?.length) {
    const [e] = body.errors;
    throw new CliError(`Error from server (${e.extensions?.code ?? res.status}): ${e.message}`);
  }
  return body.data as T;
}

function age(timestamp: string | undefined): string {
  if (!timestamp) return '<unknown>';
  const s = Math.max(0, Math.floor((Date.now() - Date.parse(timestamp)) / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.floor(s / 60)}m`;
  if (s < 48 * 3600) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** Columns aligned as kubectl's printer aligns them (three spaces between). */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return `${rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] + 3)))
        .join('')
        .trimEnd(),
    )
    .join('\n')}\n`;
}

function columns(kind: string, obj: Json): [string, string][] {
  if (kind === 'Secret') return [['TYPE', obj.type ?? '']];
  if (kind === 'Pod') return [['STATUS', obj.status?.phase ?? 'Pending']];
  if (kind === 'Namespace') return [['STATUS', obj.status?.phase ?? 'Active']];
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding')
    return [['ROLE', `${obj.roleRef?.kind}/${obj.roleRef?.name}`]];
  return [];
}

function print(
  kind: string,
  singular: string,
  items: Json[],
  output: string | undefined,
  withNamespace: boolean,
  single: boolean,
) {
  if (output === 'json' || output === 'yaml') {
    const value = single ? items[0] : { apiVersion: 'v1', kind: 'List', items };
    process.stdout.write(output === 'json' ? `${JSON.stringify(value, null, 4)}\n` : stringify(value));
    return;
  }
  if (output === 'name') {
    for (const item of items) process.stdout.write(`${singular}/${item.metadata.name}\n`);
    return;
  }
  if (output) throw new CliError(`unable to match a printer suitable for the output format "${output}"`);
  if (items.length === 0) {
    process.stderr.write('No resources found\n');
    return;
  }
  const extra = columns(kind, items[0]).map(([h]) => h);
  const rows = [[...(withNamespace ? ['NAMESPACE'] : []), 'NAME', ...extra, 'AGE']];
  for (const item of items) {
    rows.push([
      ...(withNamespace ? [item.metadata.namespace ?? ''] : []),
      item.metadata.name,
      ...columns(kind, item).map(([, v]) => v),
      age(item.metadata.creationTimestamp),
    ]);
  }
  process.stdout.write(table(rows));
}

/** The manifests of `-f`: a file, every .yaml/.yml/.json of a directory (in name order), or stdin. */
function readManifests(path: string): string {
  if (path === '-') return readFileSync(0, 'utf8');
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new CliError(`the path "${path}" does not exist`);
  }
  if (!stat.isDirectory()) return readFileSync(path, 'utf8');
  return readdirSync(path)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort()
    .map((f) => readFileSync(join(path, f), 'utf8'))
    .join('\n---\n');
}

/** `pods`, `pods/log`, `deployments.apps`: resource, subresource and group as kubectl reads them. */
function resourceArg(text: string): { resource: string; subresource?: string; group: string } {
  const [main, subresource] = text.split('/');
  const dot = main.indexOf('.');
  const resource = dot < 0 ? main : main.slice(0, dot);
  const group = dot < 0 ? '' : main.slice(dot + 1);
  const known = RESOURCES.find((r) => r.names.includes(resource));
  return { resource: known ? known.names[0] : resource, subresource, group };
}

/** A Go duration as kubectl takes one (`1h30m`, `90s`, `2h`); a bare number is seconds. */
function durationSeconds(text: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  const parts = [...text.matchAll(/(\d+)(h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) {
    throw new CliError(`invalid duration "${text}" (use 600s, 10m, 1h or 1h30m)`);
  }
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * units[unit], 0);
}

/** kubectl's `--dry-run[=server|client|none]`: Keyway's dry run is the server's; `client` is refused. */
function dryRun(value: string | boolean | undefined): boolean {
  if (value === undefined || value === 'none') return false;
  if (value === true || value === 'server') return true;
  throw new CliError(`--dry-run=${value}: only "server" (or "none") is supported; Keyway dry-runs on the server`);
}

const program = new Command('keyway')
  .description("Keyway's command-line client (kubectl's verbs over Keyway's GraphQL API)")
  .addOption(new Option('--server <url>', 'Keyway URL (default $KEYWAY_URL, else http://127.0.0.1:4000)'))
  .addOption(new Option('--token <token>', 'bearer token (default $KEYWAY_TOKEN)'))
  .option('--as <user>', 'act as this user (impersonation)')
  .option('--as-group <group...>', 'act as this group too (impersonation)')
  .showHelpAfterError()
  .exitOverride();

program
  .command('apply')
  .description('create or update objects from manifests (YAML or JSON)')
  .requiredOption('-f, --filename <path>', 'a file, a directory, or - for stdin')
  .option('-n, --namespace <ns>', 'for objects that name none')
  .option('--dry-run [strategy]', 'server (or none): validate, admit and authorize; change nothing')
  .option('--skip-unsupported', 'skip kinds Keyway does not serve instead of failing')
  .option('--explain', 'with --dry-run: who would gain or lose what, and the risky grants introduced or resolved')
  .action(async (o, cmd: Command) => {
    const dry = dryRun(o.dryRun);
    if (o.explain && !dry) throw new CliError('--explain needs --dry-run');
    const change = (field: string) =>
      `${field} { subject { kind name namespace } namespace ` +
      'rules { verbs apiGroups resources resourceNames nonResourceURLs } }';
    const explain = o.explain
      ? ` accessChange { ${change('gained')} ${change('lost')} findingsIntroduced { severity code message } ` +
        'findingsResolved { severity code message } }'
      : '';
    const data = await gql(
      connection(cmd),
      `mutation ($m: String!, $dry: Boolean, $ns: String, $skip: Boolean) {
        apply(manifests: $m, dryRun: $dry, namespace: $ns, skipUnsupported: $skip) { kind name action${explain} } }`,
      { m: readManifests(o.filename), dry, ns: o.namespace, skip: !!o.skipUnsupported },
    );
    for (const r of data.apply as { kind: string; name: string; action: string; accessChange?: Json | null }[]) {
      process.stdout.write(
        `${qualifiedKind(r.kind)}/${r.name} ${r.action.toLowerCase()}${dry ? ' (server dry run)' : ''}\n`,
      );
      if (r.accessChange) process.stdout.write(explainChange(r.accessChange));
    }
  });

/** An access change as indented lines: `+` gained, `-` lost, `!` a finding introduced, `~` one resolved. */
function explainChange(a: Json): string {
  const who = (s: Json) => `${s.kind} ${s.namespace ? `${s.namespace}/` : ''}${s.name}`;
  const resources = (r: Json) =>
    r.resources.map((x: string) => (r.apiGroups[0] ? `${x}.${r.apiGroups.join('|')}` : x)).join(',');
  const rule = (r: Json) =>
    r.nonResourceURLs.length
      ? `${r.verbs.join(',')} ${r.nonResourceURLs.join(',')}`
      : `${r.verbs.join(',')} ${resources(r)}${r.resourceNames.length ? ` [${r.resourceNames.join(',')}]` : ''}`;
  const lines: string[] = [];
  for (const [sign, changes] of [
    ['+', a.gained],
    ['-', a.lost],
  ] as const) {
    for (const c of changes as Json[]) {
      const where = c.namespace ? `in ${c.namespace}` : 'cluster-wide';
      for (const r of c.rules) lines.push(`  ${sign} ${who(c.subject)} ${where}: ${rule(r)}`);
    }
  }
  for (const f of a.findingsIntroduced as Json[]) lines.push(`  ! ${f.severity} ${f.code}: ${f.message}`);
  for (const f of a.findingsResolved as Json[]) lines.push(`  ~ resolved ${f.code}: ${f.message}`);
  return lines.map((l) => `${l}\n`).join('');
}

program
  .command('get')
  .description('list objects of a kind, or show one')
  .argument('<kind>', 'pods, serviceaccounts (sa), secrets, roles, clusterroles, rolebindings, …')
  .argument('[name]')
  .option('-n, --namespace <ns>', 'namespace (default: default)')
  .option('-A, --all-namespaces', 'every namespace')
  .option('-l, --selector <selector>', 'label selector (app=web,tier!=db)')
  .option('-o, --output <format>', 'json, yaml or name (default: a table)')
  .action(async (kindArg: string, name: string | undefined, o, cmd: Command) => {
    const r = resourceOf(kindArg);
    const c = connection(cmd);
    const namespace = r.namespaced && !o.allNamespaces ? (o.namespace ?? 'default') : undefined;
    const nsParam = r.namespaced ? '$ns: String, ' : '';
    const nsArg = r.namespaced ? 'namespace: $ns, ' : '';
    if (name) {
      const oneParam = r.namespaced ? '$ns: String!, ' : '';
      const data = await gql(c, `query (${oneParam}$n: String!) { ${r.one}(${nsArg}name: $n) { json } }`, {
        ns: o.namespace ?? 'default',
        n: name,
      });
      print(r.kind, r.singular, [data[r.one].json], o.output, false, true);
      return;
    }
    // a Secret's whole object holds its data, which needs `get` on each: a table or names need
    // only what `list` gives, as kubectl's
    const lean = r.kind === 'Secret' && (!o.output || o.output === 'name');
    const node = lean ? 'type metadata { name namespace creationTimestamp }' : 'json';
    // every page, as kubectl's chunked lists (500 at a time)
    const items: Json[] = [];
    for (let after: string | null = null; ; ) {
      const data = await gql(
        c,
        `query (${nsParam}$sel: String, $after: String) { ${r.many}(${nsArg}labelSelector: $sel, first: 500, ` +
          `after: $after) { edges { node { ${node} } } pageInfo { hasNextPage endCursor } } }`,
        { ns: namespace, sel: o.selector, after },
      );
      const page = data[r.many] as { edges: { node: Json }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
      items.push(...page.edges.map((e) => (lean ? e.node : e.node.json)));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    print(r.kind, r.singular, items, o.output, r.namespaced && namespace === undefined, false);
  });

program
  .command('delete')
  .description('delete an object')
  .argument('<kind>')
  .argument('<name>')
  .option('-n, --namespace <ns>', 'namespace (default: default)')
  .action(async (kindArg: string, name: string, o, cmd: Command) => {
    const r = resourceOf(kindArg);
    if (r.kind === 'IssuedToken') throw new CliError('issued tokens are revoked, not deleted');
    const nsParam = r.namespaced ? '$ns: String!, ' : '';
    const nsArg = r.namespaced ? 'namespace: $ns, ' : '';
    await gql(connection(cmd), `mutation (${nsParam}$n: String!) { delete${r.kind}(${nsArg}name: $n) { id } }`, {
      ns: o.namespace ?? 'default',
      n: name,
    });
    process.stdout.write(`${r.singular} "${name}" deleted\n`);
  });

program
  .command('export')
  .description('write objects as manifests that apply takes back unchanged')
  .option('-n, --namespace <ns>', 'only this namespace')
  .option('--kinds <kinds>', 'comma-separated kinds (default: all)')
  .option('--include-secret-data', 'include Secret values (needs get on each Secret)')
  .action(async (o, cmd: Command) => {
    const kinds = o.kinds ? (o.kinds as string).split(',').map((k) => resourceOf(k.trim()).kind) : undefined;
    const data = await gql(
      connection(cmd),
      'query ($ns: String, $kinds: [ObjectKind!], $data: Boolean) ' +
        '{ export(namespace: $ns, kinds: $kinds, includeSecretData: $data) }',
      { ns: o.namespace, kinds, data: !!o.includeSecretData },
    );
    process.stdout.write(data.export);
  });

const create = program.command('create').description('create a token');
create
  .command('token')
  .description('request a ServiceAccount token (TokenRequest) and print it')
  .argument('<serviceaccount>')
  .option('-n, --namespace <ns>', 'namespace (default: default)')
  .option('--audience <audience...>', 'an audience of the token (repeatable)')
  .option('--duration <duration>', 'requested lifetime (600s, 10m, 1h)')
  .option('--bound-object-kind <kind>', 'Pod or Secret the token is bound to')
  .option('--bound-object-name <name>')
  .option('--bound-object-uid <uid>')
  .action(async (sa: string, o, cmd: Command) => {
    const input: Json = {};
    if (o.audience) input.audiences = o.audience;
    if (o.duration) input.expirationSeconds = durationSeconds(o.duration);
    if (o.boundObjectKind) {
      input.boundObjectRef = { kind: o.boundObjectKind, name: o.boundObjectName, uid: o.boundObjectUid };
    }
    const data = await gql(
      connection(cmd),
      'mutation ($ns: String!, $n: String!, $i: TokenRequestInput) ' +
        '{ createServiceAccountToken(namespace: $ns, name: $n, input: $i) { token } }',
      { ns: o.namespace ?? 'default', n: sa, i: input },
    );
    process.stdout.write(`${data.createServiceAccountToken.token}\n`);
  });

const auth = program.command('auth').description('inspect authorization');
auth
  .command('can-i')
  .description('whether you (or --as) may do something: prints yes or no, exits 0 or 1')
  .argument('<verb>')
  .argument('<resource>', 'pods, pods/log, deployments.apps, …')
  .argument('[name]')
  .option('-n, --namespace <ns>', 'namespace (default: default)')
  .action(async (verb: string, resource: string, name: string | undefined, o, cmd: Command) => {
    const { resource: res, subresource, group } = resourceArg(resource);
    const cluster = RESOURCES.some((r) => r.names[0] === res && !r.namespaced);
    const data = await gql(
      connection(cmd),
      'query ($i: SelfSubjectAccessReviewInput!) { selfSubjectAccessReview(input: $i) { allowed } }',
      {
        i: {
          resourceAttributes: {
            verb,
            resource: res,
            subresource,
            group,
            name,
            namespace: cluster ? '' : (o.namespace ?? 'default'),
          },
        },
      },
    );
    const allowed = data.selfSubjectAccessReview.allowed as boolean;
    process.stdout.write(allowed ? 'yes\n' : 'no\n');
    process.exitCode = allowed ? 0 : 1;
  });

auth
  .command('whoami')
  .description('who the server takes you for')
  .option('-o, --output <format>', 'json or yaml (default: a table)')
  .action(async (o, cmd: Command) => {
    const data = await gql(connection(cmd), '{ whoami { username uid groups extra } }');
    const u = data.whoami as { username: string; uid: string; groups: string[]; extra: Record<string, string[]> };
    if (o.output === 'json') process.stdout.write(`${JSON.stringify(u, null, 4)}\n`);
    else if (o.output === 'yaml') process.stdout.write(stringify(u));
    else {
      const rows = [
        ['ATTRIBUTE', 'VALUE'],
        ['Username', u.username],
      ];
      if (u.uid) rows.push(['UID', u.uid]);
      rows.push(['Groups', `[${u.groups.join(' ')}]`]);
      for (const [k, v] of Object.entries(u.extra)) rows.push([`Extra: ${k}`, `[${v.join(' ')}]`]);
      process.stdout.write(table(rows));
    }
  });

auth
  .command('who-can')
  .description('who may do something, and through which bindings')
  .argument('<verb>')
  .argument('<resource>')
  .argument('[name]')
  .option('-n, --namespace <ns>', 'namespace (default: every namespace)')
  .action(async (verb: string, resource: string, name: string | undefined, o, cmd: Command) => {
    const { resource: res, subresource, group } = resourceArg(resource);
    const data = await gql(
      connection(cmd),
      `query ($v: String!, $r: String!, $g: String, $ns: String, $n: String) {
        whoCan(verb: $v, resource: $r, apiGroup: $g, namespace: $ns, name: $n) {
          subject { kind name namespace } bindings { kind name namespace } } }`,
      { v: verb, r: subresource ? `${res}/${subresource}` : res, g: group, ns: o.namespace, n: name },
    );
    const rows = [['SUBJECT', 'KIND', 'BINDINGS']];
    for (const e of data.whoCan as { subject: Json; bindings: Json[] }[]) {
      const subject = e.subject.namespace ? `${e.subject.namespace}/${e.subject.name}` : e.subject.name;
      const bindings = e.bindings.map((b) => `${b.kind}/${b.namespace ? `${b.namespace}/` : ''}${b.name}`).join(',');
      rows.push([subject, e.subject.kind, bindings || '(system:masters)']);
    }
    process.stdout.write(table(rows));
  });

program
  .command('watch')
  .description('print each change to objects of a kind as it happens (Ctrl-C ends it)')
  .argument('<kind>')
  .option('-n, --namespace <ns>', 'namespace (default: every namespace)')
  .option('-l, --selector <selector>', 'label selector')
  .action(async (kindArg: string, o, cmd: Command) => {
    const r = resourceOf(kindArg);
    const c = connection(cmd);
    const res = await fetch(`${c.server}/graphql`, {
      method: 'POST',
      headers: headersOf(c, 'text/event-stream'),
      body: JSON.stringify({
        query: `subscription ($ns: String, $sel: String) { watch(kind: ${r.kind}, namespace: $ns, labelSelector: $sel) {
          type object { ... on ${r.kind} { metadata { name namespace } } } } }`,
        variables: { ns: o.namespace, sel: o.selector },
      }),
    }).catch((err: Error) => {
      throw new CliError(`cannot reach ${c.server}: ${err.cause ?? err.message}`);
    });
    if (!res.ok || !res.body) throw new CliError(`the server answered HTTP ${res.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = frame
          .split('\n')
          .filter((l) => l.startsWith('data:'))
          .map((l) => l.slice(5).trim())
          .join('');
        if (!data) continue;
        const message = JSON.parse(data) as { data?: { watch: Json }; errors?: { message: string }[] };
        if (message.errors?.length) throw new CliError(`Error from server: ${message.errors[0].message}`);
        const event = message.data?.watch;
        if (!event || event.type === 'BOOKMARK' || !event.object) continue;
        const meta = event.object.metadata;
        const at = meta.namespace ? `${meta.namespace}/` : '';
        process.stdout.write(`${event.type} ${r.singular}/${at}${meta.name}\n`);
      }
    }
  });

program
  .command('webhook-config')
  .description("print kube-apiserver's webhook configuration files (kubeconfig format) pointing at this server")
  .argument('[which]', 'authentication or authorization (default: both)')
  .option('--webhook-token <token>', 'the token kube-apiserver presents (default: --token)')
  .addOption(
    new Option('--webhook-version <version>', 'review API version kube-apiserver sends')
      .choices(['v1', 'v1beta1'])
      .default('v1'),
  )
  .option('--certificate-authority <file>', "PEM of the CA that signed Keyway's serving certificate")
  .option('--insecure-skip-tls-verify', "don't verify Keyway's certificate (testing only)")
  .option('--output-dir <dir>', 'write authentication-webhook.kubeconfig and authorization-webhook.kubeconfig there')
  .action(async (which: string | undefined, o, cmd: Command) => {
    if (which && which !== 'authentication' && which !== 'authorization') {
      throw new CliError(`unknown webhook "${which}": authentication or authorization`);
    }
    const c = connection(cmd);
    const options: WebhookConfigOptions = {
      server: c.server,
      version: o.webhookVersion,
      token: o.webhookToken ?? c.token,
      certificateAuthority: o.certificateAuthority ? readFileSync(o.certificateAuthority, 'utf8') : undefined,
      insecureSkipTLSVerify: !!o.insecureSkipTLSVerify,
    };
    if (!options.token) process.stderr.write('warning: no token: kube-apiserver will call Keyway anonymously\n');
    if (!c.server.startsWith('https://')) process.stderr.write('warning: kube-apiserver expects an https:// webhook\n');
    const kinds = (which ? [which] : ['authentication', 'authorization']) as WebhookKind[];
    for (const kind of kinds) await warnUnlessAllowed(c, options.token, kind);
    const files = kinds.map((kind) => ({
      kind,
      name: `${kind}-webhook.kubeconfig`,
      text: webhookKubeconfig(kind, options),
    }));
    if (o.outputDir) {
      mkdirSync(o.outputDir, { recursive: true });
      for (const f of files) {
        writeFileSync(join(o.outputDir, f.name), f.text, { mode: 0o600 });
        process.stdout.write(`${join(o.outputDir, f.name)}: ${WEBHOOKS[f.kind].flag}\n`);
      }
      return;
    }
    process.stdout.write(
      files
        .map(
          (f) =>
            `# ${f.name}: kube-apiserver ${WEBHOOKS[f.kind].flag}=${f.name} ` +
            `${WEBHOOKS[f.kind].versionFlag}=${options.version}\n${f.text}`,
        )
        .join('---\n'),
    );
  });

/** A warning on stderr when the webhook's token may not create its reviews (checked only if the server answers). */
async function warnUnlessAllowed(c: Connection, token: string | undefined, kind: WebhookKind): Promise<void> {
  const [group, , resource] = WEBHOOKS[kind].resource.split('/');
  const allowed = await gql(
    { server: c.server, token },
    'query ($i: SelfSubjectAccessReviewInput!) { selfSubjectAccessReview(input: $i) { allowed } }',
    { i: { resourceAttributes: { verb: 'create', group, resource } } },
  ).then(
    (data) => data.selfSubjectAccessReview.allowed as boolean,
    () => null,
  );
  if (allowed === false) {
    process.stderr.write(
      `warning: that token may not create ${resource}.${group}: bind it to the ClusterRole system:auth-delegator\n`,
    );
  }
}

program.parseAsync(process.argv).catch((err: unknown) => {
  const e = err as { code?: string; exitCode?: number; message?: string };
  // commander has printed help or its own error already
  if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
    process.exit(e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : (e.exitCode ?? 1));
  }
  process.stderr.write(`${err instanceof CliError ? '' : 'error: '}${e.message ?? String(err)}\n`);
  process.exit(1);
});

/**
 * `Mutation.apply(manifests, dryRun, namespace, skipUnsupported)`: kubectl apply over GraphQL.
 * The field asks, for each object, the question applying it asks (`create`, or `patch` if it
 * exists), so a caller applies exactly what it could create or patch one by one.
 */
import { builder } from '../../builder.js';
import { canDo } from '../common/attributes.js';
import type { GraphQLInputType } from 'graphql';
import { applyOne, type ApplyResult, checkTypes, DryRun, plan, type Planned, questionOf } from './apply.js';
import { parseManifests } from './manifests.js';
import { allOf, can } from '../common/attributes.js';
import { ObjectKind } from '../common/kinds.js';
import { EXPORTED, toManifest, toYaml } from './export.js';
import { KINDS, type Kind } from '../../apis/kinds.js';
import { badRequest } from '../../errors.js';
import type { ObjectOfKind } from '../../apis/kinds.js';
import { accessChanges } from '../../authz/rbac/whatif.js';
import type { Context } from '../../context.js';
import type { Change } from '../../store/store.js';
import { AccessChangeRef, readsThePolicy } from '../access/schema.js';

const ApplyAction = builder.enumType('ApplyAction', {
  values: ['CREATED', 'CONFIGURED', 'UNCHANGED', 'SKIPPED'] as const,
});

/** Every authenticated user may ask who they are; a skipped object has nothing else to ask. */
const NOTHING_TO_ASK = canDo('create', 'authentication.k8s.io', 'selfsubjectreviews');

const ApplyResultRef = builder.objectRef<ApplyResult>('ApplyResult').implement({
  description: 'What apply did with one object.',
  fields: (t) => ({
    kind: t.exposeString('kind'),
    namespace: t.exposeString('namespace', { nullable: true }),
    name: t.exposeString('name'),
    action: t.field({ type: ApplyAction, resolve: (r) => r.action }),
    object: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description: 'The object as stored (in a dry run: as it would be); null when skipped.',
      authScopes: (r) => ({ k8s: r.question ?? NOTHING_TO_ASK }),
      resolve: (r) => r.object as never,
    }),
    accessChange: t.field({
      type: AccessChangeRef,
      nullable: true,
      description:
        'In a dry run, for a role or binding: the rules each subject it affects would gain or lose, and the risky ' +
        'grants it would introduce or resolve. (RBAC: list clusterrolebindings, clusterroles, rolebindings and ' +
        'roles in every namespace)',
      authScopes: readsThePolicy,
      resolve: (r) => r.accessChange ?? null,
    }),
  }),
});

/** Each result's access change, on a fork of the policy as the dry run would leave it. */
function whatIf(ctx: Context, results: ApplyResult[], written: readonly Change[]): void {
  if (!written.some((c) => RBAC_KINDS.has(c.kind))) return;
  // the accounts as they would be: for findings about accounts that do not exist, or mount tokens
  const accounts = new Map<string, { namespace: string; name: string; automount: boolean }>();
  const { items } = ctx.registry.list('ServiceAccount', { limit: Number.MAX_SAFE_INTEGER });
  const put = (sa: ObjectOfKind['ServiceAccount']) =>
    accounts.set(`${sa.metadata.namespace}/${sa.metadata.name}`, {
      namespace: sa.metadata.namespace ?? '',
      name: sa.metadata.name,
      automount: sa.automountServiceAccountToken !== false,
    });
  for (const sa of items) put(sa);
  for (const c of written) if (c.kind === 'ServiceAccount') put(c.object as ObjectOfKind['ServiceAccount']);
  const changes = accessChanges(ctx.rbac, written, [...accounts.values()]);
  for (const r of results) {
    const change = written.findLast(
      (c) => c.kind === r.kind && c.name === r.name && c.namespace === (r.namespace ?? ''),
    );
    const access = change && changes.get(change);
    if (access) r.accessChange = access;
  }
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);

/** The plan of a request, made once (its authorization and its resolver both need it). */
const plans = new WeakMap<object, Planned[]>();

builder.mutationField('apply', (t) =>
  t.field({
    type: [ApplyResultRef],
    description:
      'Applies YAML or JSON manifests (one or many documents, or a List) of the kinds Keyway serves, in one ' +
      'transaction: each object is created, updated or left unchanged, fields owned by the last apply. ' +
      '(RBAC: create, or patch if it exists, on each object)',
    args: {
      manifests: t.arg.string({ required: true }),
      dryRun: t.arg.boolean({ required: false, description: 'Validate, admit and authorize; write nothing.' }),
      namespace: t.arg.string({
        required: false,
        description: 'For namespaced objects that name none (default: `default`).',
      }),
      skipUnsupported: t.arg.boolean({
        required: false,
        description: 'Report kinds Keyway does not serve as SKIPPED.',
      }),
    },
    authScopes: (_root, args, ctx) => {
      const planned = plan(
        parseManifests(args.manifests),
        { namespace: args.namespace ?? undefined, skipUnsupported: args.skipUnsupported ?? false },
        (kind, namespace, name) => ctx.registry.find(kind, namespace, name) !== null,
      );
      plans.set(args, planned);
      const questions = planned.map(questionOf).filter((q) => q !== null);
      return questions.length ? allOf(questions) : { k8s: NOTHING_TO_ASK };
    },
    resolve: async (_root, args, ctx, info) => {
      const planned =
        plans.get(args) ??
        plan(
          parseManifests(args.manifests),
          { namespace: args.namespace ?? undefined, skipUnsupported: args.skipUnsupported ?? false },
          (kind, namespace, name) => ctx.registry.find(kind, namespace, name) !== null,
        );
      for (const p of planned) checkTypes(p, p.kind && (info.schema.getType(`${p.kind}Input`) as GraphQLInputType));
      const writer = { user: ctx.user, authorizer: ctx.authz, audit: ctx.audit.transaction };
      const run = () =>
        ctx.registry.write(async (tx) => {
          const results: ApplyResult[] = [];
          for (const p of planned) results.push(await applyOne(tx, ctx.registry, p, writer));
          if (args.dryRun) {
            whatIf(ctx, results, tx.written);
            throw new DryRun(results);
          }
          return results;
        }, writer.audit);
      try {
        return await run();
      } catch (err) {
        if (err instanceof DryRun) return err.results;
        throw err;
      }
    },
  }),
);

builder.queryField('export', (t) =>
  t.field({
    type: 'String',
    description:
      'Objects as YAML that apply takes back unchanged (server-set fields left out). Secret values only with ' +
      'includeSecretData, and only of Secrets the caller may get. (RBAC: list on each kind)',
    args: {
      namespace: t.arg.string({ required: false, description: 'Only this namespace (and no cluster-scoped kinds).' }),
      kinds: t.arg({ type: [ObjectKind], required: false, description: 'Default: every kind apply takes.' }),
      includeSecretData: t.arg.boolean({ required: false }),
    },
    authScopes: (_root, args) => {
      const kinds = exportedKinds(args.kinds, args.namespace);
      // (cluster-scoped kinds asked for in a namespace: nothing to export, nothing to ask)
      return kinds.length
        ? allOf(kinds.map((kind) => can('list', kind, args.namespace ?? '')))
        : { k8s: NOTHING_TO_ASK };
    },
    resolve: async (_root, args, ctx) => {
      const manifests: Record<string, unknown>[] = [];
      for (const kind of exportedKinds(args.kinds, args.namespace)) {
        const { items } = ctx.registry.list(kind, {
          namespace: args.namespace ?? undefined,
          limit: Number.MAX_SAFE_INTEGER,
        });
        for (const obj of items) {
          const withData = kind === 'Secret' && !!args.includeSecretData;
          if (withData) {
            const question = can('get', 'Secret', obj.metadata.namespace, obj.metadata.name);
            if (!(await ctx.authz.allowed(question))) throw ctx.authz.settledError(question);
          }
          manifests.push(toManifest(obj, withData));
        }
      }
      return toYaml(manifests);
    },
  }),
);

/** The kinds an export asks for: those named (IssuedTokens refused), or all; namespaced ones only in a namespace. */
function exportedKinds(asked: readonly Kind[] | null | undefined, namespace: string | null | undefined): Kind[] {
  for (const kind of asked ?? []) {
    if (!EXPORTED.includes(kind)) throw badRequest(`${kind} cannot be exported: the server writes it`);
  }
  return EXPORTED.filter((kind) => (!asked?.length || asked.includes(kind)) && (!namespace || KINDS[kind].namespaced));
}

/**
 * `Subscription.watch(kind, namespace, labelSelector, resourceVersion)`: a Kubernetes watch over
 * GraphQL (SSE at /graphql, or graphql-ws), served by the WatchHub. Authorized as `watch` on the
 * kind in the namespace (cluster-wide when it is omitted), asked again while the watch lasts.
 */
import { KINDS, type Kind } from '../../apis/kinds.js';
import type { KubeObject } from '../../apis/meta.js';
import { builder } from '../../builder.js';
import { ObjectKind } from '../common/kinds.js';
import type { Context } from '../../context.js';
import { badRequest } from '../../errors.js';
import type { WatchEnd, WatchEvent } from '../../watch/hub.js';
import { can } from '../common/attributes.js';
import { parseLabelSelector } from '../common/operations.js';

const WatchEventType = builder.enumType('WatchEventType', {
  values: ['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK'] as const,
});

/** An event as the field resolves it, with the scope its watch was authorized for. */
interface ScopedEvent extends WatchEvent {
  kind: Kind;
}

const WatchEventRef = builder.objectRef<ScopedEvent>('WatchEvent').implement({
  description: "One change a watch reports (Kubernetes' watch.Event).",
  fields: (t) => ({
    type: t.field({ type: WatchEventType, resolve: (e) => e.type }),
    object: t.field({
      type: builder.nodeInterfaceRef(),
      nullable: true,
      description:
        'The object after the change (its last state for DELETED); null for BOOKMARK. Its fields ask what ' +
        "queries ask (a Secret's data: get on it). (RBAC: watch on its kind)",
      authScopes: (e) => ({ k8s: can('watch', e.kind, e.object?.metadata.namespace ?? '') }),
      resolve: (e) => e.object as KubeObject | null,
    }),
    resourceVersion: t.string({
      description: 'The resourceVersion this event brings the watcher to: resume from it.',
      resolve: (e) => String(e.resourceVersion),
    }),
  }),
});

function resourceVersionArg(text: string | null | undefined): number | undefined {
  if (text === null || text === undefined || text === '' || text === '0') return undefined;
  if (!/^[1-9][0-9]{0,15}$/.test(text)) throw badRequest(`invalid resourceVersion ${JSON.stringify(text)}`);
  return Number(text);
}

builder.subscriptionType({
  fields: (t) => ({
    watch: t.field({
      type: WatchEventRef,
      description:
        'Changes of one kind (in a namespace, matching a label selector), in resourceVersion order. Without ' +
        '`resourceVersion` it starts with an ADDED for every object that matches now; with one it replays every ' +
        'change after it (GONE if the change log no longer holds them: list again). BOOKMARK events carry the ' +
        'resourceVersion reached. (RBAC: watch on the kind, in the namespace or cluster-wide)',
      args: {
        kind: t.arg({ type: ObjectKind, required: true }),
        namespace: t.arg.string({ required: false }),
        labelSelector: t.arg.string({ required: false }),
        resourceVersion: t.arg.string({ required: false }),
      },
      authScopes: (_root, args) => ({ k8s: can('watch', args.kind, namespaceOf(args.kind, args.namespace)) }),
      subscribe: (_root, args, ctx) => subscribe(args, ctx),
      resolve: (event: ScopedEvent | (WatchEnd & { kind: Kind })) => {
        if ('error' in event) throw event.error;
        return event;
      },
    }),
  }),
});

/** The namespace a watch is about: '' for a cluster-scoped kind, or for every namespace. */
function namespaceOf(kind: Kind, namespace: string | null | undefined): string {
  return KINDS[kind].namespaced ? (namespace ?? '') : '';
}

function subscribe(
  args: { kind: Kind; namespace?: string | null; labelSelector?: string | null; resourceVersion?: string | null },
  ctx: Context,
): AsyncIterableIterator<ScopedEvent | (WatchEnd & { kind: Kind })> {
  const { kind } = args;
  const namespace = namespaceOf(kind, args.namespace);
  const question = can('watch', kind, namespace);
  const events = ctx.watches.watch({
    kind,
    namespace: KINDS[kind].namespaced && namespace ? namespace : undefined,
    selector: parseLabelSelector(args.labelSelector),
    resourceVersion: resourceVersionArg(args.resourceVersion),
    // the authorizer itself, not the request's memo: a revoked grant must show
    allowed: async () => (await ctx.authorizer.authorize({ ...question, user: ctx.user })).allowed,
    refused: () => ctx.authz.settledError(question),
  });
  // A client that goes away ends the watch at once: the request's signal says so (the iterators
  // yoga wraps this in pass `return` on only at their next event).
  const signal = (ctx as Context & { request?: Request }).request?.signal;
  signal?.addEventListener('abort', () => void events.return?.(), { once: true });
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: async () => {
      const result = await events.next();
      return result.done ? result : { done: false, value: { ...result.value, kind } };
    },
    return: async (value?: unknown) => {
      await events.return?.(value);
      return { done: true, value: undefined };
    },
  };
}

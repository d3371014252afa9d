/**
 * `Query.node(id)`: Relay's refetch by global id. The id names the object (kind, namespace,
 * name), so the question `get <kind> <name>` is asked before anything is read.
 */
import { decodeGlobalID } from '@pothos/plugin-relay';
import { isKind, KINDS, type Kind } from '../../apis/kinds.js';
import { builder } from '../../builder.js';
import { badRequest } from '../../errors.js';
import { isStorable } from '../../validation/storage.js';
import { can } from './attributes.js';

interface ObjectId {
  kind: Kind;
  namespace: string;
  name: string;
}

function parseNodeId(globalId: string): ObjectId {
  let decoded: { typename: string; id: string };
  try {
    decoded = decodeGlobalID(globalId);
  } catch {
    throw badRequest(`invalid node id ${JSON.stringify(globalId)}`);
  }
  const { typename, id } = decoded;
  if (!isKind(typename) || !isStorable(id)) throw badRequest(`invalid node id ${JSON.stringify(globalId)}`);
  if (!KINDS[typename].namespaced) return { kind: typename, namespace: '', name: id };
  const slash = id.indexOf('/');
  if (slash <= 0) throw badRequest(`invalid node id ${JSON.stringify(globalId)}`);
  return { kind: typename, namespace: id.slice(0, slash), name: id.slice(slash + 1) };
}

builder.queryField('node', (t) =>
  t.field({
    type: builder.nodeInterfaceRef(),
    nullable: true,
    description: 'Any object by its global `id`. (RBAC: get on its kind)',
    args: { id: t.arg.id({ required: true }) },
    authScopes: (_root, args) => {
      const { kind, namespace, name } = parseNodeId(String(args.id));
      return { k8s: can('get', kind, namespace, name) };
    },
    resolve: (_root, args, ctx) => {
      const { kind, namespace, name } = parseNodeId(String(args.id));
      return ctx.registry.get(kind, namespace, name);
    },
  }),
);

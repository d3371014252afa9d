/** Scalars: `StringMap` (labels, annotations, secret data), `StringListMap` (a user's extra), `DateTime` (RFC 3339). */
import { GraphQLError, Kind as AstKind, type ValueNode } from 'graphql';
import type { StringMap } from '../../apis/meta.js';
import { builder } from '../../builder.js';
import { dict } from '../../util/maps.js';

function badMap(): GraphQLError {
  return new GraphQLError('StringMap must be an object whose values are all strings', {
    extensions: { code: 'BAD_REQUEST' },
  });
}

function parseStringMap(value: unknown): StringMap {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badMap();
  const out = dict<string>();
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw badMap();
    out[k] = v;
  }
  return out;
}

function literalToValue(node: ValueNode): unknown {
  switch (node.kind) {
    case AstKind.OBJECT:
      return dict(node.fields.map((f) => [f.name.value, literalToValue(f.value)] as const));
    case AstKind.STRING:
      return node.value;
    default:
      return undefined;
  }
}

builder.scalarType('StringMap', {
  description: 'A JSON object of string keys to string values (labels, annotations, secret data).',
  serialize: (value) => value as StringMap,
  parseValue: parseStringMap,
  parseLiteral: (node) => parseStringMap(literalToValue(node)),
});

function parseStringListMap(value: unknown): Record<string, string[]> {
  const bad = () =>
    new GraphQLError('StringListMap must be an object whose values are lists of strings', {
      extensions: { code: 'BAD_REQUEST' },
    });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad();
  const out = dict<string[]>();
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw bad();
    out[k] = [...(v as string[])];
  }
  return out;
}

builder.scalarType('StringListMap', {
  description: "A JSON object of string keys to lists of strings (a user's `extra`).",
  serialize: (value) => value as Record<string, string[]>,
  parseValue: parseStringListMap,
  parseLiteral: (node) => parseStringListMap(listMapLiteral(node)),
});

function listMapLiteral(node: ValueNode): unknown {
  if (node.kind !== AstKind.OBJECT) return undefined;
  return dict(
    node.fields.map((f) => {
      const v = f.value;
      const list = v.kind === AstKind.LIST ? v.values : [v];
      return [f.name.value, list.map((item) => (item.kind === AstKind.STRING ? item.value : undefined))] as const;
    }),
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

builder.scalarType('DateTime', {
  description: 'A point in time, RFC 3339 (`2026-11-28T15:04:05Z`), as Kubernetes writes metav1.Time.',
  serialize: (value) => value as string,
  parseValue: (value) => {
    if (typeof value !== 'string' || !RFC3339.test(value)) {
      throw new GraphQLError('DateTime must be an RFC 3339 string', { extensions: { code: 'BAD_REQUEST' } });
    }
    return value;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (an object as Kubernetes writes it).',
  serialize: (value) => value,
  parseValue: (value) => value,
});

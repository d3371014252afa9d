/** The GraphQL schema: each resource's module, in dependency order, then toSchema(). */
import { GraphQLSchema, isSpecifiedScalarType, printSchema } from 'graphql';
import { builder } from './builder.js';
import { assertEveryFieldAuthorized } from './authz/coverage.js';
import { auditFields } from './audit/fields.js';
import './resources/common/scalars.js';
import './resources/namespace/schema.js';
import './resources/secret/schema.js';
import './resources/serviceaccount/schema.js';
import './resources/pod/schema.js';
import './resources/rbac/schema.js';
import './resources/issuedtoken/schema.js';
import './resources/tokenrequest/schema.js';
import './resources/authentication/schema.js';
import './resources/signingkey/schema.js';
import './resources/authorization/schema.js';
import './resources/access/schema.js';
import './resources/watch/schema.js';
import './resources/audit/schema.js';
import './resources/apply/schema.js';
import './resources/common/node.js';

builder.queryType({});
builder.mutationType({});
builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'How many objects match, across all pages.', resolve: (connection) => connection.totalCount() }),
);

export const schema = builder.toSchema({ sortSchema: false });
assertEveryFieldAuthorized(schema);
auditFields(schema);

/**
 * The schema as SDL, as `schema.graphql` holds it: root types first, then the rest by name;
 * fields keep the order they are defined in.
 */
export function printKeywaySchema(): string {
  const roots = [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (t) => t != null,
  );
  const rest = Object.values(schema.getTypeMap())
    .filter((t) => !t.name.startsWith('__') && !isSpecifiedScalarType(t) && !roots.includes(t as never))
    .sort((a, b) => a.name.localeCompare(b.name));
  return `${printSchema(new GraphQLSchema({ ...schema.toConfig(), types: [...roots, ...rest] }))}\n`;
}

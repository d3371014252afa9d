/** The GraphQL schema: each resource's module, in dependency order, then toSchema(). */
import { builder } from './builder.js';
import { assertEveryFieldAuthorized } from './authz/coverage.js';
import './resources/common/scalars.js';
import './resources/namespace/schema.js';
import './resources/secret/schema.js';
import './resources/serviceaccount/schema.js';
import './resources/pod/schema.js';
import './resources/role/schema.js';
import './resources/clusterrole/schema.js';
import './resources/rolebinding/schema.js';
import './resources/clusterrolebinding/schema.js';
import './resources/common/node.js';

builder.queryType({});
builder.mutationType({});
builder.globalConnectionField('totalCount', (t) =>
  t.int({ description: 'How many objects match, across all pages.', resolve: (connection) => connection.totalCount() }),
);

export const schema = builder.toSchema({ sortSchema: false });
assertEveryFieldAuthorized(schema);

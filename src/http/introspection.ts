/**
 * Introspection is for callers who authenticated (GraphiQL sends their token). Kubernetes gives
 * `system:unauthenticated` health, readiness and discovery documents, not its API's shape; an
 * anonymous `__schema` or `__type` is refused before it runs, unless a setting opens it.
 *
 * The refusal comes before execution, once the caller is known, and never in place of validation:
 * yoga caches a document's validation result for every caller, so a refusal given there would be
 * given to the next authenticated caller of the same document (GraphiQL's introspection query is
 * the same for everyone). The query limits bound what an anonymous document may cost before then.
 */
import { NoSchemaIntrospectionCustomRule, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ANONYMOUS } from '../authn/identity.js';
import type { Context } from '../context.js';
import { ApiError } from '../errors.js';

function refused(): ApiError {
  return new ApiError(
    'FORBIDDEN',
    'forbidden: User "system:anonymous" cannot introspect the schema: send a bearer token',
    // a 403, so the refusal is audited as any other request refused before it ran
    { http: { status: 403, spec: false } },
  );
}

function introspects(schema: GraphQLSchema, document: DocumentNode): boolean {
  return validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0;
}

export function useAnonymousIntrospection(open: boolean): Plugin<Context> {
  if (open) return {};
  return {
    onExecute({ args, setResultAndStopExecution }) {
      if (args.contextValue.user.username !== ANONYMOUS) return;
      if (introspects(args.schema, args.document)) setResultAndStopExecution({ errors: [refused()] });
    },
  };
}

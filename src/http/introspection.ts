/**
 * Introspection is for callers who authenticated (GraphiQL sends their token). Kubernetes gives
 * `system:unauthenticated` health, readiness and discovery documents, not its API's shape; an
 * anonymous `__schema` or `__type` is refused before it runs, unless a setting opens it.
 *
 * A request with no Authorization header is anonymous, so it is refused in place of validation
 * (a document of thousands of `__schema` aliases costs nothing); a request that becomes
 * anonymous by impersonation is refused before execution.
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
  );
}

function introspects(schema: GraphQLSchema, document: DocumentNode): boolean {
  return validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0;
}

export function useAnonymousIntrospection(open: boolean): Plugin<Context> {
  if (open) return {};
  return {
    onValidate({ context, params, setResult }) {
      const request = (context as { request?: Request }).request;
      if (request?.headers.has('authorization')) return;
      if (introspects(params.schema, params.documentAST)) setResult([refused()]);
    },
    onExecute({ args, setResultAndStopExecution }) {
      if (args.contextValue.user.username !== ANONYMOUS) return;
      if (introspects(args.schema, args.document)) setResultAndStopExecution({ errors: [refused()] });
    },
  };
}

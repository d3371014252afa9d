/**
 * The rule that keeps every resolver behind the authorizer, checked on the built schema: every
 * root field, and every field that reaches another object (a resource type or a connection),
 * declares the Kubernetes question it asks. Fields of an object already read are its data and
 * ride on the decision that read it.
 */
import {
  getNamedType,
  isInterfaceType,
  isObjectType,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

function declaresAuthorization(field: GraphQLField<unknown, unknown>): boolean {
  const options = (field.extensions as { pothosOptions?: { authScopes?: unknown } } | undefined)?.pothosOptions;
  return options?.authScopes !== undefined;
}

function reachesObjects(type: GraphQLNamedType): boolean {
  if (isInterfaceType(type) && type.name === 'Node') return true;
  if (isObjectType(type)) {
    return type.getInterfaces().some((i) => i.name === 'Node') || type.name.endsWith('Connection');
  }
  return false;
}

/** `Type.field` names that resolve without declaring an authorization question. */
export function unauthorizedFields(schema: GraphQLSchema): string[] {
  const roots = new Set(
    [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(Boolean),
  );
  const problems: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      // An edge's node belongs to the connection, which was authorized as a whole.
      if (type.name.endsWith('Edge') && field.name === 'node') continue;
      const mustDeclare = roots.has(type) || reachesObjects(getNamedType(field.type));
      if (mustDeclare && !declaresAuthorization(field)) problems.push(`${type.name}.${field.name}`);
    }
  }
  return problems;
}

export function assertEveryFieldAuthorized(schema: GraphQLSchema): void {
  const problems = unauthorizedFields(schema);
  if (problems.length) throw new Error(`fields without an authorization decision: ${problems.join(', ')}`);
}

/**
 * Which fields make audit events of their own: every mutation, and the token and access reviews
 * (each asked as Kubernetes' `create` of the review). Their resolvers are wrapped once the schema
 * is built; denied questions anywhere else are told to the audit by the request's authorizer.
 */
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import type { RequestAttributes } from '../authz/authorizer.js';
import type { Context } from '../context.js';

type Described = (result: Record<string, unknown>) => Record<string, string>;

const allowedIs: Described = (r) => ({ 'authorization.k8s.io/allowed': String(r.allowed) });

/** Each review field: the question it stands for, and what of its answer the event keeps. */
const REVIEWS: Record<string, { question: RequestAttributes; describe: Described }> = {
  tokenReview: {
    question: { verb: 'create', apiGroup: 'authentication.k8s.io', resource: 'tokenreviews' },
    describe: (r) => ({ 'authentication.k8s.io/authenticated': String(r.authenticated) }),
  },
  subjectAccessReview: {
    question: { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'subjectaccessreviews' },
    describe: allowedIs,
  },
  selfSubjectAccessReview: {
    question: { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' },
    describe: allowedIs,
  },
  selfSubjectRulesReview: {
    question: { verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectrulesreviews' },
    describe: () => ({}),
  },
};

type Resolver = GraphQLFieldResolver<unknown, Context, Record<string, unknown>>;

/** Wraps the audited fields' resolvers (once, on the built schema). */
export function auditFields(schema: GraphQLSchema): void {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve as Resolver;
    field.resolve = ((parent, args, ctx, info) =>
      ctx.audit.mutation(field.name, args, () => resolve(parent, args, ctx, info))) as Resolver;
  }
  const queries = schema.getQueryType()?.getFields() ?? {};
  for (const [name, review] of Object.entries(REVIEWS)) {
    const field = queries[name];
    if (!field) throw new Error(`audited review field ${name} is not in the schema`);
    const resolve = field.resolve as Resolver;
    field.resolve = ((parent, args, ctx, info) =>
      ctx.audit.review(
        review.question,
        args,
        () => resolve(parent, args, ctx, info) as Record<string, unknown>,
        review.describe,
      )) as Resolver;
  }
}

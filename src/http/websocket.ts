/**
 * GraphQL over WebSocket (the graphql-ws protocol) at the GraphQL endpoint, for browsers, whose
 * EventSource cannot send an Authorization header: the client puts it in the connection's
 * `connectionParams` (`{ Authorization: "Bearer …" }`), and each operation runs through the same
 * yoga plugins (authentication, impersonation, fair share, the request context, the document guards)
 * as over HTTP. A message is bounded as a request body is (`maxPayloadBytes`: a larger one closes
 * the socket with 1009).
 */
import type { Server } from 'node:http';
import { type ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { KeywayServer } from '../server.js';
import { DEFAULT_MAX_BODY_BYTES } from './bodyLimit.js';
import { refusedOverWebSocket, type TrustedDocuments } from './trusted.js';

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;

interface Enveloped {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

export interface WebSocketOptions {
  trusted?: TrustedDocuments;
  /** The largest message, as the largest request body over HTTP. */
  maxPayloadBytes?: number;
}

/** Serves graphql-ws on `http` beside HTTP; returns how to close it (ending every socket). */
export function attachWebSocket(http: Server, yoga: KeywayServer, options: WebSocketOptions = {}): () => Promise<void> {
  const { trusted, maxPayloadBytes = DEFAULT_MAX_BODY_BYTES } = options;
  const wss = new WebSocketServer({ server: http, path: yoga.graphqlEndpoint, maxPayload: maxPayloadBytes });
  const server = useServer(
    {
      execute: (args) => (args.rootValue as Enveloped).execute(args as ExecutionArgs),
      subscribe: (args) => (args.rootValue as Enveloped).subscribe(args as ExecutionArgs),
      onSubscribe: async (ctx, _id, params) => {
        // the request the HTTP plugins read: the upgrade's URL, and the headers the client sent
        // on the connection (an Authorization in connectionParams, impersonation headers)
        const headers = new Headers();
        for (const [name, value] of Object.entries(ctx.connectionParams ?? {})) {
          if (typeof value === 'string') headers.set(name, value);
        }
        const untrusted = refusedOverWebSocket(trusted, params.query);
        if (untrusted) return [untrusted];
        // a POST, as an operation over HTTP that may be a mutation (yoga refuses mutations over GET)
        const request = new Request(new URL(yoga.graphqlEndpoint, 'http://keyway'), { method: 'POST', headers });
        const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          request,
          params,
        });
        const document = parse(params.query);
        const errors = validate(schema, document);
        if (errors.length) return errors;
        let contextValue: unknown;
        try {
          contextValue = await contextFactory();
        } catch (err) {
          // a token that is not accepted, impersonation refused: the operation's error, as over HTTP
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        return {
          schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );
  return async () => {
    await server.dispose();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
}

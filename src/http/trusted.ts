/**
 * Trusted documents (`KEYWAY_TRUSTED_DOCUMENTS`): a production frontend ships the operations it
 * will ever send, built at compile time, and the server runs only those, named by id; any other
 * document is refused before it is parsed. A hostile caller then has no query language at all.
 *
 * The file is JSON: a map of id to document (`{ "<sha256>": "query … " }`, as GraphQL Codegen's
 * `persistedDocuments` writes it), or Apollo's persisted-query manifest
 * (`{ "format": "apollo-persisted-query-manifest", "operations": [{ "id", "body" }] }`). Clients
 * send `{ "documentId": "<id>" }` or Apollo's `extensions.persistedQuery.sha256Hash`
 * (yoga's persisted-operations plugin reads both). Over WebSocket, where graphql-ws always
 * carries the document's text, only the text of a trusted document is accepted.
 */
import { readFileSync } from 'node:fs';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import type { Plugin } from 'graphql-yoga';
import { ConfigError } from '../config.js';
import { ApiError } from '../errors.js';
import { isReviewCall } from './kubernetes.js';

export interface TrustedDocuments {
  byId: ReadonlyMap<string, string>;
  bodies: ReadonlySet<string>;
}

/** Reads the file; an unreadable or malformed one stops the start with a message naming it. */
export function loadTrustedDocuments(path: string): TrustedDocuments {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`KEYWAY_TRUSTED_DOCUMENTS: cannot read ${path}: ${(err as Error).message}`);
  }
  return trustedDocuments(parsed, path);
}

export function trustedDocuments(parsed: unknown, source = 'trusted documents'): TrustedDocuments {
  const byId = new Map<string, string>();
  const fail = (why: string) => new ConfigError(`KEYWAY_TRUSTED_DOCUMENTS: ${source}: ${why}`);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw fail('not a JSON object');
  const manifest = parsed as { format?: unknown; operations?: unknown };
  if (manifest.format === 'apollo-persisted-query-manifest') {
    if (!Array.isArray(manifest.operations)) throw fail('the manifest has no operations list');
    for (const op of manifest.operations as { id?: unknown; body?: unknown }[]) {
      if (typeof op?.id !== 'string' || typeof op.body !== 'string') throw fail('an operation lacks id or body');
      byId.set(op.id, op.body);
    }
  } else {
    for (const [id, body] of Object.entries(parsed)) {
      if (typeof body !== 'string') throw fail(`the document ${JSON.stringify(id)} is not a string`);
      byId.set(id, body);
    }
  }
  if (byId.size === 0) throw fail('no documents');
  return { byId, bodies: new Set(byId.values()) };
}

const onlyTrusted = () =>
  new ApiError('BAD_REQUEST', 'only trusted documents are accepted here: send a documentId', {
    http: { status: 400 },
  });

/** The HTTP side: documents by id only. */
export function useTrustedDocuments(trusted: TrustedDocuments): Plugin {
  return usePersistedOperations({
    getPersistedOperation: (id) => trusted.byId.get(id) ?? null,
    // a Kubernetes review's document is the server's own (`http/kubernetes.ts`), not the client's
    allowArbitraryOperations: (request) => isReviewCall(request),
    // GraphQL over HTTP's `documentId`, else Apollo's `extensions.persistedQuery.sha256Hash`
    extractPersistedOperationId: (params, request, context) => {
      const documentId = (params as { documentId?: unknown }).documentId;
      return typeof documentId === 'string' ? documentId : defaultExtractPersistedOperationId(params, request, context);
    },
    customErrors: {
      persistedQueryOnly: () => onlyTrusted(),
      keyNotFound: () => onlyTrusted(),
      notFound: () => new ApiError('BAD_REQUEST', 'no trusted document has that id', { http: { status: 400 } }),
    },
  }) as Plugin;
}

/** The WebSocket side: the text must be one of the trusted documents'. */
export function refusedOverWebSocket(trusted: TrustedDocuments | undefined, query: string): ApiError | null {
  return trusted && !trusted.bodies.has(query) ? onlyTrusted() : null;
}

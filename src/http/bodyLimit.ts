/**
 * kube-apiserver's request body limit (`--max-request-body-bytes`, 3 MiB by default,
 * `endpoints/handlers/rest.go` `limitedReadBody`): a larger body is refused with 413 before it is
 * parsed, whether it declares its length or streams it in chunks.
 */
import type { Plugin } from 'graphql-yoga';

export const DEFAULT_MAX_BODY_BYTES = 3 * 1024 * 1024;

function tooLarge(limit: number): Response {
  const body = {
    errors: [{ message: `Request entity too large: limit is ${limit}`, extensions: { code: 'BAD_REQUEST' } }],
  };
  return new Response(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json' } });
}

/** The body's bytes, or null as soon as it passes `limit` (the rest is never read). */
async function readAtMost(body: ReadableStream<Uint8Array> | null, limit: number): Promise<Uint8Array | null> {
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

export function useBodyLimit(limit: number): Plugin {
  return {
    onRequest({ request, endResponse }) {
      const declared = Number(request.headers.get('content-length') ?? 0);
      if (declared > limit) endResponse(tooLarge(limit));
    },
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== 'POST' || !requestParser) return;
      // A declared length within the limit bounds the body already: Node's HTTP parser reads
      // exactly that many bytes. Only a streamed (chunked) body is counted as it arrives.
      if (request.headers.has('content-length')) return;
      setRequestParser(async (req) => {
        const body = await readAtMost(req.body, limit);
        if (body === null) return tooLarge(limit);
        return requestParser(
          new Request(req.url, { method: req.method, headers: req.headers, body: Buffer.from(body) }),
        );
      });
    },
  };
}

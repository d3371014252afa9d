/**
 * GraphQL subscriptions over SSE (GraphQL over HTTP's distinct-connections mode, as yoga serves
 * them): the events of a subscription as a queue a test can await, and a way to stop it.
 */
export interface SseResult {
  data?: any;
  errors?: { message: string; extensions?: { code?: string } }[];
}

export interface Subscription {
  /** The next result, or null once the stream has ended; fails after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseResult | null>;
  /** Every result until the stream ends or `timeoutMs` passes without one. */
  drain(timeoutMs?: number): Promise<SseResult[]>;
  status: number;
  close(): void;
}

/** Starts a subscription with `fetch` (yoga.fetch in process, or a real fetch to a port). */
export async function subscribe(
  fetcher: (path: string, init: RequestInit) => Promise<Response>,
  query: string,
  variables: Record<string, unknown> = {},
  token: string | null = null,
): Promise<Subscription> {
  const controller = new AbortController();
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'text/event-stream' };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetcher('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    signal: controller.signal,
  });
  const results: SseResult[] = [];
  let ended = false;
  let cancel = () => {};
  let waiting: (() => void) | undefined;
  const notify = () => {
    waiting?.();
    waiting = undefined;
  };
  void (async () => {
    if (!res.body) {
      ended = true;
      return;
    }
    const reader = res.body.getReader();
    cancel = () => void reader.cancel().catch(() => undefined);
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = block
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event === 'complete') continue;
          if (data) results.push(JSON.parse(data) as SseResult);
          notify();
        }
      }
    } catch {
      // aborted
    } finally {
      ended = true;
      notify();
    }
  })();
  const next = async (timeoutMs = 5000): Promise<SseResult | null> => {
    const deadline = Date.now() + timeoutMs;
    while (!results.length) {
      if (ended) return null;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return results.shift()!;
  };
  return {
    status: res.status,
    next,
    async drain(timeoutMs = 500) {
      const out: SseResult[] = [];
      for (;;) {
        try {
          const r = await next(timeoutMs);
          if (r === null) return out;
          out.push(r);
        } catch {
          return out;
        }
      }
    },
    close: () => {
      // cancelling the body is what a server sees of a client that went away
      cancel();
      controller.abort();
    },
  };
}

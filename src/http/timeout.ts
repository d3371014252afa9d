/**
 * kube-apiserver's request timeout (`--request-timeout`, 60 s; `WithTimeoutForNonLongRunningRequests`):
 * a query or mutation that has not finished by then is answered with TIMEOUT (HTTP 504) and its
 * seat is given back. Watches are long-running and exempt. As in Kubernetes, a mutation already
 * inside its transaction is not cut short: it commits or rolls back whole, and a client that got
 * TIMEOUT reads the object to learn which.
 */
import type { ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ApiError } from '../errors.js';

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function useRequestTimeout(ms: number): Plugin {
  const timedOut = (): ExecutionResult => ({
    errors: [
      new ApiError('TIMEOUT', `Timeout: request did not complete within ${ms / 1000} s`, { http: { status: 504 } }),
    ],
  });
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn((args) => {
        const result = executeFn(args);
        // a synchronous answer (a read from the watch cache) is already complete
        if (!(result instanceof Promise)) return result;
        let timer: NodeJS.Timeout | undefined;
        const deadline = new Promise<ExecutionResult>((resolve) => {
          timer = setTimeout(() => resolve(timedOut()), ms);
        });
        return Promise.race([result, deadline]).finally(() => clearTimeout(timer));
      });
    },
  };
}

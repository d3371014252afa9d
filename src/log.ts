/**
 * The process logger (pino: structured JSON, cheap when a level is off). Tokens and
 * Authorization headers are redacted; so are the parameters of a failed query, which drizzle
 * puts into the error's message and stack (`params: …`), and which may be a Secret's data.
 */
import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger };

const PARAMS = /\nparams: [\s\S]*?(?=\n\s+at |$)/;

/** An error fit to log: a failed query's parameters replaced, its cause kept. */
function withoutQueryParams(err: unknown): unknown {
  if (!(err instanceof Error) || !('params' in err)) return err;
  const copy = new Error(err.message.replace(PARAMS, '\nparams: [redacted]'), { cause: err.cause });
  copy.name = err.name;
  copy.stack = err.stack?.replace(PARAMS, '\nparams: [redacted]');
  return copy;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'keyway' },
    redact: ['token', '*.token', 'authorization', '*.authorization'],
    serializers: { err: (err: unknown) => pino.stdSerializers.errWithCause(withoutQueryParams(err) as Error) },
  };
  return destination ? pino(options, destination) : pino(options);
}

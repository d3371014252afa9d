/** The process logger (pino: structured JSON, cheap when a level is off). */
import { pino, type Logger } from 'pino';

export type { Logger };

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'keyway' }, redact: ['token', '*.token', 'authorization', '*.authorization'] });
}

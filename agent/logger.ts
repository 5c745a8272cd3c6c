// The one logger (pino): JSON lines to stderr (human lines on a terminal), a child per
// component, secrets never logged.

import { pino } from 'pino';
import { prettyDestination } from './log-format.js';

export type Logger = pino.Logger;

export function createLogger(options: { level: string; destination?: number; pretty?: boolean }): Logger {
  const fd = options.destination ?? 2;
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['password', 'token', '*.password', '*.token', 'auth.password', 'headers.authorization'], censor: '(redacted)' },
    },
    options.pretty ? prettyDestination(fd) : pino.destination({ dest: fd, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

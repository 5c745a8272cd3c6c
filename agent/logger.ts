// The one logger (pino): JSON lines to stderr, a child per component, secrets never logged.

import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(options: { level: string; destination?: number }): Logger {
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['password', 'token', '*.password', '*.token', 'auth.password', 'headers.authorization'], censor: '(redacted)' },
    },
    pino.destination({ dest: options.destination ?? 2, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

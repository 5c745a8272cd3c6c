// The one logger (pino): JSON lines to stderr (human lines on a terminal), a child per
// component, secrets never logged.

import { pino } from 'pino';
import { Redactor } from './desired/secrets.js';
import { prettyDestination } from './log-format.js';

export type Logger = pino.Logger;

/**
 * `secrets`: values (registry passwords, git and hub tokens) hidden wherever they appear in a
 * line. `pretty`: human-readable lines (a terminal) instead of JSON lines.
 */
export function createLogger(options: { level: string; destination?: number; secrets?: readonly string[]; pretty?: boolean }): Logger {
  const fd = options.destination ?? 2;
  const redactor = new Redactor(options.secrets ?? []);
  const hidden: Pick<pino.LoggerOptions, 'formatters' | 'hooks'> = redactor.empty
    ? {}
    : {
        formatters: { log: (object: Record<string, unknown>) => redactor.deep(object) },
        hooks: {
          logMethod(args, method) {
            const clean = args.map((a: unknown) => (typeof a === 'string' ? redactor.text(a) : a)) as Parameters<typeof method>;
            method.apply(this, clean);
          },
        },
      };
  return pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: ['password', 'token', '*.password', '*.token', 'auth.password', 'headers.authorization'], censor: '(redacted)' },
      ...hidden,
    },
    options.pretty ? prettyDestination(fd) : pino.destination({ dest: fd, sync: true }),
  );
}

export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

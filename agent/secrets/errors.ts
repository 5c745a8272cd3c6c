// Errors of the secrets module: the host identity, decryption, and the recipient tools.
import { MoorError } from '../contracts/errors.js';

/** The host's age identity or change-detection key cannot be created or read. */
export class IdentityError extends MoorError {
  constructor(message: string, options: { cause?: unknown; data?: Record<string, unknown> } = {}) {
    super('SECRETS_IDENTITY', message, { handling: 'fatal', ...options });
  }
}

/** An `.age` file is not encrypted to this host, or is not an age file: the commit is at fault. */
export class UndecryptableError extends MoorError {
  constructor(
    readonly file: string,
    readonly recipient: string,
    reason: string,
    options: { cause?: unknown } = {},
  ) {
    super('SECRET_UNDECRYPTABLE', `${file}: ${reason}`, { handling: 'commit', data: { file, recipient }, ...options });
  }
}

/** `moor secrets encrypt|rekey|check` cannot do what was asked (no hosts match, bad hosts file). */
export class RecipientsError extends MoorError {
  constructor(message: string, options: { cause?: unknown; data?: Record<string, unknown> } = {}) {
    super('SECRETS_RECIPIENTS', message, { handling: 'commit', ...options });
  }
}

/**
 * Error base classes shared by every room.
 *
 * A UserError is a problem the person running hv can fix (a bad flag, a file that is not a
 * kernel, a size that makes no sense). Its message is one line, reads as a sentence fragment
 * that names the culprit first ("kernel.elf: not an ELF file"), and is printed as-is by the
 * CLI, which then exits with `exitStatus`. Anything that is not a UserError is a bug in hv and
 * is reported with its stack.
 */

/** Exit status for bad input, as used by the `hv` CLI (same convention as most Unix tools). */
export const EXIT_BAD_INPUT = 2;

export interface UserErrorOptions {
  /** Process exit status the CLI should use; defaults to EXIT_BAD_INPUT (2). */
  exitStatus?: number;
  /** The lower-level error that led to this one, kept for debugging. */
  cause?: unknown;
}

/** An error caused by the user's input or environment, with a message fit to show them. */
export class UserError extends Error {
  /** Process exit status the CLI should use when this error ends the program. */
  readonly exitStatus: number;

  constructor(message: string, options: UserErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    const status = options.exitStatus ?? EXIT_BAD_INPUT;
    if (!Number.isInteger(status) || status < 1 || status > 255) {
      throw new RangeError(`UserError exit status must be an integer in 1..255, got ${status}`);
    }
    this.exitStatus = status;
  }
}

/** True for any UserError, including subclasses defined in other rooms. */
export function isUserError(e: unknown): e is UserError {
  return e instanceof UserError;
}

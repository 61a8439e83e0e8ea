/**
 * Errors of the boot room: a kernel, firmware or initrd file that cannot be used.
 *
 * The message always starts with the file's display name, then says what is wrong in words a
 * user understands, e.g. `kernel.elf: machine 62 (x86-64) is not RISC-V`. The `code` is for
 * programs (tests, a future API) that need to tell the cases apart without parsing text.
 */
import { UserError } from '../base/errors.js';

/** Machine-readable reason for a BootError. */
export type BootErrorCode =
  | 'not-elf'
  | 'truncated'
  | 'elf-class'
  | 'elf-endian'
  | 'elf-version'
  | 'elf-type'
  | 'elf-machine'
  | 'elf-header'
  | 'elf-dynamic'
  | 'program-headers'
  | 'segment'
  | 'segment-outside-ram'
  | 'segment-overlap'
  | 'no-segments'
  | 'entry'
  | 'section-headers'
  | 'symbols'
  | 'not-image'
  | 'image-header'
  | 'placement';

/** A boot file (kernel, firmware, initrd) that is malformed or unsuitable for this machine. */
export class BootError extends UserError {
  constructor(
    /** Display name of the offending file (usually the path the user gave). */
    readonly file: string,
    /** Machine-readable reason. */
    readonly code: BootErrorCode,
    /** What is wrong, without the file name; becomes `${file}: ${detail}`. */
    readonly detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

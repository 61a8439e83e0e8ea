/**
 * Human-written byte sizes, parsed the way QEMU's `-m` option reads them.
 *
 * `512M`, `1G`, `64K`, `1.5G`, `2048` (a bare number is in `defaultUnit`, MiB for memory like
 * QEMU's -m). Units are powers of 1024 and case-insensitive: B, K, M, G, T, with an optional
 * "iB" (`512MiB`). A fraction is allowed only when the result is a whole number of bytes.
 * Zero, negative numbers, junk and sizes beyond 2^53 are rejected with a UserError whose
 * message names the option and the offending text.
 */
import { UserError } from './errors.js';

/** Units understood by parseSize, as powers of 1024. */
export type SizeUnit = 'B' | 'K' | 'M' | 'G' | 'T';

const SHIFT: Readonly<Record<SizeUnit, bigint>> = { B: 0n, K: 10n, M: 20n, G: 30n, T: 40n };

export interface ParseSizeOptions {
  /** Unit of a bare number. Default 'B'; use 'M' for memory sizes (QEMU -m). */
  readonly defaultUnit?: SizeUnit;
  /** What the size is for, used in error messages. Default "size". */
  readonly what?: string;
}

/**
 * Parses a size such as "512M" into bytes.
 * @throws UserError (exit status 2) with a one-line message for anything but a positive,
 *   whole number of bytes no larger than Number.MAX_SAFE_INTEGER.
 */
export function parseSize(text: string, options: ParseSizeOptions = {}): number {
  const what = options.what ?? 'size';
  const bad = (why: string): never => { throw new UserError(`invalid ${what} ${JSON.stringify(text)}: ${why}`); };
  const s = text.trim();
  if (s === '') bad('expected a number such as 512M or 2G');
  if (/^[-−]/.test(s)) bad('must be a positive size');
  const m = /^(\d+)(?:\.(\d+))?([a-z]*)$/i.exec(s);
  if (m === null) bad('expected a number with an optional unit K, M, G or T (for example 512M or 2G)');
  const [, whole, frac = '', suffix] = m!;
  let unit: SizeUnit;
  if (suffix === '') {
    unit = options.defaultUnit ?? 'B';
  } else {
    const u = /^([bkmgt])(?:ib)?$/i.exec(suffix!);
    if (u === null || (u[1]!.toUpperCase() === 'B' && suffix!.length > 1)) bad(`unknown unit "${suffix}" (use K, M, G or T)`);
    unit = u![1]!.toUpperCase() as SizeUnit;
  }
  // Exact arithmetic: value = (whole.frac) * 2^shift, which must be an integer.
  const scale = 10n ** BigInt(frac.length);
  const scaled = (BigInt(whole!) * scale + BigInt(frac === '' ? '0' : frac)) << SHIFT[unit];
  if (scaled % scale !== 0n) bad('is not a whole number of bytes');
  const bytes = scaled / scale;
  if (bytes === 0n) bad('must be greater than zero');
  if (bytes > BigInt(Number.MAX_SAFE_INTEGER)) bad('is too large');
  return Number(bytes);
}

/** Formats a byte count for messages: "512 MiB", "1.5 GiB", "4095 bytes". */
export function formatSize(bytes: number): string {
  const units = ['TiB', 'GiB', 'MiB', 'KiB'] as const;
  for (let i = 0; i < units.length; i++) {
    const unit = 2 ** (10 * (units.length - i));
    if (bytes >= unit) {
      const v = bytes / unit;
      if (Number.isInteger(v)) return `${v} ${units[i]}`;
      if (Number.isInteger(v * 100)) return `${v} ${units[i]}`;
    }
  }
  return `${bytes} bytes`;
}

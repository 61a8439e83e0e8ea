/**
 * Guest-misbehaviour accounting for a device (architecture guide §8.13): every fault is
 * counted; the first fault of each kind is logged with the device prefix, later ones only counted.
 */

/** Where log lines go (the board passes its logger; tests pass a recorder). */
export type LogFn = (line: string) => void;

/** Default sink: stderr via console.warn (no other host I/O in a device). */
export const defaultLog: LogFn = (line) => console.warn(line);

export class GuestErrors {
  /** Total number of guest errors seen. */
  count = 0;
  /** Count per kind (e.g. "bad-offset", "access-size"). */
  readonly byKind = new Map<string, number>();

  constructor(private readonly prefix: string, private readonly log: LogFn = defaultLog) {}

  /** Records a guest error of `kind`; logs `detail` the first time this kind is seen. */
  report(kind: string, detail: string): void {
    this.count++;
    const n = (this.byKind.get(kind) ?? 0) + 1;
    this.byKind.set(kind, n);
    if (n === 1) this.log(`${this.prefix}: ${detail} (guest error; further "${kind}" errors are only counted)`);
  }
}

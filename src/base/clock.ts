/** Time sources. Devices take a Clock so tests can step time instead of sleeping. */

export interface Clock {
  /** Monotonic time in nanoseconds (as a double; exact to well beyond a year). */
  nowNs(): number;
  /** Wall-clock time in nanoseconds since the Unix epoch. */
  wallNs(): number;
}

export const hostClock: Clock = {
  nowNs: () => Number(process.hrtime.bigint()),
  wallNs: () => Date.now() * 1e6,
};

/** A clock that moves only when told to (tests). */
export class FakeClock implements Clock {
  constructor(public mono = 0, public wall = 1_700_000_000e9) {}
  nowNs(): number { return this.mono; }
  wallNs(): number { return this.wall + this.mono; }
  advance(ns: number): void { this.mono += ns; }
}

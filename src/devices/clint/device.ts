/**
 * SiFive CLINT (core-local interruptor) as on QEMU's virt board: per-hart software interrupt
 * (msip) and timer compare (mtimecmp) registers plus the shared mtime counter.
 *
 * Behaviour follows the SiFive CLINT description and QEMU's ACLINT model (which QEMU's virt
 * board uses for the "sifive,clint0" node): mtime and mtimecmp accept 4- and 8-byte accesses,
 * msip only 4-byte ones; MTIP is level `mtime >= mtimecmp` (unsigned); at reset mtimecmp = 0
 * (so MTIP starts high, as in QEMU; firmware programs mtimecmp before enabling MIE.MTIE).
 *
 * mtime is the injected {@link Timebase} plus an offset that is 0 until the guest writes mtime.
 * The hart's `time` CSR must read the same value as this register (QEMU makes rdtime read the
 * ACLINT's counter): give the CLINT the same timebase the core uses for `time`, and forward
 * {@link ClintOutputs.setTimeOffset} to the core if guests may write mtime. The board owns the
 * timebase, so "mtime = 0 at power-on" is the board's choice of timebase origin.
 */

import type { Clock } from '../../base/clock.js';
import type { MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import { GuestErrors, type LogFn } from '../guest-errors.js';
import {
  CLINT_MAX_HARTS, CLINT_SIZE, CLINT_TIMEBASE_HZ, MSIP_BASE, MSIP_STRIDE, MTIMECMP_BASE, MTIMECMP_STRIDE, MTIME_OFFSET,
} from './regs.js';

/** The host side of mtime: a free-running 64-bit tick count at the timebase frequency. */
export interface Timebase {
  /** Current tick count (need not start at 0; the CLINT keeps its own offset). */
  mtime(): bigint;
}

/** A Timebase derived from a Clock's monotonic time: floor(nowNs * hz / 1e9). */
export function clockTimebase(clock: Clock, hz: number = CLINT_TIMEBASE_HZ): Timebase {
  const f = BigInt(hz);
  return { mtime: () => (BigInt(Math.floor(clock.nowNs())) * f) / 1_000_000_000n };
}

/** Where the CLINT's per-hart outputs go (normally the hart's mip.MSIP / mip.MTIP bits). */
export interface ClintOutputs {
  setMsip(hart: number, level: boolean): void;
  setMtip(hart: number, level: boolean): void;
  /**
   * Called when the guest moves mtime by writing it (and on reset back to 0): the new offset
   * (mod 2^64) of mtime over the timebase, which the hart's `time` CSR must also apply.
   */
  setTimeOffset?(offset: bigint): void;
}

export interface ClintConfig {
  /** Number of harts (1..4095). */
  readonly harts: number;
  readonly timebase: Timebase;
  readonly outputs: ClintOutputs;
  /** Timebase frequency, used only to convert deadlines to nanoseconds. Default 10 MHz. */
  readonly timebaseHz?: number;
  readonly name?: string;
  readonly log?: LogFn;
}

const U64 = (1n << 64n) - 1n;
const LO32 = 0xffff_ffffn;

export class Clint implements MmioDevice {
  readonly name: string;
  /** Guest errors (bad offsets, unsupported access sizes). */
  readonly errors: GuestErrors;
  /** Size of the MMIO window this device decodes. */
  static readonly SIZE = CLINT_SIZE;

  private readonly harts: number;
  private readonly timebase: Timebase;
  private readonly out: ClintOutputs;
  private readonly hz: number;
  private readonly mtimecmp: bigint[];
  private readonly msip: boolean[];
  private readonly mtip: boolean[];
  /** guest mtime = timebase.mtime() + offset (mod 2^64). */
  private offset = 0n;

  constructor(cfg: ClintConfig) {
    if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > CLINT_MAX_HARTS) {
      throw new RangeError(`clint: harts must be 1..${CLINT_MAX_HARTS}, got ${cfg.harts}`);
    }
    this.name = cfg.name ?? 'clint';
    this.errors = new GuestErrors(this.name, cfg.log);
    this.harts = cfg.harts;
    this.timebase = cfg.timebase;
    this.out = cfg.outputs;
    this.hz = cfg.timebaseHz ?? CLINT_TIMEBASE_HZ;
    this.mtimecmp = new Array<bigint>(this.harts).fill(0n);
    this.msip = new Array<boolean>(this.harts).fill(false);
    this.mtip = new Array<boolean>(this.harts).fill(false);
    this.reset();
  }

  /** Device reset: mtime offset 0 (mtime = timebase), every mtimecmp = 0, every msip = 0. */
  reset(): void {
    this.setOffset(0n);
    for (let h = 0; h < this.harts; h++) {
      this.mtimecmp[h] = 0n;
      this.setMsip(h, false);
    }
    this.update();
  }

  /** The guest-visible mtime (also what the hart's `time` CSR must read). */
  mtime(): bigint {
    return BigInt.asUintN(64, this.timebase.mtime() + this.offset);
  }

  /** Offset of mtime over the timebase (0 unless the guest wrote mtime). */
  get timeOffset(): bigint {
    return this.offset;
  }

  /** Current mtimecmp of `hart` (for debugging and snapshots). */
  getMtimecmp(hart: number): bigint {
    return this.mtimecmp[hart]!;
  }

  /** Re-evaluates MTIP of every hart against the current mtime; call when time has advanced. */
  update(): void {
    const now = this.mtime();
    for (let h = 0; h < this.harts; h++) this.evalMtip(h, now);
  }

  /**
   * The earliest mtimecmp that is still above mtime (in mtime ticks), i.e. when update() must
   * next run; undefined when no timer is armed. mtimecmp = 2^64-1 means "never". A deadline that
   * mtime has just passed but whose MTIP update() has not raised yet counts too (it is due now):
   * leaving it out made an idle run loop that asked right after the crossing sleep its full idle
   * cap (1 s) before delivering the timer interrupt.
   */
  nextDeadline(): bigint | undefined {
    const now = this.mtime();
    let best: bigint | undefined;
    for (let h = 0; h < this.harts; h++) {
      const c = this.mtimecmp[h]!;
      if (c === U64 || (c <= now && this.mtip[h])) continue;
      if (best === undefined || c < best) best = c;
    }
    return best;
  }

  /** Nanoseconds until nextDeadline() (rounded up), or undefined. */
  nsUntilDeadline(): number | undefined {
    const d = this.nextDeadline();
    if (d === undefined) return undefined;
    const ticks = d - this.mtime();
    if (ticks <= 0n) return 0;
    const f = BigInt(this.hz);
    return Number((ticks * 1_000_000_000n + f - 1n) / f);
  }

  read(offset: number, sizeLog2: SizeLog2, hi: { value: number }): number {
    const r = this.locate(offset, sizeLog2, 'read');
    if (r === undefined) return 0;
    switch (r.kind) {
      case 'msip':
        return this.msip[r.hart] ? 1 : 0;
      case 'mtimecmp':
      case 'mtime': {
        const v = r.kind === 'mtime' ? this.mtime() : this.mtimecmp[r.hart]!;
        if (r.half === 'hi') return Number(v >> 32n);
        if (sizeLog2 === 3) hi.value = Number(v >> 32n);
        return Number(v & LO32);
      }
    }
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, hi: number): void {
    const r = this.locate(offset, sizeLog2, 'write');
    if (r === undefined) return;
    const lo64 = BigInt(lo >>> 0);
    const full = sizeLog2 === 3 ? (BigInt(hi >>> 0) << 32n) | lo64 : lo64;
    switch (r.kind) {
      case 'msip':
        this.setMsip(r.hart, (lo & 1) !== 0);
        return;
      case 'mtimecmp': {
        this.mtimecmp[r.hart] = merge(this.mtimecmp[r.hart]!, full, r.half, sizeLog2);
        this.evalMtip(r.hart, this.mtime());
        return;
      }
      case 'mtime': {
        const target = merge(this.mtime(), full, r.half, sizeLog2);
        this.setOffset(BigInt.asUintN(64, target - this.timebase.mtime()));
        this.update();
        return;
      }
    }
  }

  /** Decodes an access; reports and returns undefined for anything the CLINT does not decode. */
  private locate(offset: number, sizeLog2: SizeLog2, op: string):
    | { kind: 'msip'; hart: number }
    | { kind: 'mtimecmp'; hart: number; half: 'lo' | 'hi' | 'full' }
    | { kind: 'mtime'; hart: 0; half: 'lo' | 'hi' | 'full' }
    | undefined {
    if (offset >= MSIP_BASE && offset < MTIMECMP_BASE) {
      const hart = Math.floor((offset - MSIP_BASE) / MSIP_STRIDE);
      if (sizeLog2 !== 2 || (offset & 3) !== 0) return this.bad('access-size', `${op} of ${1 << sizeLog2} bytes at msip offset 0x${offset.toString(16)} (only aligned 32-bit)`);
      if (hart >= this.harts) return this.bad('no-hart', `${op} of msip for hart ${hart}, which does not exist`);
      return { kind: 'msip', hart };
    }
    const wide = offset >= MTIMECMP_BASE && offset < MTIME_OFFSET ? 'mtimecmp' : offset === MTIME_OFFSET || offset === MTIME_OFFSET + 4 ? 'mtime' : undefined;
    if (wide === undefined) return this.bad('bad-offset', `${op} at unimplemented offset 0x${offset.toString(16)}`);
    const rel = wide === 'mtime' ? offset - MTIME_OFFSET : (offset - MTIMECMP_BASE) % MTIMECMP_STRIDE;
    const hart = wide === 'mtime' ? 0 : Math.floor((offset - MTIMECMP_BASE) / MTIMECMP_STRIDE);
    let half: 'lo' | 'hi' | 'full';
    if (sizeLog2 === 3 && rel === 0) half = 'full';
    else if (sizeLog2 === 2 && rel === 0) half = 'lo';
    else if (sizeLog2 === 2 && rel === 4) half = 'hi';
    else return this.bad('access-size', `${op} of ${1 << sizeLog2} bytes at ${wide} offset 0x${offset.toString(16)} (aligned 32/64-bit only)`);
    if (wide === 'mtime') return { kind: 'mtime', hart: 0, half };
    if (hart >= this.harts) return this.bad('no-hart', `${op} of mtimecmp for hart ${hart}, which does not exist`);
    return { kind: 'mtimecmp', hart, half };
  }

  private bad(kind: string, detail: string): undefined {
    this.errors.report(kind, detail);
    return undefined;
  }

  private setOffset(offset: bigint): void {
    if (offset === this.offset) return;
    this.offset = offset;
    this.out.setTimeOffset?.(offset);
  }

  private setMsip(hart: number, level: boolean): void {
    if (this.msip[hart] === level) return;
    this.msip[hart] = level;
    this.out.setMsip(hart, level);
  }

  private evalMtip(hart: number, now: bigint): void {
    const level = now >= this.mtimecmp[hart]!;
    if (this.mtip[hart] === level) return;
    this.mtip[hart] = level;
    this.out.setMtip(hart, level);
  }
}

/** Replaces the addressed half (or all) of a 64-bit register value. */
function merge(old: bigint, value: bigint, half: 'lo' | 'hi' | 'full', sizeLog2: SizeLog2): bigint {
  if (half === 'full' && sizeLog2 === 3) return value;
  if (half === 'lo') return (old & (LO32 << 32n)) | (value & LO32);
  return ((value & LO32) << 32n) | (old & LO32);
}

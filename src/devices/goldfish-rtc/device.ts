/**
 * Google goldfish RTC as on QEMU's virt board ("google,goldfish-rtc").
 *
 * Time is nanoseconds since the Unix epoch: the Clock's wall time sampled once at construction,
 * advanced by the Clock's monotonic time (so host wall-clock jumps do not reach the guest),
 * plus an offset the guest can move by writing TIME_LOW/TIME_HIGH (QEMU semantics: each write
 * replaces that half of the current time). Reading TIME_LOW latches the high half for TIME_HIGH.
 * Writing ALARM_LOW arms the alarm at ALARM_HIGH:ALARM_LOW (fires at once if not in the future);
 * when it fires the alarm disarms and the interrupt becomes pending; the IrqLine is
 * pending && IRQ_ENABLED, cleared by CLEAR_INTERRUPT. Only 32-bit accesses are decoded.
 */

import type { Clock } from '../../base/clock.js';
import type { IrqLine, MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import { GuestErrors, type LogFn } from '../guest-errors.js';
import * as R from './regs.js';

export interface GoldfishRtcConfig {
  readonly clock: Clock;
  readonly irq: IrqLine;
  readonly name?: string;
  readonly log?: LogFn;
}

const LO32 = 0xffff_ffffn;

export class GoldfishRtc implements MmioDevice {
  static readonly SIZE = R.RTC_SIZE;
  readonly name: string;
  readonly errors: GuestErrors;

  private readonly clock: Clock;
  private readonly irq: IrqLine;
  /** time = epochBase + nowNs() + offset. */
  private readonly epochBase: bigint;
  private offset = 0n;
  private timeHigh = 0;
  private alarm = 0n;
  private alarmRunning = false;
  private irqPending = false;
  private irqEnabled = false;
  private irqLevel = false;

  constructor(cfg: GoldfishRtcConfig) {
    this.name = cfg.name ?? 'rtc';
    this.errors = new GuestErrors(this.name, cfg.log);
    this.clock = cfg.clock;
    this.irq = cfg.irq;
    this.epochBase = BigInt(Math.floor(cfg.clock.wallNs())) - BigInt(Math.floor(cfg.clock.nowNs()));
  }

  /** Current RTC time in ns since the epoch (what TIME_LOW/HIGH report). */
  timeNs(): bigint {
    return BigInt.asUintN(64, this.epochBase + BigInt(Math.floor(this.clock.nowNs())) + this.offset);
  }

  /** Fires the alarm if its time has come; call when time has advanced. */
  update(): void {
    if (this.alarmRunning && this.timeNs() >= this.alarm) this.fire();
  }

  /** The armed alarm time (RTC ns), or undefined when no alarm is armed. */
  nextDeadline(): bigint | undefined {
    return this.alarmRunning ? this.alarm : undefined;
  }

  /** Nanoseconds until the alarm (0 if overdue), or undefined. */
  nsUntilDeadline(): number | undefined {
    if (!this.alarmRunning) return undefined;
    const d = this.alarm - this.timeNs();
    return d <= 0n ? 0 : Number(d);
  }

  read(offset: number, sizeLog2: SizeLog2, _hi: { value: number }): number {
    if (!this.checkAccess(offset, sizeLog2, 'read')) return 0;
    this.update();
    switch (offset) {
      case R.TIME_LOW: {
        const t = this.timeNs();
        this.timeHigh = Number(t >> 32n);
        return Number(t & LO32);
      }
      case R.TIME_HIGH: return this.timeHigh;
      case R.ALARM_LOW: return Number(this.alarm & LO32);
      case R.ALARM_HIGH: return Number(this.alarm >> 32n);
      case R.IRQ_ENABLED: return this.irqEnabled ? 1 : 0;
      case R.ALARM_STATUS: return this.alarmRunning ? 1 : 0;
      default:
        this.errors.report('bad-offset', `read at unimplemented or write-only offset 0x${offset.toString(16)}`);
        return 0;
    }
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, _hi: number): void {
    if (!this.checkAccess(offset, sizeLog2, 'write')) return;
    this.update();
    const v = BigInt(lo >>> 0);
    switch (offset) {
      case R.TIME_LOW:
      case R.TIME_HIGH: {
        const cur = this.timeNs();
        const next = offset === R.TIME_LOW ? (cur & (LO32 << 32n)) | v : (v << 32n) | (cur & LO32);
        this.offset += next - cur;
        this.update();
        break;
      }
      case R.ALARM_LOW:
        this.alarm = (this.alarm & (LO32 << 32n)) | v;
        this.alarmRunning = true;
        this.update(); // an alarm in the past fires at once
        break;
      case R.ALARM_HIGH:
        this.alarm = (v << 32n) | (this.alarm & LO32);
        break;
      case R.IRQ_ENABLED:
        this.irqEnabled = (lo & 1) !== 0;
        break;
      case R.CLEAR_ALARM:
        this.alarmRunning = false;
        break;
      case R.CLEAR_INTERRUPT:
        this.irqPending = false;
        break;
      default:
        this.errors.report('bad-offset', `write at unimplemented or read-only offset 0x${offset.toString(16)}`);
        return;
    }
    this.updateIrq();
  }

  private checkAccess(offset: number, sizeLog2: SizeLog2, op: string): boolean {
    if (sizeLog2 === 2 && (offset & 3) === 0) return true;
    this.errors.report('access-size', `${op} of ${1 << sizeLog2} bytes at 0x${offset.toString(16)} (only aligned 32-bit)`);
    return false;
  }

  private fire(): void {
    this.alarmRunning = false;
    this.irqPending = true;
    this.updateIrq();
  }

  private updateIrq(): void {
    const level = this.irqPending && this.irqEnabled;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.setLevel(level);
  }
}

/**
 * NS16550A UART (PC16550D datasheet) as on QEMU's virt board: reg-shift 0, byte registers.
 *
 * What is modelled:
 * - RBR/THR/DLL, IER/DLM (DLAB = LCR bit 7), IIR/FCR, LCR, MCR, LSR, MSR, SCR.
 * - RX FIFO (16 bytes by default) enabled by FCR bit 0, cleared by FCR bit 1 or by toggling bit 0,
 *   with the FCR 7:6 trigger levels 1/4/8/14. With FIFOs off the receiver holds one byte.
 * - Interrupts in the datasheet's priority order, reported through IIR and one IrqLine:
 *   1 receiver line status (OE/PE/FE/BI, cleared by reading LSR), 2 received data available
 *   (FIFO at/above the trigger level, or any byte without FIFOs) and character timeout (FIFO
 *   holds data below the trigger level and nothing was received or read for 4 character times),
 *   3 THR empty, 4 modem status (MSR delta bits, cleared by reading MSR).
 * - THRE interrupt: transmission is instantaneous, so THR is always empty; the THRE interrupt is
 *   armed when ETBEI goes 0→1 and after every THR write, and cleared by an IIR read that reports
 *   it (Linux's 8250 driver tests exactly this "re-assert THRE on enable" behaviour at startup).
 * - MCR loopback: THR bytes go to the receiver instead of the backend, the modem inputs follow
 *   the modem outputs (CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2) and host input waits.
 * - Overrun: a byte arriving with the receiver full sets LSR.OE (with FIFOs the new byte is
 *   lost; without, it replaces the held byte).
 *
 * Host input ({@link Uart16550.receive}) goes first to a host-side queue that refills the FIFO as
 * the guest reads, so a large paste is not lost to overruns (set `hostQueueLimit: 0` to get wire
 * behaviour instead). Not modelled: parity/framing errors and break (no physical line), the TX
 * FIFO and its timing, 16750 extensions. Reading RBR with nothing received returns the last byte
 * read. Wider-than-byte accesses are treated as byte accesses and counted as guest errors.
 */

import type { Clock } from '../../base/clock.js';
import type { IrqLine, MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import { GuestErrors, type LogFn } from '../guest-errors.js';
import * as R from './regs.js';

/** Where transmitted bytes go (console, socket, file …). Called once per byte; may buffer. */
export interface CharBackend {
  write(bytes: Uint8Array): void;
}

export interface Uart16550Config {
  readonly backend: CharBackend;
  readonly irq: IrqLine;
  /** Monotonic time source for the character-timeout interrupt. */
  readonly clock: Clock;
  /** RX FIFO depth: 16 (16550A, default) or 64. */
  readonly fifoSize?: 16 | 64;
  /** Bytes the host-side input queue may hold beyond the FIFO (default 1 MiB; 0 = no queue). */
  readonly hostQueueLimit?: number;
  /** Input clock for baud-rate (character time) computation. Default 3.6864 MHz. */
  readonly clockHz?: number;
  readonly name?: string;
  readonly log?: LogFn;
}

/** Counters for monitoring. */
export interface Uart16550Metrics {
  txBytes: number;
  /** Bytes that entered the RX FIFO. */
  rxBytes: number;
  /** Overrun events (LSR.OE set). */
  overruns: number;
  /** Host input bytes dropped (queue full, or no queue and receiver disconnected in loopback). */
  hostDropped: number;
}

export class Uart16550 implements MmioDevice {
  static readonly SIZE = R.UART_SIZE;
  readonly name: string;
  readonly errors: GuestErrors;
  readonly metrics: Uart16550Metrics = { txBytes: 0, rxBytes: 0, overruns: 0, hostDropped: 0 };

  private readonly backend: CharBackend;
  private readonly irq: IrqLine;
  private readonly clock: Clock;
  private readonly fifoSize: number;
  private readonly hostLimit: number;
  private readonly clockHz: number;

  private ier = 0;
  private lcr = 0;
  private mcr = 0;
  private scr = 0;
  private dll = 0;
  private dlm = 0;
  private fifoEnabled = false;
  private trigger = 1;
  /** Sticky LSR error bits (OE/PE/FE/BI). */
  private lsrErrors = 0;
  /** MSR bits 7:4 (line states) and 3:0 (deltas). */
  private msrLines = R.MSR_CTS | R.MSR_DSR | R.MSR_DCD;
  private msrDelta = 0;
  private thrIpending = false;
  private rbr = 0;

  private readonly rx: Uint8Array;
  private rxHead = 0;
  private rxCount = 0;
  private lastRxActivityNs = 0;
  private timeoutFired = false;

  private hostQ: Uint8Array[] = [];
  private hostOff = 0;
  private hostLen = 0;

  private irqLevel = false;

  constructor(cfg: Uart16550Config) {
    const fifo = cfg.fifoSize ?? 16;
    if (fifo !== 16 && fifo !== 64) throw new RangeError(`uart16550: fifoSize must be 16 or 64, got ${fifo}`);
    const limit = cfg.hostQueueLimit ?? 1 << 20;
    if (!Number.isInteger(limit) || limit < 0) throw new RangeError(`uart16550: bad hostQueueLimit ${limit}`);
    this.name = cfg.name ?? 'uart0';
    this.errors = new GuestErrors(this.name, cfg.log);
    this.backend = cfg.backend;
    this.irq = cfg.irq;
    this.clock = cfg.clock;
    this.fifoSize = fifo;
    this.hostLimit = limit;
    this.clockHz = cfg.clockHz ?? R.UART_DEFAULT_CLOCK_HZ;
    this.rx = new Uint8Array(fifo);
  }

  /** Bytes waiting in the host-side queue (not yet in the FIFO). */
  get hostQueued(): number {
    return this.hostLen;
  }

  // ---- host side -------------------------------------------------------------------------

  /** Input from the host (keyboard, socket …). */
  receive(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    this.checkTimeout();
    if (this.hostLimit > 0) {
      // The FIFO's free room counts too: the limit applies to what waits beyond the FIFO.
      const fifoRoom = this.hostLen === 0 && !this.loopback() ? this.capacity() - this.rxCount : 0;
      const take = Math.min(bytes.length, this.hostLimit - this.hostLen + fifoRoom);
      if (take < bytes.length) this.metrics.hostDropped += bytes.length - take;
      if (take > 0) {
        this.hostQ.push(bytes.slice(0, take));
        this.hostLen += take;
      }
      this.pump();
    } else if (this.loopback()) {
      this.metrics.hostDropped += bytes.length; // the receiver listens to the transmitter
    } else {
      for (const b of bytes) this.wireByte(b);
    }
    this.updateIrq();
  }

  /** Re-evaluates time-dependent state (character timeout); call when time has advanced. */
  update(): void {
    this.checkTimeout();
    this.updateIrq();
  }

  /** When update() must next run, in Clock.nowNs() nanoseconds; undefined if nothing is timed. */
  nextDeadline(): bigint | undefined {
    if (!this.timeoutArmed()) return undefined;
    return BigInt(Math.ceil(this.lastRxActivityNs + this.timeoutNs()));
  }

  /** Nanoseconds until nextDeadline(), or undefined. */
  nsUntilDeadline(): number | undefined {
    if (!this.timeoutArmed()) return undefined;
    return Math.max(0, Math.ceil(this.lastRxActivityNs + this.timeoutNs() - this.clock.nowNs()));
  }

  // ---- MMIO ------------------------------------------------------------------------------

  read(offset: number, sizeLog2: SizeLog2, _hi: { value: number }): number {
    if (sizeLog2 !== 0) this.errors.report('access-size', `read of ${1 << sizeLog2} bytes at offset ${offset} (byte registers)`);
    this.checkTimeout();
    const dlab = (this.lcr & R.LCR_DLAB) !== 0;
    switch (offset) {
      case R.RBR_THR_DLL: return dlab ? this.dll : this.readRbr();
      case R.IER_DLM: return dlab ? this.dlm : this.ier;
      case R.IIR_FCR: return this.readIir();
      case R.LCR: return this.lcr;
      case R.MCR: return this.mcr;
      case R.LSR: return this.readLsr();
      case R.MSR: return this.readMsr();
      case R.SCR: return this.scr;
      default:
        this.errors.report('bad-offset', `read at unimplemented offset 0x${offset.toString(16)}`);
        return 0;
    }
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, _hi: number): void {
    if (sizeLog2 !== 0) this.errors.report('access-size', `write of ${1 << sizeLog2} bytes at offset ${offset} (byte registers)`);
    this.checkTimeout();
    const v = lo & 0xff;
    const dlab = (this.lcr & R.LCR_DLAB) !== 0;
    switch (offset) {
      case R.RBR_THR_DLL:
        if (dlab) this.dll = v;
        else this.writeThr(v);
        break;
      case R.IER_DLM:
        if (dlab) this.dlm = v;
        else this.writeIer(v);
        break;
      case R.IIR_FCR: this.writeFcr(v); break;
      case R.LCR: this.lcr = v; break;
      case R.MCR: this.writeMcr(v); break;
      case R.SCR: this.scr = v; break;
      case R.LSR:
      case R.MSR:
        this.errors.report('ro-write', `write of 0x${v.toString(16)} to read-only ${offset === R.LSR ? 'LSR' : 'MSR'}`);
        return;
      default:
        this.errors.report('bad-offset', `write at unimplemented offset 0x${offset.toString(16)}`);
        return;
    }
    this.updateIrq();
  }

  // ---- registers -------------------------------------------------------------------------

  private readRbr(): number {
    if (this.rxCount > 0) {
      this.rbr = this.rx[this.rxHead]!;
      this.rxHead = (this.rxHead + 1) % this.fifoSize;
      this.rxCount--;
    }
    this.lastRxActivityNs = this.clock.nowNs();
    this.timeoutFired = false;
    this.pump();
    this.updateIrq();
    return this.rbr;
  }

  private readIir(): number {
    const id = this.interruptId();
    if (id === R.IIR_THRI) this.thrIpending = false;
    this.updateIrq();
    return id | (this.fifoEnabled ? R.IIR_FIFO_ENABLED : 0);
  }

  private readLsr(): number {
    const v = (this.rxCount > 0 ? R.LSR_DR : 0) | this.lsrErrors | R.LSR_THRE | R.LSR_TEMT;
    this.lsrErrors = 0;
    this.updateIrq();
    return v;
  }

  private readMsr(): number {
    const v = this.msrLines | this.msrDelta;
    this.msrDelta = 0;
    this.updateIrq();
    return v;
  }

  private writeThr(v: number): void {
    this.thrIpending = false;
    this.metrics.txBytes++;
    if (this.loopback()) this.wireByte(v);
    else this.backend.write(Uint8Array.of(v));
    // The byte left at once: THR is empty again and THRE re-arms.
    this.thrIpending = true;
  }

  private writeIer(v: number): void {
    const old = this.ier;
    this.ier = v & R.IER_MASK;
    if ((this.ier & R.IER_ETBEI) !== 0 && (old & R.IER_ETBEI) === 0) this.thrIpending = true; // THR is empty
    if ((this.ier & R.IER_ETBEI) === 0) this.thrIpending = false;
  }

  private writeFcr(v: number): void {
    const enable = (v & R.FCR_ENABLE) !== 0;
    if (enable !== this.fifoEnabled) {
      this.fifoEnabled = enable;
      this.clearRx(); // changing FCR0 resets the FIFOs
    }
    if (enable) {
      if ((v & R.FCR_CLEAR_RX) !== 0) this.clearRx();
      this.trigger = R.FCR_TRIGGER_LEVELS[(v >>> 6) & 3]!;
    }
    this.pump();
  }

  private writeMcr(v: number): void {
    const wasLoop = this.loopback();
    this.mcr = v & R.MCR_MASK;
    this.updateModemLines();
    if (wasLoop && !this.loopback()) this.pump();
  }

  // ---- internals -------------------------------------------------------------------------

  private loopback(): boolean {
    return (this.mcr & R.MCR_LOOP) !== 0;
  }

  private capacity(): number {
    return this.fifoEnabled ? this.fifoSize : 1;
  }

  private clearRx(): void {
    this.rxHead = 0;
    this.rxCount = 0;
    this.timeoutFired = false;
  }

  private pushRx(b: number): void {
    this.rx[(this.rxHead + this.rxCount) % this.fifoSize] = b;
    this.rxCount++;
    this.metrics.rxBytes++;
  }

  /** A byte arriving on the serial line (loopback, or host input without a queue). */
  private wireByte(b: number): void {
    if (this.rxCount >= this.capacity()) {
      this.lsrErrors |= R.LSR_OE;
      this.metrics.overruns++;
      if (!this.fifoEnabled) this.rx[this.rxHead] = b; // RBR overwritten
    } else {
      this.pushRx(b);
    }
    this.lastRxActivityNs = this.clock.nowNs();
    this.timeoutFired = false;
  }

  /** Moves host-queued bytes into the receiver while it has room. */
  private pump(): void {
    if (this.loopback() || this.hostLen === 0) return;
    let moved = false;
    while (this.hostLen > 0 && this.rxCount < this.capacity()) {
      const chunk = this.hostQ[0]!;
      this.pushRx(chunk[this.hostOff++]!);
      this.hostLen--;
      moved = true;
      if (this.hostOff === chunk.length) {
        this.hostQ.shift();
        this.hostOff = 0;
      }
    }
    if (moved) {
      this.lastRxActivityNs = this.clock.nowNs();
      this.timeoutFired = false;
    }
  }

  private updateModemLines(): void {
    let lines: number;
    if (this.loopback()) {
      lines = ((this.mcr & R.MCR_RTS) !== 0 ? R.MSR_CTS : 0)
        | ((this.mcr & R.MCR_DTR) !== 0 ? R.MSR_DSR : 0)
        | ((this.mcr & R.MCR_OUT1) !== 0 ? R.MSR_RI : 0)
        | ((this.mcr & R.MCR_OUT2) !== 0 ? R.MSR_DCD : 0);
    } else {
      lines = R.MSR_CTS | R.MSR_DSR | R.MSR_DCD; // the host end is always connected and ready
    }
    const changed = lines ^ this.msrLines;
    if ((changed & R.MSR_CTS) !== 0) this.msrDelta |= R.MSR_DCTS;
    if ((changed & R.MSR_DSR) !== 0) this.msrDelta |= R.MSR_DDSR;
    if ((this.msrLines & R.MSR_RI) !== 0 && (lines & R.MSR_RI) === 0) this.msrDelta |= R.MSR_TERI; // trailing edge
    if ((changed & R.MSR_DCD) !== 0) this.msrDelta |= R.MSR_DDCD;
    this.msrLines = lines;
  }

  /** One character time per the current divisor and frame format, in ns. */
  private charTimeNs(): number {
    const divisor = ((this.dlm << 8) | this.dll) || 1;
    const baud = this.clockHz / (16 * divisor);
    const dataBits = 5 + (this.lcr & 3);
    const parity = (this.lcr & 0x08) !== 0 ? 1 : 0;
    const stop = (this.lcr & 0x04) === 0 ? 1 : dataBits === 5 ? 1.5 : 2;
    return ((1 + dataBits + parity + stop) / baud) * 1e9;
  }

  private timeoutNs(): number {
    return 4 * this.charTimeNs();
  }

  private timeoutArmed(): boolean {
    return this.fifoEnabled && this.rxCount > 0 && !this.timeoutFired;
  }

  private checkTimeout(): void {
    if (this.timeoutArmed() && this.clock.nowNs() - this.lastRxActivityNs >= this.timeoutNs()) {
      this.timeoutFired = true;
    }
  }

  /** IIR bits 3:0 for the highest-priority pending, enabled interrupt. */
  private interruptId(): number {
    if ((this.ier & R.IER_ELSI) !== 0 && (this.lsrErrors & R.LSR_ERRORS) !== 0) return R.IIR_RLSI;
    if ((this.ier & R.IER_ERBFI) !== 0) {
      if (this.fifoEnabled ? this.rxCount >= this.trigger : this.rxCount > 0) return R.IIR_RDI;
      if (this.fifoEnabled && this.timeoutFired && this.rxCount > 0) return R.IIR_CTI;
    }
    if ((this.ier & R.IER_ETBEI) !== 0 && this.thrIpending) return R.IIR_THRI;
    if ((this.ier & R.IER_EDSSI) !== 0 && this.msrDelta !== 0) return R.IIR_MSI;
    return R.IIR_NO_INT;
  }

  private updateIrq(): void {
    const level = this.interruptId() !== R.IIR_NO_INT;
    if (level === this.irqLevel) return;
    this.irqLevel = level;
    this.irq.setLevel(level);
  }
}

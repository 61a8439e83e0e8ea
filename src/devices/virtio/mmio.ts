/**
 * The virtio-mmio transport, version 2 (virtio 1.2 §4.2.2 "MMIO Device Register Layout",
 * §4.2.3 "MMIO-specific Initialization And Device Operation").
 *
 * One VirtioMmio sits in one virt-board slot (4 KiB window, one PLIC line) and drives one
 * VirtioDevice. It owns:
 *  - the register file (regs.ts), 32-bit aligned accesses only (§4.2.2.2); config space at 0x100
 *    with 1/2/4-byte accesses (8-byte ones are split into two 4-byte ones);
 *  - feature negotiation (§2.2): the transport offers VERSION_1 (required, §6.1),
 *    RING_INDIRECT_DESC and RING_EVENT_IDX plus the device's bits; FEATURES_OK is refused
 *    (stays clear) if the driver accepted a bit not offered or did not accept VERSION_1 (§2.2.2);
 *  - the status handshake (§2.1, §3.1.1): ACKNOWLEDGE → DRIVER → FEATURES_OK → DRIVER_OK; writes out
 *    of order, clearing bits, or register writes in the wrong state are ignored and counted;
 *  - queue setup (§4.2.3.2): QueueNum/Desc/Driver/Device only while QueueReady is 0, and
 *    QueueReady=1 validates size, alignment and that all three areas lie in RAM (otherwise
 *    DEVICE_NEEDS_RESET);
 *  - reset (Status ← 0, §4.2.3.1 / §2.4): device reset, queues dropped, InterruptStatus cleared;
 *  - interrupts: InterruptStatus bit 0 (used buffer) and bit 1 (config change) drive one level
 *    IrqLine (to the PLIC) until acknowledged through InterruptACK; ConfigGeneration increments on
 *    every device config change (§2.5.1);
 *  - DEVICE_NEEDS_RESET (§2.1.2): set on malformed rings or any exception out of the device,
 *    with a configuration-change interrupt when DRIVER_OK is set.
 *
 * Threat model: the guest controls every register write and all ring memory. No register write can
 * make the transport throw, allocate without bound or loop: queue counts are the device's,
 * feature/queue selectors are range-checked, and everything the device does under a guest
 * notification runs inside a try/catch that turns failures into DEVICE_NEEDS_RESET.
 */
import type { IrqLine, MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import type { GuestMemory } from '../../memory/guest-memory.js';
import { GuestMemoryError } from '../../memory/guest-memory.js';
import { GuestErrors, defaultLog, type LogFn } from '../guest-errors.js';
import {
  type VirtioDevice, type VirtioContext, type VirtQueue,
  STATUS_ACKNOWLEDGE, STATUS_DRIVER, STATUS_DRIVER_OK, STATUS_FEATURES_OK, STATUS_DEVICE_NEEDS_RESET, STATUS_FAILED,
  VIRTIO_F_VERSION_1, VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_RING_EVENT_IDX, VIRTQ_MAX_SIZE, bit, hasFeature,
} from './device.js';
import { SplitQueue, checkLayout } from './queue.js';
import * as R from './regs.js';

export interface VirtioMmioConfig {
  device: VirtioDevice;
  mem: GuestMemory;
  irq: IrqLine;
  /** Bus/log name, e.g. "virtio0". */
  name?: string;
  log?: LogFn;
  /**
   * Called whenever the transport raises its interrupt line. The board uses it to wake a sleeping
   * run loop when an asynchronous completion arrives.
   */
  onInterrupt?: () => void;
}

/** Driver-programmed state of one queue. */
interface QueueRegs {
  num: number;
  ready: boolean;
  desc: number;
  avail: number;
  used: number;
  live: SplitQueue | undefined;
}

/** Transport-level feature bits offered on top of the device's own. */
const TRANSPORT_FEATURES = bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_F_RING_INDIRECT_DESC) | bit(VIRTIO_F_RING_EVENT_IDX);

function setLow(v: number, lo: number): number { return Math.floor(v / 0x1_0000_0000) * 0x1_0000_0000 + (lo >>> 0); }
function setHigh(v: number, hi: number): number { return (hi >>> 0) * 0x1_0000_0000 + (v % 0x1_0000_0000); }

export class VirtioMmio implements MmioDevice {
  static readonly SIZE = R.VIRTIO_MMIO_SIZE;
  readonly name: string;
  readonly device: VirtioDevice;
  readonly errors: GuestErrors;
  /** Device features offered (transport + device). */
  readonly offered: bigint;
  private readonly mem: GuestMemory;
  private readonly irq: IrqLine;
  private readonly log: LogFn;
  private readonly onIrq: (() => void) | undefined;
  private readonly maxSizes: readonly number[];
  private status = 0;
  private devFeatSel = 0;
  private drvFeatSel = 0;
  private drvFeatures = 0n;
  private negotiated = 0n;
  private queueSel = 0;
  private intStatus = 0;
  private generation = 0;
  private queues: QueueRegs[];
  /** Queues kicked after QueueReady but before DRIVER_OK: delivered right after activation. */
  private earlyKicks = new Set<number>();
  /** Number of DEVICE_NEEDS_RESET events (metric). */
  needsResetCount = 0;
  /** Number of device resets (metric). */
  resetCount = 0;

  constructor(cfg: VirtioMmioConfig) {
    this.device = cfg.device;
    this.name = cfg.name ?? cfg.device.name;
    this.log = cfg.log ?? defaultLog;
    this.errors = new GuestErrors(this.name, this.log);
    this.mem = cfg.mem;
    this.irq = cfg.irq;
    this.onIrq = cfg.onInterrupt;
    this.maxSizes = cfg.device.queueMaxSizes.map((n) => {
      if (!Number.isInteger(n) || n < 1 || n > VIRTQ_MAX_SIZE || (n & (n - 1)) !== 0) {
        throw new RangeError(`${this.name}: queue max size ${n} must be a power of two in 1..${VIRTQ_MAX_SIZE}`);
      }
      return n;
    });
    if (cfg.device.configSize < 0 || cfg.device.configSize > R.VIRTIO_MMIO_SIZE - R.CONFIG) {
      throw new RangeError(`${this.name}: config space of ${cfg.device.configSize} bytes does not fit`);
    }
    this.offered = TRANSPORT_FEATURES | cfg.device.features;
    this.queues = this.maxSizes.map(() => this.freshQueue());
    const self = this;
    const ctx: VirtioContext = {
      mem: this.mem,
      errors: this.errors,
      log: this.log,
      configChanged: () => this.configChanged(),
      needsReset: (kind, detail) => this.needsReset(kind, detail),
      get driverFeatures() { return self.negotiated; },
    };
    this.device.attach(ctx);
  }

  private freshQueue(): QueueRegs {
    return { num: 0, ready: false, desc: 0, avail: 0, used: 0, live: undefined };
  }

  /** Current device status (for tests and monitoring). */
  get deviceStatus(): number { return this.status; }
  /** Negotiated features (0n before FEATURES_OK). */
  get features(): bigint { return this.negotiated; }
  /** Current InterruptStatus. */
  get interruptStatus(): number { return this.intStatus; }
  /** True when the driver has set DRIVER_OK and the device has not failed. */
  get running(): boolean { return (this.status & STATUS_DRIVER_OK) !== 0 && (this.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED)) === 0; }

  // ---- interrupts ----

  private raise(bitv: number): void {
    this.intStatus |= bitv;
    this.irq.setLevel(true);
    this.onIrq?.();
  }

  private configChanged(): void {
    this.generation = (this.generation + 1) >>> 0;
    if (this.status & STATUS_DRIVER_OK) this.raise(R.INT_CONFIG);
  }

  private needsReset(kind: string, detail: string): void {
    this.errors.report(kind, detail);
    if (this.status & STATUS_DEVICE_NEEDS_RESET) return;
    this.needsResetCount++;
    this.status |= STATUS_DEVICE_NEEDS_RESET;
    for (const q of this.queues) q.live?.kill();
    if (this.status & STATUS_DRIVER_OK) this.raise(R.INT_CONFIG);
  }

  /** Runs a device callback; any exception becomes DEVICE_NEEDS_RESET (and is counted). */
  private call(what: string, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof GuestMemoryError) this.needsReset('guest-memory', `${what}: ${e.message}`);
      else this.needsReset('device-exception', `${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  // ---- reset ----

  /** Device reset (§2.4): the driver wrote 0 to Status, or the board resets. */
  reset(): void {
    this.resetCount++;
    for (const q of this.queues) q.live?.kill();
    this.queues = this.maxSizes.map(() => this.freshQueue());
    this.earlyKicks.clear();
    this.status = 0;
    this.devFeatSel = 0;
    this.drvFeatSel = 0;
    this.drvFeatures = 0n;
    this.negotiated = 0n;
    this.queueSel = 0;
    this.intStatus = 0;
    this.irq.setLevel(false);
    this.call('reset', () => this.device.reset());
  }

  // ---- MmioDevice ----

  read(offset: number, sizeLog2: SizeLog2, hi: { value: number }): number {
    if (offset >= R.CONFIG) return this.readConfig(offset - R.CONFIG, sizeLog2, hi);
    if (sizeLog2 !== 2 || (offset & 3) !== 0) {
      this.errors.report('bad-access', `${1 << sizeLog2}-byte read at 0x${offset.toString(16)} (registers are 32-bit)`);
      return 0;
    }
    switch (offset) {
      case R.MAGIC_VALUE: return R.MAGIC;
      case R.VERSION: return R.MMIO_VERSION;
      case R.DEVICE_ID: return this.device.deviceId;
      case R.VENDOR_ID: return R.VENDOR_QEMU;
      case R.DEVICE_FEATURES:
        return this.devFeatSel > 1 ? 0 : Number((this.offered >> BigInt(32 * this.devFeatSel)) & 0xffffffffn) | 0;
      case R.QUEUE_NUM_MAX: return this.queueSel < this.queues.length ? this.maxSizes[this.queueSel]! : 0;
      case R.QUEUE_READY: return this.queueSel < this.queues.length && this.queues[this.queueSel]!.ready ? 1 : 0;
      case R.INTERRUPT_STATUS: return this.intStatus;
      case R.STATUS: return this.status;
      case R.SHM_LEN_LOW: case R.SHM_LEN_HIGH: case R.SHM_BASE_LOW: case R.SHM_BASE_HIGH:
        return -1; // no shared memory regions (§4.2.2: length -1 for a non-existent region)
      case R.CONFIG_GENERATION: return this.generation | 0;
      case R.QUEUE_RESET: return 0;
      case R.DEVICE_FEATURES_SEL: case R.DRIVER_FEATURES: case R.DRIVER_FEATURES_SEL: case R.QUEUE_SEL:
      case R.QUEUE_NUM: case R.QUEUE_NOTIFY: case R.INTERRUPT_ACK:
      case R.QUEUE_DESC_LOW: case R.QUEUE_DESC_HIGH: case R.QUEUE_DRIVER_LOW: case R.QUEUE_DRIVER_HIGH:
      case R.QUEUE_DEVICE_LOW: case R.QUEUE_DEVICE_HIGH: case R.SHM_SEL:
        this.errors.report('read-write-only', `read of write-only register 0x${offset.toString(16)}`);
        return 0;
      default:
        this.errors.report('bad-offset', `read of unknown register 0x${offset.toString(16)}`);
        return 0;
    }
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, hi: number): void {
    if (offset >= R.CONFIG) { this.writeConfig(offset - R.CONFIG, sizeLog2, lo, hi); return; }
    if (sizeLog2 !== 2 || (offset & 3) !== 0) {
      this.errors.report('bad-access', `${1 << sizeLog2}-byte write at 0x${offset.toString(16)} (registers are 32-bit)`);
      return;
    }
    const v = lo >>> 0;
    switch (offset) {
      case R.DEVICE_FEATURES_SEL: this.devFeatSel = v; return;
      case R.DRIVER_FEATURES_SEL: this.drvFeatSel = v; return;
      case R.DRIVER_FEATURES: {
        if ((this.status & STATUS_FEATURES_OK) || !(this.status & STATUS_DRIVER)) {
          this.errors.report('state', `DriverFeatures written in status 0x${this.status.toString(16)}`);
          return;
        }
        if (this.drvFeatSel > 1) {
          if (v !== 0) this.errors.report('bad-features', `DriverFeatures[${this.drvFeatSel}] = 0x${v.toString(16)}`);
          return;
        }
        const sh = BigInt(32 * this.drvFeatSel);
        this.drvFeatures = (this.drvFeatures & ~(0xffffffffn << sh)) | (BigInt(v) << sh);
        return;
      }
      case R.QUEUE_SEL: this.queueSel = v; return;
      case R.QUEUE_NUM: this.queueReg((q) => { q.num = v; }); return;
      case R.QUEUE_DESC_LOW: this.queueReg((q) => { q.desc = setLow(q.desc, v); }); return;
      case R.QUEUE_DESC_HIGH: this.queueReg((q) => { q.desc = setHigh(q.desc, v); }); return;
      case R.QUEUE_DRIVER_LOW: this.queueReg((q) => { q.avail = setLow(q.avail, v); }); return;
      case R.QUEUE_DRIVER_HIGH: this.queueReg((q) => { q.avail = setHigh(q.avail, v); }); return;
      case R.QUEUE_DEVICE_LOW: this.queueReg((q) => { q.used = setLow(q.used, v); }); return;
      case R.QUEUE_DEVICE_HIGH: this.queueReg((q) => { q.used = setHigh(q.used, v); }); return;
      case R.QUEUE_READY: this.writeQueueReady(v); return;
      case R.QUEUE_NOTIFY: this.writeNotify(v); return;
      case R.INTERRUPT_ACK:
        this.intStatus &= ~v & 3;
        if (this.intStatus === 0) this.irq.setLevel(false);
        return;
      case R.STATUS: this.writeStatus(v); return;
      case R.SHM_SEL: return;
      case R.QUEUE_RESET:
        this.errors.report('state', 'QueueReset written without VIRTIO_F_RING_RESET');
        return;
      default:
        this.errors.report('bad-offset', `write of 0x${v.toString(16)} to read-only or unknown register 0x${offset.toString(16)}`);
    }
  }

  /** Applies a write to the selected queue's setup registers, if allowed now (§4.2.3.2). */
  private queueReg(fn: (q: QueueRegs) => void): void {
    const q = this.queues[this.queueSel];
    if (q === undefined) { this.errors.report('bad-queue', `setup of nonexistent queue ${this.queueSel}`); return; }
    if (q.ready) { this.errors.report('state', `queue ${this.queueSel} setup written while QueueReady is 1`); return; }
    if (!(this.status & STATUS_FEATURES_OK) || (this.status & STATUS_DRIVER_OK)) {
      // Linux programs queues after FEATURES_OK and before DRIVER_OK (§3.1.1 step 7).
      this.errors.report('state', `queue ${this.queueSel} setup written in status 0x${this.status.toString(16)}`);
      return;
    }
    fn(q);
  }

  private writeQueueReady(v: number): void {
    const i = this.queueSel;
    const q = this.queues[i];
    if (q === undefined) { this.errors.report('bad-queue', `QueueReady of nonexistent queue ${i}`); return; }
    if (v === 0) {
      q.ready = false;
      q.live?.kill();
      q.live = undefined;
      return;
    }
    if (v !== 1) { this.errors.report('bad-value', `QueueReady = ${v}`); return; }
    if (q.ready) return;
    if (!(this.status & STATUS_FEATURES_OK) || (this.status & (STATUS_DRIVER_OK | STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED))) {
      this.errors.report('state', `QueueReady set in status 0x${this.status.toString(16)}`);
      return;
    }
    const layout = { size: q.num, desc: q.desc, avail: q.avail, used: q.used };
    const bad = checkLayout(this.mem, layout, this.maxSizes[i]!);
    if (bad !== undefined) { this.needsReset('bad-queue-setup', `queue ${i}: ${bad}`); return; }
    q.ready = true;
    q.live = new SplitQueue({
      index: i,
      layout,
      mem: this.mem,
      indirect: hasFeature(this.negotiated, VIRTIO_F_RING_INDIRECT_DESC),
      eventIdx: hasFeature(this.negotiated, VIRTIO_F_RING_EVENT_IDX),
      onBroken: (kind, detail) => this.needsReset(kind, detail),
      onInterrupt: () => this.raise(R.INT_VRING),
    });
  }

  private writeNotify(v: number): void {
    // Without VIRTIO_F_NOTIFICATION_DATA the value is the queue index (§4.2.2).
    if (!this.running && (this.status & STATUS_FEATURES_OK) && !(this.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED)) &&
        this.queues[v]?.ready === true) {
      // §3.1.1 forbids kicks before DRIVER_OK, but Linux's virtio-balloon kicks its stats queue during
      // probe (QEMU serves such kicks): remember it and deliver it once the device is live.
      this.earlyKicks.add(v);
      return;
    }
    if (!this.running) {
      if (!(this.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED))) this.errors.report('state', `QueueNotify(${v}) before DRIVER_OK`);
      return;
    }
    const q = this.queues[v];
    if (q === undefined || !q.ready) { this.errors.report('bad-queue', `QueueNotify of queue ${v}, which is not ready`); return; }
    this.call(`notify(${v})`, () => this.device.notify(v));
  }

  private writeStatus(v: number): void {
    if (v === 0) { this.reset(); return; }
    const old = this.status;
    const set = v & ~old;
    if ((old & ~v) & ~STATUS_DEVICE_NEEDS_RESET) {
      this.errors.report('status-order', `status 0x${old.toString(16)} → 0x${v.toString(16)} clears bits (only a reset may)`);
      return;
    }
    if (set & STATUS_DEVICE_NEEDS_RESET) {
      this.errors.report('status-order', 'driver set DEVICE_NEEDS_RESET');
      return;
    }
    if (set & STATUS_FAILED) { this.status |= STATUS_FAILED; return; }
    const want = old | v;
    const need = (b: number, pre: number): boolean => (want & b) !== 0 && (want & pre) !== pre;
    if (need(STATUS_DRIVER, STATUS_ACKNOWLEDGE) || need(STATUS_FEATURES_OK, STATUS_DRIVER) || need(STATUS_DRIVER_OK, STATUS_FEATURES_OK)) {
      this.errors.report('status-order', `status 0x${old.toString(16)} → 0x${v.toString(16)} out of order`);
      return;
    }
    if (old & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED)) {
      if (set) this.errors.report('state', `status 0x${v.toString(16)} written while the device needs a reset`);
      return;
    }
    if (set & STATUS_FEATURES_OK) {
      const unknown = this.drvFeatures & ~this.offered;
      if (unknown !== 0n || !hasFeature(this.drvFeatures, VIRTIO_F_VERSION_1)) {
        // §2.2.2: the device leaves FEATURES_OK clear; the driver re-reads it and gives up.
        this.errors.report('bad-features', unknown !== 0n
          ? `driver accepted features not offered: 0x${unknown.toString(16)}`
          : 'driver did not accept VIRTIO_F_VERSION_1 (required by virtio-mmio version 2)');
        this.status = old | (v & (STATUS_ACKNOWLEDGE | STATUS_DRIVER));
        return;
      }
      this.negotiated = this.drvFeatures;
    }
    this.status = want;
    if (set & STATUS_DRIVER_OK) {
      const qs: (VirtQueue | undefined)[] = this.queues.map((q) => q.live);
      this.call('activate', () => this.device.activate(qs, this.negotiated));
      const early = [...this.earlyKicks];
      this.earlyKicks.clear();
      for (const i of early) if (this.running && this.queues[i]?.ready) this.call(`notify(${i})`, () => this.device.notify(i));
    }
  }

  // ---- config space ----

  private readConfig(off: number, sizeLog2: SizeLog2, hi: { value: number }): number {
    const size = this.device.configSize;
    const n = 1 << sizeLog2;
    if (off + n > size || (off & (n - 1)) !== 0) {
      this.errors.report('bad-config-access', `${n}-byte config read at 0x${off.toString(16)} (config is ${size} bytes)`);
      return 0;
    }
    let v = 0;
    this.call('readConfig', () => {
      if (n === 8) { v = this.device.readConfig(off, 4); hi.value = this.device.readConfig(off + 4, 4) | 0; }
      else v = this.device.readConfig(off, n as 1 | 2 | 4);
    });
    return v | 0;
  }

  private writeConfig(off: number, sizeLog2: SizeLog2, lo: number, hi: number): void {
    const size = this.device.configSize;
    const n = 1 << sizeLog2;
    if (off + n > size || (off & (n - 1)) !== 0) {
      this.errors.report('bad-config-access', `${n}-byte config write at 0x${off.toString(16)} (config is ${size} bytes)`);
      return;
    }
    if (!(this.status & STATUS_DRIVER) || (this.status & (STATUS_DEVICE_NEEDS_RESET | STATUS_FAILED))) {
      this.errors.report('state', `config write in status 0x${this.status.toString(16)}`);
      return;
    }
    this.call('writeConfig', () => {
      if (n === 8) { this.device.writeConfig(off, 4, lo >>> 0); this.device.writeConfig(off + 4, 4, hi >>> 0); }
      else this.device.writeConfig(off, n as 1 | 2 | 4, n === 4 ? lo >>> 0 : lo & ((1 << (8 * n)) - 1));
    });
  }
}

/**
 * A driver-side virtio-mmio mock for device tests (the counterpart of rust-vmm's virtio-queue
 * `mock.rs`): it performs the handshake through the transport's registers, lays out split rings in
 * a real GuestMemory, adds descriptor chains (direct or indirect), kicks and reads completions.
 *
 *   const rig = virtioRig(new VirtioRng({ source }));     // transport + 32 MiB guest RAM
 *   const drv = rig.driver;
 *   drv.init();                                            // ACK, DRIVER, features, FEATURES_OK, queues, DRIVER_OK
 *   const buf = drv.alloc(64);
 *   drv.queue(0).add([{ addr: buf, len: 64, write: true }]);
 *   drv.queue(0).kick();
 *   const [u] = drv.queue(0).takeUsed();                   // { id, len }
 *
 * Nothing here validates what the test does: adversarial tests write raw descriptors with
 * `writeDesc` / `publish` and set registers with `w32`.
 */
import type { GuestMemory } from '../../src/memory/guest-memory.js';
import type { MmioDevice } from '../../src/bus/mmio.js';
import * as R from '../../src/devices/virtio/regs.js';
import {
  STATUS_ACKNOWLEDGE, STATUS_DRIVER, STATUS_FEATURES_OK, STATUS_DRIVER_OK,
  VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTIO_F_RING_EVENT_IDX, hasFeature,
} from '../../src/devices/virtio/device.js';

/** One buffer of a chain to add. */
export interface Buf {
  addr: number;
  len: number;
  /** Device-writable. */
  write?: boolean;
}

export interface UsedElem {
  id: number;
  len: number;
}

/** A driver-side split virtqueue in guest memory. */
export class DriverQueue {
  private freeHead = 0;
  private readonly free: number[] = [];
  private availIdx = 0;
  private lastUsed = 0;
  /** Descriptor heads → how many descriptors they hold (to free them on completion). */
  private readonly chainLen = new Map<number, number[]>();

  constructor(
    readonly drv: VirtioTestDriver,
    readonly index: number,
    readonly size: number,
    readonly desc: number,
    readonly avail: number,
    readonly used: number,
    readonly eventIdx: boolean,
  ) {
    for (let i = 0; i < size; i++) this.free.push(i);
  }

  get mem(): GuestMemory { return this.drv.mem; }

  /** Writes descriptor `i` of the table at `table` (default: this queue's table). */
  writeDesc(i: number, addr: number | bigint, len: number, flags: number, next: number, table = this.desc): void {
    const d = table + 16 * i;
    this.mem.write64(d, BigInt(addr));
    this.mem.write32(d + 8, len >>> 0);
    this.mem.write16(d + 12, flags);
    this.mem.write16(d + 14, next);
  }

  /** Puts `head` in the available ring and bumps avail.idx (by `bump`, default 1). */
  publish(head: number, bump = 1): void {
    this.mem.write16(this.avail + 4 + 2 * (this.availIdx % this.size), head);
    this.availIdx = (this.availIdx + bump) & 0xffff;
    this.mem.write16(this.avail + 2, this.availIdx);
  }

  /** Sets avail.idx directly (adversarial tests). */
  setAvailIdx(v: number): void { this.availIdx = v & 0xffff; this.mem.write16(this.avail + 2, this.availIdx); }

  /** Free descriptors left. */
  get freeCount(): number { return this.free.length; }

  /**
   * Adds a chain of buffers (readable ones must come first); returns the head, or undefined when out
   * of descriptors. With `indirect`, one ring descriptor points to a table allocated in guest RAM.
   */
  add(bufs: readonly Buf[], opts: { indirect?: boolean } = {}): number | undefined {
    if (opts.indirect) {
      if (this.free.length < 1) return undefined;
      const table = this.drv.alloc(16 * bufs.length, 16);
      bufs.forEach((b, i) => this.writeDesc(i, b.addr, b.len, (b.write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < bufs.length ? VIRTQ_DESC_F_NEXT : 0), i + 1, table));
      const head = this.free.shift()!;
      this.writeDesc(head, table, 16 * bufs.length, VIRTQ_DESC_F_INDIRECT, 0);
      this.chainLen.set(head, [head]);
      this.publish(head);
      return head;
    }
    if (this.free.length < bufs.length || bufs.length === 0) return undefined;
    const ids = this.free.splice(0, bufs.length);
    bufs.forEach((b, i) => this.writeDesc(ids[i]!, b.addr, b.len, (b.write ? VIRTQ_DESC_F_WRITE : 0) | (i + 1 < bufs.length ? VIRTQ_DESC_F_NEXT : 0), ids[i + 1] ?? 0));
    this.chainLen.set(ids[0]!, ids);
    this.publish(ids[0]!);
    return ids[0]!;
  }

  /** QueueNotify for this queue. */
  kick(): void { this.drv.w32(R.QUEUE_NOTIFY, this.index); }

  /** Used elements added since the last call (frees their descriptors). */
  takeUsed(): UsedElem[] {
    const out: UsedElem[] = [];
    const idx = this.mem.read16(this.used + 2);
    let guard = 0;
    while (this.lastUsed !== idx && guard++ < 65536) {
      const e = this.used + 4 + 8 * (this.lastUsed % this.size);
      const id = this.mem.read32(e), len = this.mem.read32(e + 4);
      out.push({ id, len });
      const ids = this.chainLen.get(id);
      if (ids) { this.free.push(...ids); this.chainLen.delete(id); }
      this.lastUsed = (this.lastUsed + 1) & 0xffff;
    }
    if (this.eventIdx) this.mem.write16(this.avail + 4 + 2 * this.size, this.lastUsed);
    return out;
  }

  /** used.idx as the device wrote it. */
  usedIdx(): number { return this.mem.read16(this.used + 2); }
  /** avail_event (EVENT_IDX) as the device wrote it. */
  availEvent(): number { return this.mem.read16(this.used + 4 + 8 * this.size); }
  /** used.flags as the device wrote it. */
  usedFlags(): number { return this.mem.read16(this.used); }
  /** Sets avail.flags (e.g. VIRTQ_AVAIL_F_NO_INTERRUPT). */
  setAvailFlags(f: number): void { this.mem.write16(this.avail, f); }
  /** Sets used_event (EVENT_IDX). */
  setUsedEvent(v: number): void { this.mem.write16(this.avail + 4 + 2 * this.size, v); }
}

/**
 * Guest-side memory layout of the mock: rings are bump-allocated from [ramBase+1 MiB, +3 MiB)
 * (restarted by every init()), buffers from the heap above (wrapping around when full).
 */
export class VirtioTestDriver {
  private next: number;
  private ringNext: number;
  private readonly ringBase: number;
  private readonly ringEnd: number;
  private readonly queues: DriverQueue[] = [];
  /** Features negotiated by init(). */
  features = 0n;

  constructor(readonly transport: MmioDevice, readonly mem: GuestMemory, readonly heapBase = mem.ramBase + 0x40_0000, readonly heapEnd = mem.ramBase + mem.ramSize) {
    this.next = heapBase;
    this.ringBase = this.ringNext = mem.ramBase + 0x10_0000;
    this.ringEnd = mem.ramBase + 0x40_0000;
  }

  private ringAlloc(len: number, align: number): number {
    const a = Math.ceil(this.ringNext / align) * align;
    if (a + len > this.ringEnd) throw new RangeError(`mock driver: rings need more than ${this.ringEnd - this.ringBase} bytes`);
    this.ringNext = a + len;
    this.mem.fill(a, len, 0);
    return a;
  }

  r32(off: number): number { return this.transport.read(off, 2, { value: 0 }) >>> 0; }
  w32(off: number, v: number): void { this.transport.write(off, 2, v >>> 0, 0); }
  /** Config space read (1, 2 or 4 bytes). */
  cfg(off: number, size: 1 | 2 | 4): number {
    const v = this.transport.read(R.CONFIG + off, size === 1 ? 0 : size === 2 ? 1 : 2, { value: 0 });
    return size === 4 ? v >>> 0 : v & (size === 1 ? 0xff : 0xffff);
  }
  cfgWrite(off: number, size: 1 | 2 | 4, v: number): void { this.transport.write(R.CONFIG + off, size === 1 ? 0 : size === 2 ? 1 : 2, v, 0); }

  /** Bump-allocates `len` bytes of guest RAM (zeroed); wraps to the heap start when full. */
  alloc(len: number, align = 16): number {
    let a = Math.ceil(this.next / align) * align;
    if (a + len > this.heapEnd) a = Math.ceil(this.heapBase / align) * align;
    if (a + len > this.heapEnd) throw new RangeError(`mock driver: cannot allocate ${len} bytes`);
    this.next = a + len;
    this.mem.fill(a, len, 0);
    return a;
  }


  deviceFeatures(): bigint {
    this.w32(R.DEVICE_FEATURES_SEL, 1);
    const hi = BigInt(this.r32(R.DEVICE_FEATURES));
    this.w32(R.DEVICE_FEATURES_SEL, 0);
    return (hi << 32n) | BigInt(this.r32(R.DEVICE_FEATURES));
  }

  /**
   * Full initialisation (§3.1.1): reset, ACK, DRIVER, features (offered ∩ accept), FEATURES_OK,
   * queues (size = min(max, queueSize)), DRIVER_OK. Returns false if FEATURES_OK was refused.
   */
  init(opts: { accept?: bigint; queueSize?: number; queues?: number; driverOk?: boolean } = {}): boolean {
    this.w32(R.STATUS, 0);
    this.queues.length = 0;
    this.ringNext = this.ringBase;
    this.w32(R.STATUS, STATUS_ACKNOWLEDGE);
    this.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
    const offered = this.deviceFeatures();
    this.features = offered & (opts.accept ?? offered);
    this.w32(R.DRIVER_FEATURES_SEL, 0);
    this.w32(R.DRIVER_FEATURES, Number(this.features & 0xffffffffn));
    this.w32(R.DRIVER_FEATURES_SEL, 1);
    this.w32(R.DRIVER_FEATURES, Number(this.features >> 32n));
    this.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
    if (!(this.r32(R.STATUS) & STATUS_FEATURES_OK)) return false;
    const eventIdx = hasFeature(this.features, VIRTIO_F_RING_EVENT_IDX);
    for (let i = 0; i < (opts.queues ?? 64); i++) {
      this.w32(R.QUEUE_SEL, i);
      const max = this.r32(R.QUEUE_NUM_MAX);
      if (max === 0) break;
      const n = Math.min(max, opts.queueSize ?? 16);
      const desc = this.ringAlloc(16 * n, 16), avail = this.ringAlloc(6 + 2 * n, 2), used = this.ringAlloc(6 + 8 * n, 4);
      this.w32(R.QUEUE_NUM, n);
      this.w32(R.QUEUE_DESC_LOW, desc); this.w32(R.QUEUE_DESC_HIGH, Math.floor(desc / 2 ** 32));
      this.w32(R.QUEUE_DRIVER_LOW, avail); this.w32(R.QUEUE_DRIVER_HIGH, Math.floor(avail / 2 ** 32));
      this.w32(R.QUEUE_DEVICE_LOW, used); this.w32(R.QUEUE_DEVICE_HIGH, Math.floor(used / 2 ** 32));
      this.w32(R.QUEUE_READY, 1);
      this.queues.push(new DriverQueue(this, i, n, desc, avail, used, eventIdx));
    }
    if (opts.driverOk ?? true) this.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
    return true;
  }

  /** Posts `n` device-writable buffers of `len` bytes on queue `i` and kicks it; returns their addresses by head. */
  postWritable(i: number, n: number, len: number): Map<number, number> {
    const q = this.queue(i);
    const m = new Map<number, number>();
    for (let k = 0; k < n; k++) {
      const a = this.alloc(len);
      m.set(q.add([{ addr: a, len, write: true }])!, a);
    }
    q.kick();
    return m;
  }

  queue(i: number): DriverQueue {
    const q = this.queues[i];
    if (q === undefined) throw new RangeError(`mock driver: queue ${i} not set up`);
    return q;
  }
  get queueCount(): number { return this.queues.length; }

  status(): number { return this.r32(R.STATUS); }
  /** Reads and acknowledges InterruptStatus; returns it. */
  ackInterrupt(): number {
    const s = this.r32(R.INTERRUPT_STATUS);
    if (s) this.w32(R.INTERRUPT_ACK, s);
    return s;
  }
}

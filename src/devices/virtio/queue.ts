/**
 * Split virtqueues (virtio 1.2 §2.7): the device side of the descriptor table, the available ring
 * (driver area) and the used ring (device area), with indirect descriptors (§2.7.5.3,
 * VIRTIO_F_RING_INDIRECT_DESC) and event-index notification suppression (§2.7.7, §2.7.10,
 * VIRTIO_F_RING_EVENT_IDX).
 *
 * Layouts (little-endian, §2.7.5–§2.7.8), N = queue size:
 *   descriptor table: N × { addr u64, len u32, flags u16, next u16 }            align 16
 *   available ring:   flags u16, idx u16, ring[N] u16, used_event u16         align 2
 *   used ring:        flags u16, idx u16, ring[N] { id u32, len u32 }, avail_event u16   align 4
 *
 * Hardening: every guest value is checked before use, every loop is bounded by the queue size
 * (or by the indirect table's entry count, itself ≤ VIRTQ_MAX_INDIRECT), and all guest memory goes
 * through GuestMemory (which throws on out-of-RAM access; the throw is caught here and turned into
 * a broken queue). A broken queue reports once through `onBroken` (the transport sets
 * DEVICE_NEEDS_RESET) and does nothing more until reset.
 */
import type { GuestMemory } from '../../memory/guest-memory.js';
import {
  type DescriptorChain, type Segment, type VirtQueue,
  VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT, VIRTQ_AVAIL_F_NO_INTERRUPT,
  VIRTQ_USED_F_NO_NOTIFY, VIRTQ_MAX_INDIRECT,
} from './device.js';

/** Where a queue's three areas are, and its size: what the driver programmed. */
export interface QueueLayout {
  size: number;
  desc: number;
  avail: number;
  used: number;
}

export interface SplitQueueOptions {
  index: number;
  layout: QueueLayout;
  mem: GuestMemory;
  /** VIRTIO_F_RING_INDIRECT_DESC negotiated. */
  indirect: boolean;
  /** VIRTIO_F_RING_EVENT_IDX negotiated. */
  eventIdx: boolean;
  /** Called once when the queue breaks (malformed ring or out-of-RAM access). */
  onBroken: (kind: string, detail: string) => void;
  /** Raises the used-buffer interrupt. */
  onInterrupt: () => void;
}

/** A guest-caused error in the rings; caught inside this module. */
class RingError extends Error {
  constructor(readonly kind: string, detail: string) { super(detail); }
}

/** Checks a queue layout against RAM and alignment (§2.7: desc 16, avail 2, used 4); returns an error text or undefined. */
export function checkLayout(mem: GuestMemory, l: QueueLayout, maxSize: number): string | undefined {
  const n = l.size;
  if (!Number.isInteger(n) || n < 1 || n > maxSize || (n & (n - 1)) !== 0) return `queue size ${n} is not a power of two in 1..${maxSize}`;
  if (l.desc % 16 !== 0) return `descriptor table 0x${l.desc.toString(16)} is not 16-byte aligned`;
  if (l.avail % 2 !== 0) return `driver area 0x${l.avail.toString(16)} is not 2-byte aligned`;
  if (l.used % 4 !== 0) return `device area 0x${l.used.toString(16)} is not 4-byte aligned`;
  if (!mem.isRam(l.desc, 16 * n)) return `descriptor table 0x${l.desc.toString(16)}+${16 * n} is outside RAM`;
  if (!mem.isRam(l.avail, 6 + 2 * n)) return `driver area 0x${l.avail.toString(16)}+${6 + 2 * n} is outside RAM`;
  if (!mem.isRam(l.used, 6 + 8 * n)) return `device area 0x${l.used.toString(16)}+${6 + 8 * n} is outside RAM`;
  return undefined;
}

/** A descriptor chain: segments collected and checked at pop time. */
class Chain implements DescriptorChain {
  used = false;
  constructor(
    readonly queue: SplitQueue,
    readonly epoch: number,
    readonly head: number,
    readonly queueIndex: number,
    readonly readable: readonly Segment[],
    readonly writable: readonly Segment[],
    readonly readableLength: number,
    readonly writableLength: number,
  ) {}

  private walk(segs: readonly Segment[], offset: number, len: number, fn: (addr: number, n: number, at: number) => void): number {
    if (!(offset >= 0) || !(len > 0)) return 0;
    let skip = offset, left = len, done = 0;
    for (const s of segs) {
      if (left === 0) break;
      if (skip >= s.len) { skip -= s.len; continue; }
      const n = Math.min(s.len - skip, left);
      fn(s.addr + skip, n, done);
      skip = 0; left -= n; done += n;
    }
    return done;
  }

  read(offset: number, len: number): Uint8Array {
    const n = Math.max(0, Math.min(len, this.readableLength - offset));
    const out = new Uint8Array(n);
    this.readInto(offset, out);
    return out;
  }
  readInto(offset: number, dst: Uint8Array): number {
    const mem = this.queue.mem;
    return this.walk(this.readable, offset, dst.length, (a, n, at) => dst.set(mem.view(a, n), at));
  }
  write(offset: number, data: Uint8Array): number {
    const mem = this.queue.mem;
    return this.walk(this.writable, offset, data.length, (a, n, at) => mem.write(a, data.subarray(at, at + n)));
  }
  fill(offset: number, len: number, value: number): number {
    const mem = this.queue.mem;
    return this.walk(this.writable, offset, len, (a, n) => mem.fill(a, n, value));
  }
  forEachWritable(offset: number, len: number, fn: (view: Uint8Array) => void): number {
    const mem = this.queue.mem;
    return this.walk(this.writable, offset, len, (a, n) => fn(mem.writableView(a, n)));
  }
  forEachReadable(offset: number, len: number, fn: (view: Uint8Array) => void): number {
    const mem = this.queue.mem;
    return this.walk(this.readable, offset, len, (a, n) => fn(mem.view(a, n)));
  }
}

/** The device side of one split virtqueue. */
export class SplitQueue implements VirtQueue {
  readonly index: number;
  readonly size: number;
  readonly mem: GuestMemory;
  private readonly desc: number;
  private readonly avail: number;
  private readonly used: number;
  private readonly indirect: boolean;
  private readonly eventIdx: boolean;
  private readonly onBroken: (kind: string, detail: string) => void;
  private readonly onInterrupt: () => void;
  /** Next available-ring index to consume (free-running u16). */
  private lastAvail = 0;
  /** Next used-ring index to fill (free-running u16). */
  private usedIdx = 0;
  /** usedIdx at the last notify() (EVENT_IDX: the "old" index of vring_need_event). */
  private signalledUsed = 0;
  private unsignalled = false;
  private notificationsOn = true;
  private alive = true;
  /** Chains carry the epoch they were popped in; a stale one is ignored by pushUsed. */
  private static nextEpoch = 1;
  private readonly epoch = SplitQueue.nextEpoch++;
  /** Chains popped and not yet used (bounded by size: a driver cannot have more in flight). */
  private inFlight = 0;

  constructor(o: SplitQueueOptions) {
    this.index = o.index;
    this.size = o.layout.size;
    this.mem = o.mem;
    this.desc = o.layout.desc;
    this.avail = o.layout.avail;
    this.used = o.layout.used;
    this.indirect = o.indirect;
    this.eventIdx = o.eventIdx;
    this.onBroken = o.onBroken;
    this.onInterrupt = o.onInterrupt;
  }

  get live(): boolean { return this.alive; }

  /** Stops the queue without reporting (reset, QueueReady=0). Chains popped before are now stale. */
  kill(): void { this.alive = false; }

  private fail(kind: string, detail: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.onBroken(kind, `queue ${this.index}: ${detail}`);
  }

  /** Runs `fn`, converting ring errors and out-of-RAM accesses into a broken queue. */
  private guard<T>(fn: () => T, fallback: T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof RingError) this.fail(e.kind, e.message);
      else this.fail('guest-memory', e instanceof Error ? e.message : String(e));
      return fallback;
    }
  }

  private availIdx(): number { return this.mem.read16(this.avail + 2); }

  private pendingRaw(): number {
    const n = (this.availIdx() - this.lastAvail) & 0xffff;
    if (n > this.size) {
      throw new RingError('bad-avail-idx', `driver moved avail idx ${n} entries ahead (queue size ${this.size})`);
    }
    return n;
  }

  pending(): number {
    if (!this.alive) return 0;
    return this.guard(() => this.pendingRaw(), 0);
  }

  pop(): DescriptorChain | undefined {
    if (!this.alive) return undefined;
    return this.guard(() => {
      if (this.pendingRaw() === 0) return undefined;
      if (this.inFlight >= this.size) {
        throw new RingError('too-many-in-flight', `driver offered more than ${this.size} buffers without taking used ones back`);
      }
      const head = this.mem.read16(this.avail + 4 + 2 * (this.lastAvail % this.size));
      this.lastAvail = (this.lastAvail + 1) & 0xffff;
      if (this.eventIdx && this.notificationsOn) this.mem.write16(this.used + 4 + 8 * this.size, this.lastAvail);
      const c = this.parse(head);
      this.inFlight++;
      return c;
    }, undefined);
  }

  /** Reads and validates the chain starting at `head` (§2.7.5, §2.7.5.3). Throws RingError. */
  private parse(head: number): Chain {
    if (head >= this.size) throw new RingError('bad-head', `avail ring names descriptor ${head} (queue size ${this.size})`);
    const mem = this.mem;
    const readable: Segment[] = [];
    const writable: Segment[] = [];
    let rlen = 0, wlen = 0;
    let table = this.desc, tableSize = this.size, inIndirect = false;
    let idx = head, count = 0;
    for (;;) {
      if (++count > tableSize) {
        throw new RingError('chain-too-long', `descriptor chain at ${head} is longer than ${inIndirect ? 'its indirect table' : 'the queue'} (${tableSize}): a loop?`);
      }
      const d = table + 16 * idx;
      // addr as two halves: no BigInt on the hot path; above 2^53 it cannot be RAM anyway.
      const lo = mem.read32(d), hi = mem.read32(d + 4);
      const addr = hi < 0x20_0000 ? hi * 0x1_0000_0000 + lo : -1;
      const len = mem.read32(d + 8);
      const flags = mem.read16(d + 12);
      const next = mem.read16(d + 14);
      const where = (): string => `0x${(BigInt(hi) << 32n | BigInt(lo)).toString(16)}+${len}`;
      if (flags & VIRTQ_DESC_F_INDIRECT) {
        if (!this.indirect) throw new RingError('indirect-not-negotiated', 'indirect descriptor without VIRTIO_F_RING_INDIRECT_DESC');
        if (inIndirect) throw new RingError('nested-indirect', 'indirect descriptor inside an indirect table');
        if (flags & VIRTQ_DESC_F_NEXT) throw new RingError('indirect-next', 'descriptor has both INDIRECT and NEXT');
        if (len === 0 || len % 16 !== 0) throw new RingError('bad-indirect-len', `indirect table length ${len} is not a non-zero multiple of 16`);
        if (len / 16 > VIRTQ_MAX_INDIRECT) throw new RingError('bad-indirect-len', `indirect table of ${len / 16} entries (max ${VIRTQ_MAX_INDIRECT})`);
        if (!mem.isRam(addr, len)) throw new RingError('buffer-outside-ram', `indirect table ${where()} is outside RAM`);
        table = addr; tableSize = len / 16; inIndirect = true; idx = 0; count = 0;
        continue;
      }
      if (len > 0) {
        if (!mem.isRam(addr, len)) throw new RingError('buffer-outside-ram', `buffer ${where()} is outside RAM`);
        if (flags & VIRTQ_DESC_F_WRITE) { writable.push({ addr, len }); wlen += len; }
        else {
          if (writable.length > 0) throw new RingError('bad-direction', 'device-readable descriptor after a device-writable one');
          readable.push({ addr, len }); rlen += len;
        }
      } else if (!(flags & VIRTQ_DESC_F_WRITE) && writable.length > 0) {
        throw new RingError('bad-direction', 'device-readable descriptor after a device-writable one');
      }
      if (!(flags & VIRTQ_DESC_F_NEXT)) break;
      if (next >= tableSize) throw new RingError('bad-next', `descriptor next ${next} is outside the ${inIndirect ? 'indirect table' : 'queue'} (${tableSize})`);
      idx = next;
    }
    return new Chain(this, this.epoch, head, this.index, readable, writable, rlen, wlen);
  }

  pushUsed(chain: DescriptorChain, written: number): boolean {
    if (!(chain instanceof Chain) || chain.queue !== this || chain.epoch !== this.epoch || chain.used || !this.alive) return false;
    chain.used = true;
    this.inFlight--;
    const len = Number.isFinite(written) ? Math.max(0, Math.min(Math.floor(written), chain.writableLength, 0xffffffff)) : 0;
    return this.guard(() => {
      const e = this.used + 4 + 8 * (this.usedIdx % this.size);
      this.mem.write32(e, chain.head);
      this.mem.write32(e + 4, len);
      this.usedIdx = (this.usedIdx + 1) & 0xffff;
      this.mem.write16(this.used + 2, this.usedIdx);
      this.unsignalled = true;
      return true;
    }, false);
  }

  notify(): void {
    if (!this.alive || !this.unsignalled) return;
    const want = this.guard(() => {
      if (this.eventIdx) {
        // vring_need_event (§2.7.10): interrupt if used_event lies in [old, new).
        const ev = this.mem.read16(this.avail + 4 + 2 * this.size);
        const nw = this.usedIdx, old = this.signalledUsed;
        return ((nw - ev - 1) & 0xffff) < ((nw - old) & 0xffff);
      }
      return (this.mem.read16(this.avail) & VIRTQ_AVAIL_F_NO_INTERRUPT) === 0;
    }, false);
    this.signalledUsed = this.usedIdx;
    this.unsignalled = false;
    if (want) this.onInterrupt();
  }

  complete(chain: DescriptorChain, written: number): boolean {
    const ok = this.pushUsed(chain, written);
    if (ok) this.notify();
    return ok;
  }

  disableNotifications(): void {
    if (!this.alive || !this.notificationsOn) return;
    this.notificationsOn = false;
    if (!this.eventIdx) this.guard(() => this.mem.write16(this.used, VIRTQ_USED_F_NO_NOTIFY), undefined);
  }

  enableNotifications(): boolean {
    if (!this.alive) return false;
    this.notificationsOn = true;
    return this.guard(() => {
      if (this.eventIdx) this.mem.write16(this.used + 4 + 8 * this.size, this.lastAvail);
      else this.mem.write16(this.used, 0);
      return this.pendingRaw() > 0;
    }, false);
  }
}

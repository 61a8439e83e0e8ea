/**
 * The device side of hv's virtio stack: what a virtio device model implements and what it may use.
 *
 * A device (virtio-blk, -net, -rng, -balloon, …) is a pure model behind the virtio-mmio
 * transport (./mmio.ts, virtio 1.2 §4.2.2). It never sees MMIO registers, status bits or ring
 * addresses: the transport does feature negotiation (§2.2), the status handshake (§2.1, §3.1),
 * queue setup and reset, and hands the device ready `VirtQueue`s (split rings, §2.7). The device
 * pops validated `DescriptorChain`s, reads/writes their buffers, returns them with
 * `pushUsed` and signals the driver. Guest RAM is reached only through the chain (which wraps the
 * bounds-checked GuestMemory), so a device cannot touch host memory outside the guest.
 *
 * Threat model: everything in guest RAM is hostile. `pop()` validates a whole chain before the
 * device sees it (loops, chain length ≤ queue size, in-RAM buffers, readable-before-writable,
 * indirect rules); a malformed ring puts the device in DEVICE_NEEDS_RESET (§2.1.2) through the
 * transport and `pop()` returns undefined from then on. Exceptions thrown by a device callback
 * are caught by the transport and converted the same way, so the host never crashes.
 *
 * Asynchronous devices (block, net) keep a popped chain as long as they like and call
 * `pushUsed` + `notify` later (from an I/O completion). After a reset the queue's epoch changes and
 * completions of chains popped before it are dropped silently (`pushUsed` returns false).
 *
 * See README.md in this folder for a walk-through of writing and wiring a device.
 */
import type { GuestMemory } from '../../memory/guest-memory.js';
import type { LogFn } from '../guest-errors.js';
import { GuestErrors } from '../guest-errors.js';

export type { LogFn } from '../guest-errors.js';
export { GuestErrors } from '../guest-errors.js';

// ---------------------------------------------------------------------------------------------
// Constants (virtio 1.2)
// ---------------------------------------------------------------------------------------------

/** Device IDs (§5). */
export const VIRTIO_ID_NET = 1;
export const VIRTIO_ID_BLOCK = 2;
export const VIRTIO_ID_CONSOLE = 3;
export const VIRTIO_ID_ENTROPY = 4;
export const VIRTIO_ID_BALLOON = 5;
export const VIRTIO_ID_INPUT = 18;

/** Device status bits (§2.1). */
export const STATUS_ACKNOWLEDGE = 1;
export const STATUS_DRIVER = 2;
export const STATUS_DRIVER_OK = 4;
export const STATUS_FEATURES_OK = 8;
export const STATUS_DEVICE_NEEDS_RESET = 64;
export const STATUS_FAILED = 128;

/**
 * Reserved (device-independent) feature bits (§6). Values are bit numbers; use `bit(n)` for masks.
 * The transport itself offers VERSION_1, RING_INDIRECT_DESC and RING_EVENT_IDX; a device lists
 * only its device-specific bits (0..23) in `features`.
 */
export const VIRTIO_F_RING_INDIRECT_DESC = 28;
export const VIRTIO_F_RING_EVENT_IDX = 29;
export const VIRTIO_F_VERSION_1 = 32;
export const VIRTIO_F_ACCESS_PLATFORM = 33;
export const VIRTIO_F_RING_PACKED = 34;
export const VIRTIO_F_IN_ORDER = 35;
export const VIRTIO_F_ORDER_PLATFORM = 36;
export const VIRTIO_F_SR_IOV = 37;
export const VIRTIO_F_NOTIFICATION_DATA = 38;
export const VIRTIO_F_NOTIF_CONFIG_DATA = 39;
export const VIRTIO_F_RING_RESET = 40;

/** The feature mask of bit number `n` (0..63). */
export function bit(n: number): bigint { return 1n << BigInt(n); }

/** True when `features` has bit number `n`. */
export function hasFeature(features: bigint, n: number): boolean { return (features & bit(n)) !== 0n; }

/** Split virtqueue descriptor flags (§2.7.5). */
export const VIRTQ_DESC_F_NEXT = 1;
export const VIRTQ_DESC_F_WRITE = 2;
export const VIRTQ_DESC_F_INDIRECT = 4;
/** avail.flags (§2.7.6) and used.flags (§2.7.8). */
export const VIRTQ_AVAIL_F_NO_INTERRUPT = 1;
export const VIRTQ_USED_F_NO_NOTIFY = 1;

/** Largest queue size the transport accepts (§2.7: split queue sizes are ≤ 32768). */
export const VIRTQ_MAX_SIZE = 32768;
/** Largest indirect descriptor table accepted (entries); QEMU uses VIRTQUEUE_MAX_SIZE = 1024. */
export const VIRTQ_MAX_INDIRECT = 1024;

// ---------------------------------------------------------------------------------------------
// What a device uses: descriptor chains and queues
// ---------------------------------------------------------------------------------------------

/** One guest buffer of a chain: guest-physical address and length, already checked to lie in RAM. */
export interface Segment {
  readonly addr: number;
  readonly len: number;
}

/**
 * A validated descriptor chain popped from a queue (§2.7.5, §2.7.5.3 for indirect tables).
 * Device-readable buffers come first, then device-writable ones (a chain violating this order is
 * rejected at pop). Offsets below count bytes across the readable (resp. writable) segments as if
 * they were one contiguous buffer. All methods are bounds-safe: out-of-range offsets copy less,
 * never throw.
 */
export interface DescriptorChain {
  /** Head descriptor index: the id written to the used ring. */
  readonly head: number;
  /** Queue index this chain came from. */
  readonly queueIndex: number;
  /** Device-readable (driver → device) buffers, in order. */
  readonly readable: readonly Segment[];
  /** Device-writable (device → driver) buffers, in order. */
  readonly writable: readonly Segment[];
  /** Sum of readable lengths. */
  readonly readableLength: number;
  /** Sum of writable lengths. */
  readonly writableLength: number;
  /**
   * Copies up to `len` device-readable bytes starting at `offset` into a new array (shorter if the
   * chain holds fewer bytes).
   */
  read(offset: number, len: number): Uint8Array;
  /** Copies device-readable bytes from `offset` into `dst` (up to dst.length); returns bytes copied. */
  readInto(offset: number, dst: Uint8Array): number;
  /** Writes `data` into the writable buffers at `offset`; returns the bytes actually written. */
  write(offset: number, data: Uint8Array): number;
  /** Fills `len` writable bytes at `offset` with `value`; returns the bytes filled. */
  fill(offset: number, len: number, value: number): number;
  /**
   * Calls `fn` for each writable piece covering [offset, offset+len), with a zero-copy writable view
   * of guest RAM (code on those pages is invalidated first). For bulk producers (rng, block reads).
   * Returns the bytes covered.
   */
  forEachWritable(offset: number, len: number, fn: (view: Uint8Array) => void): number;
  /** Like forEachWritable, read-only views of the readable part (do not keep them). */
  forEachReadable(offset: number, len: number, fn: (view: Uint8Array) => void): number;
}

/** A split virtqueue as a device sees it, ready for use (the transport created and validated it). */
export interface VirtQueue {
  /** Queue index within the device. */
  readonly index: number;
  /** Queue size negotiated by the driver (a power of two ≤ the device's max). */
  readonly size: number;
  /** True until the queue is reset or broken (DEVICE_NEEDS_RESET). */
  readonly live: boolean;
  /**
   * Next available chain, fully validated, or undefined when the ring is empty or broken.
   * A malformed chain or ring sets DEVICE_NEEDS_RESET (and returns undefined).
   */
  pop(): DescriptorChain | undefined;
  /** Number of chains the driver has made available and the device has not popped (0 if broken). */
  pending(): number;
  /**
   * Returns a chain to the driver through the used ring with `written` bytes written into its
   * writable buffers (clamped to writableLength). Does not interrupt: call `notify()` after a batch.
   * Returns false (and does nothing) if the chain is stale (popped before a reset) or the queue is
   * broken. Chains may be returned in any order and at any later time (asynchronous devices).
   */
  pushUsed(chain: DescriptorChain, written: number): boolean;
  /**
   * Interrupts the driver if it wants to be told about used buffers pushed since the last
   * notify (honours VIRTQ_AVAIL_F_NO_INTERRUPT or, with EVENT_IDX, used_event; §2.7.7.2).
   */
  notify(): void;
  /** pushUsed(chain, written) then notify(). */
  complete(chain: DescriptorChain, written: number): boolean;
  /**
   * Asks the driver not to kick (VIRTQ_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX) while the
   * device is polling anyway; `enableNotifications()` re-arms it and returns true if buffers
   * arrived meanwhile (so the device must pop again to avoid a lost wake-up). Enabled by default.
   */
  disableNotifications(): void;
  enableNotifications(): boolean;
}

/** What the transport gives a device once, at construction of the transport. */
export interface VirtioContext {
  /** Guest RAM (bounds-checked). Prefer the chain methods; use this for e.g. PFN-addressed pages. */
  readonly mem: GuestMemory;
  /** The transport's guest-error counter (prefix = slot name): report guest faults here. */
  readonly errors: GuestErrors;
  /** Logger (same sink as errors). */
  readonly log: LogFn;
  /**
   * The device changed its config space: bumps ConfigGeneration and raises a configuration-change
   * interrupt (§2.5.1, §4.2.2 InterruptStatus bit 1) if the driver is running.
   */
  configChanged(): void;
  /**
   * The device hit an unrecoverable guest error: report it (kind/detail as GuestErrors.report),
   * set DEVICE_NEEDS_RESET and raise a configuration-change interrupt (§2.1.2). Queues stop until
   * the driver resets the device.
   */
  needsReset(kind: string, detail: string): void;
  /** Negotiated features (valid from FEATURES_OK on; 0n before). */
  readonly driverFeatures: bigint;
}

// ---------------------------------------------------------------------------------------------
// What a device implements
// ---------------------------------------------------------------------------------------------

/**
 * A virtio device model. The transport (VirtioMmio) calls these; all calls are synchronous and
 * happen on the VM thread. Any exception a callback throws is caught by the transport and turned
 * into DEVICE_NEEDS_RESET (a GuestMemoryError is a guest fault, anything else a device bug; both
 * are counted), so a device may let GuestMemory's bounds checks throw.
 */
export interface VirtioDevice {
  /** Short name for logs (e.g. "virtio-rng"). */
  readonly name: string;
  /** Virtio device ID (§5), e.g. VIRTIO_ID_ENTROPY. */
  readonly deviceId: number;
  /** Device-specific feature bits offered (bits 0..23 and any of 24..63 the device handles itself). */
  readonly features: bigint;
  /** Maximum size of each queue; the array length is the number of queues. */
  readonly queueMaxSizes: readonly number[];
  /** Bytes of device config space (read at 0x100 by the driver). */
  readonly configSize: number;
  /** Called once by the transport's constructor, before anything else. */
  attach(ctx: VirtioContext): void;
  /** Reads `size` (1, 2 or 4) bytes of config space at `offset` (in range: checked by the transport). */
  readConfig(offset: number, size: 1 | 2 | 4): number;
  /** Writes config space (in range; only after FEATURES_OK negotiation began; see README). */
  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void;
  /**
   * The driver set DRIVER_OK: the device goes live with these queues (entries for queues the driver
   * did not enable are undefined) and the negotiated feature set.
   */
  activate(queues: ReadonlyArray<VirtQueue | undefined>, features: bigint): void;
  /** The driver kicked queue `index` (QueueNotify) after DRIVER_OK. */
  notify(index: number): void;
  /**
   * Device reset (driver wrote 0 to Status, or the board reset): drop queues and in-flight state,
   * return the config space to its initial values. Late async completions are dropped by the queue.
   */
  reset(): void;
}

// ---------------------------------------------------------------------------------------------
// Helpers for devices
// ---------------------------------------------------------------------------------------------

/**
 * A little-endian config-space buffer (§2.5: config fields are little-endian for VERSION_1).
 * Out-of-range reads return 0 and writes are ignored (the transport already checks the range).
 */
export class ConfigSpace {
  readonly bytes: Uint8Array;
  private readonly dv: DataView;
  constructor(size: number) {
    this.bytes = new Uint8Array(size);
    this.dv = new DataView(this.bytes.buffer);
  }
  get size(): number { return this.bytes.length; }
  read(offset: number, size: 1 | 2 | 4): number {
    if (offset < 0 || offset + size > this.bytes.length) return 0;
    return size === 1 ? this.dv.getUint8(offset) : size === 2 ? this.dv.getUint16(offset, true) : this.dv.getUint32(offset, true);
  }
  write(offset: number, size: 1 | 2 | 4, value: number): void {
    if (offset < 0 || offset + size > this.bytes.length) return;
    if (size === 1) this.dv.setUint8(offset, value & 0xff);
    else if (size === 2) this.dv.setUint16(offset, value & 0xffff, true);
    else this.dv.setUint32(offset, value >>> 0, true);
  }
  get8(o: number): number { return this.dv.getUint8(o); }
  get16(o: number): number { return this.dv.getUint16(o, true); }
  get32(o: number): number { return this.dv.getUint32(o, true); }
  get64(o: number): bigint { return this.dv.getBigUint64(o, true); }
  set8(o: number, v: number): void { this.dv.setUint8(o, v & 0xff); }
  set16(o: number, v: number): void { this.dv.setUint16(o, v & 0xffff, true); }
  set32(o: number, v: number): void { this.dv.setUint32(o, v >>> 0, true); }
  set64(o: number, v: bigint): void { this.dv.setBigUint64(o, BigInt.asUintN(64, v), true); }
  fill(v: number): void { this.bytes.fill(v); }
}

/** Creates a GuestErrors for a device (convenience re-export for device folders). */
export function deviceErrors(prefix: string, log?: LogFn): GuestErrors { return new GuestErrors(prefix, log); }

/**
 * virtio-input (virtio 1.2 §5.8, device ID 18): Linux evdev events over virtio. hv uses it as the board's
 * **power button**: a key device that can only send KEY_POWER, which the host presses to ask the guest to shut
 * down cleanly (the job ACPI's power button does on PCs; RISC-V virt has no ACPI). See docs/devices/virtio-input.md.
 *
 * - Queues (§5.8.2): eventq (0) holds device-writable buffers the driver posts; each one receives one
 *   struct virtio_input_event {le16 type, le16 code, le32 value} (§5.8.6). statusq (1) carries events from the
 *   driver (LED, sound); the device consumes them and ignores them (a power button has neither).
 * - Config (§5.8.4): the driver writes `select` and `subsel`; the device answers in `size` and the 128-byte
 *   union `u`: ID_NAME / ID_SERIAL strings, ID_DEVIDS, PROP_BITS, EV_BITS (subsel = event type; bitmap of
 *   supported codes), ABS_INFO. A query the device has no answer for reads size 0 (§5.8.5.2: a device MUST set
 *   the size field to zero if it does not support a given select and subsel combination).
 * - Event delivery (§5.8.6.2: a device SHOULD NOT drop single events of a sequence; it buffers or drops whole
 *   sequences): host events are queued as whole sequences ending in SYN_REPORT, and a sequence goes out only
 *   when the eventq has a buffer for each of its events. Until the driver posts buffers, events wait (at most
 *   MAX_PENDING_EVENTS; sequences beyond that are dropped and counted), so a press made while the guest's
 *   buffers are all in use is delivered once the driver refills the queue. A driver reset drops pending events,
 *   as QEMU does (a new driver instance has no user waiting for old key presses).
 *
 * Threat model: the guest controls the buffers: an eventq buffer with fewer than 8 writable bytes is counted
 * (`short-event-buffer`) and returned with length 0 and the event stays queued; statusq work per kick is bounded
 * by the queue size (pop() stops at the ring's size) and reads nothing. Config writes other than select/subsel
 * are ignored and counted.
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, ConfigSpace, VIRTIO_ID_INPUT,
} from '../device.js';
import * as I from './regs.js';

/** One evdev event. */
export interface InputEvent {
  readonly type: number;
  readonly code: number;
  readonly value: number;
}

export interface VirtioInputConfig {
  /** VIRTIO_INPUT_CFG_ID_NAME (at most 128 bytes of UTF-8). */
  name: string;
  /** VIRTIO_INPUT_CFG_ID_SERIAL; none (size 0) when omitted. */
  serial?: string;
  /** VIRTIO_INPUT_CFG_ID_DEVIDS. */
  ids?: { bustype: number; vendor: number; product: number; version: number };
  /** Supported event codes by event type (VIRTIO_INPUT_CFG_EV_BITS); codes must be < 1024 (128-byte bitmap). */
  events: ReadonlyMap<number, readonly number[]>;
  /** Queue size offered for both queues (power of two; default 64, like QEMU). */
  queueSize?: number;
}

/** The power button's identity: name "hv power button", EV_KEY with KEY_POWER only, EV_SYN. */
export function powerButtonConfig(): VirtioInputConfig {
  return {
    name: 'hv power button',
    serial: 'hv-power-button',
    ids: { bustype: I.BUS_VIRTUAL, vendor: 0x0000, product: 0x0001, version: 0x0001 },
    events: new Map([[I.EV_SYN, [I.SYN_REPORT]], [I.EV_KEY, [I.KEY_POWER]]]),
  };
}

/** Most events held while the driver has no buffer for them. */
export const MAX_PENDING_EVENTS = 1024;

export class VirtioInput implements VirtioDevice {
  readonly name = 'virtio-input';
  readonly deviceId = VIRTIO_ID_INPUT;
  /** No device-specific feature bits (§5.8.3). */
  readonly features = 0n;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = I.CONFIG_SIZE;
  /** Events delivered to the driver, sequences dropped because too many were pending, statusq events read. */
  readonly metrics = { delivered: 0, droppedSequences: 0, statusEvents: 0 };
  private readonly cfg = new ConfigSpace(I.CONFIG_SIZE);
  private readonly nameBytes: Uint8Array;
  private readonly serialBytes: Uint8Array | undefined;
  private readonly ids: VirtioInputConfig['ids'];
  private readonly bitmaps = new Map<number, Uint8Array>();
  private ctx!: VirtioContext;
  private eventQ: VirtQueue | undefined;
  private statusQ: VirtQueue | undefined;
  /** Whole sequences waiting for eventq buffers, oldest first. */
  private pending: InputEvent[][] = [];
  private pendingCount = 0;

  constructor(c: VirtioInputConfig) {
    const enc = new TextEncoder();
    this.nameBytes = enc.encode(c.name).subarray(0, I.CFG_U_LEN);
    this.serialBytes = c.serial !== undefined ? enc.encode(c.serial).subarray(0, I.CFG_U_LEN) : undefined;
    this.ids = c.ids;
    for (const [type, codes] of c.events) {
      const bm = new Uint8Array(I.CFG_U_LEN);
      for (const code of codes) {
        if (!Number.isInteger(code) || code < 0 || code >= I.CFG_U_LEN * 8) throw new RangeError(`virtio-input: event code ${code} does not fit the 128-byte bitmap`);
        bm[code >> 3]! |= 1 << (code & 7);
      }
      this.bitmaps.set(type, bm);
    }
    const qs = c.queueSize ?? 64;
    this.queueMaxSizes = [qs, qs];
  }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }

  // ---- host API ----

  /**
   * Queues one input update: `events` followed by SYN_REPORT (added when the last event is not one), delivered
   * whole when the driver has buffers for it. Returns false if it was dropped (too many events pending).
   */
  send(events: readonly InputEvent[]): boolean {
    const seq = [...events];
    const last = seq[seq.length - 1];
    if (last === undefined || last.type !== I.EV_SYN || last.code !== I.SYN_REPORT) seq.push({ type: I.EV_SYN, code: I.SYN_REPORT, value: 0 });
    if (this.pendingCount + seq.length > MAX_PENDING_EVENTS) { this.metrics.droppedSequences++; return false; }
    this.pending.push(seq);
    this.pendingCount += seq.length;
    this.deliver();
    return true;
  }

  /** Presses and releases KEY_POWER (two updates: press + SYN, release + SYN). */
  pressPowerButton(): boolean {
    return this.send([{ type: I.EV_KEY, code: I.KEY_POWER, value: 1 }]) && this.send([{ type: I.EV_KEY, code: I.KEY_POWER, value: 0 }]);
  }

  /** True once the driver has set DRIVER_OK with the eventq enabled (a guest driver is listening). */
  get driverReady(): boolean { return this.eventQ?.live === true; }

  /** Events queued and not yet delivered. */
  get pendingEvents(): number { return this.pendingCount; }

  // ---- VirtioDevice ----

  readConfig(offset: number, size: 1 | 2 | 4): number { return this.cfg.read(offset, size); }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    // Only select and subsel are driver-writable (§5.8.4); a wider write touching them sets those bytes only.
    let touched = false, readonly = false;
    for (let i = 0; i < size; i++) {
      const o = offset + i;
      if (o === I.CFG_SELECT || o === I.CFG_SUBSEL) { this.cfg.set8(o, (value >>> (8 * i)) & 0xff); touched = true; }
      else readonly = true;
    }
    if (readonly) this.ctx.errors.report('config-readonly', `${size}-byte write to read-only virtio-input config at 0x${offset.toString(16)}`);
    if (touched) this.answer();
  }

  activate(queues: ReadonlyArray<VirtQueue | undefined>): void {
    this.eventQ = queues[I.Q_EVENT];
    this.statusQ = queues[I.Q_STATUS];
    this.notify(I.Q_STATUS);
    this.deliver();
  }

  reset(): void {
    this.eventQ = this.statusQ = undefined;
    this.pending = [];
    this.pendingCount = 0;
    this.cfg.fill(0);
  }

  notify(index: number): void {
    if (index === I.Q_EVENT) { this.deliver(); return; }
    const q = this.statusQ;
    if (index !== I.Q_STATUS || q === undefined) return;
    // Status events (LEDs, sounds) have no meaning for a power button: consume and return them.
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      this.metrics.statusEvents++;
      q.pushUsed(c, 0);
    }
    q.notify();
  }

  // ---- internals ----

  /** Fills `size` and `u` for the current select/subsel (§5.8.4, §5.8.5.2). */
  private answer(): void {
    const select = this.cfg.get8(I.CFG_SELECT), subsel = this.cfg.get8(I.CFG_SUBSEL);
    this.cfg.bytes.fill(0, I.CFG_SIZE);
    let data: Uint8Array | undefined;
    switch (select) {
      case I.CFG_ID_NAME: if (subsel === 0) data = this.nameBytes; break;
      case I.CFG_ID_SERIAL: if (subsel === 0) data = this.serialBytes; break;
      case I.CFG_ID_DEVIDS:
        if (subsel === 0 && this.ids) {
          data = new Uint8Array(8);
          const dv = new DataView(data.buffer);
          dv.setUint16(0, this.ids.bustype, true);
          dv.setUint16(2, this.ids.vendor, true);
          dv.setUint16(4, this.ids.product, true);
          dv.setUint16(6, this.ids.version, true);
        }
        break;
      case I.CFG_EV_BITS: {
        const bm = this.bitmaps.get(subsel);
        if (bm) {
          let n = bm.length;
          while (n > 0 && bm[n - 1] === 0) n--;
          data = bm.subarray(0, n);
        }
        break;
      }
      // PROP_BITS (no properties), ABS_INFO (no absolute axes), UNSET and unknown selects: size 0.
      default: break;
    }
    if (data !== undefined && data.length > 0) {
      this.cfg.bytes.set(data, I.CFG_U);
      this.cfg.set8(I.CFG_SIZE, data.length);
    }
  }

  /** Moves whole pending sequences into eventq buffers while there are enough of them. */
  private deliver(): void {
    const q = this.eventQ;
    if (q === undefined || !q.live) return;
    let pushed = false;
    while (this.pending.length > 0) {
      const seq = this.pending[0]!;
      if (q.pending() < seq.length) break;
      let sent = 0;
      while (sent < seq.length) {
        const c = q.pop();
        if (c === undefined) break;
        if (c.writableLength < I.EVENT_SIZE) {
          this.ctx.errors.report('short-event-buffer', `eventq buffer with ${c.writableLength} writable bytes (an event needs ${I.EVENT_SIZE})`);
          q.pushUsed(c, 0);
          pushed = true;
          continue;
        }
        const ev = seq[sent]!;
        const b = new Uint8Array(I.EVENT_SIZE);
        const dv = new DataView(b.buffer);
        dv.setUint16(0, ev.type, true);
        dv.setUint16(2, ev.code, true);
        dv.setInt32(4, ev.value | 0, true);
        q.pushUsed(c, c.write(0, b));
        pushed = true;
        sent++;
        this.metrics.delivered++;
      }
      this.pendingCount -= sent;
      if (sent < seq.length) {
        // Bad buffers used up the ones counted: keep the rest of the sequence for the next buffers.
        this.pending[0] = seq.slice(sent);
        break;
      }
      this.pending.shift();
    }
    if (pushed) q.notify();
  }
}

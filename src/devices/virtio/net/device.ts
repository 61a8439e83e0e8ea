/**
 * virtio-net (virtio 1.2 §5.1, device ID 1) with one receive and one transmit queue, on hv's
 * virtio-mmio transport. Frames go to and come from a host {@link NetBackend} (passt user-mode
 * networking, the hv switch, or a test fake).
 *
 * Features offered: MAC (the configured address in config space), STATUS (link always up),
 * MRG_RXBUF (a received frame may span several receive buffers, so the guest may use an MTU up to
 * 64 KiB, as passt suggests over DHCP), and the checksum offloads CSUM (hv completes partial
 * checksums of transmitted frames) and GUEST_CSUM (hv marks received TCP/UDP frames whose checksum
 * it verified as DATA_VALID) — see checksum.ts. No GSO/TSO, no control queue, no multiqueue.
 * Every buffer starts with the 12-byte virtio_net_hdr (VERSION_1 is always negotiated).
 *
 * Receive: frames from the backend wait in a bounded host-side queue while the guest has no
 * receive buffers posted; above a high-water mark the backend is asked to pause (back-pressure to
 * passt's TCP instead of loss), and when the queue is full frames are dropped and counted.
 * Frames arriving while the driver is not running are dropped (the link is "cabled" only then).
 *
 * Transmit: the guest's chains are read (header + frame), checked and handed to the backend as a
 * copy; while the backend reports congestion the device stops taking chains (they stay in the
 * ring) until the backend drains.
 *
 * Threat model (guest → host): ring-level misuse (loops, bad indices, buffers outside RAM, wrong
 * directions) is rejected by the queue (DEVICE_NEEDS_RESET). At the request level a transmit chain
 * shorter than the header, a frame shorter than an Ethernet header or longer than
 * MAX_FRAME_BYTES, a GSO request (never offered), a bad checksum offset, or a receive chain
 * without writable space is dropped, counted in the metrics and logged once per kind; the guest
 * gets the buffer back and the device carries on. Work per kick is bounded by the queue size, and
 * memory use by the receive-queue limits; a frame is never larger than MAX_FRAME_BYTES.
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, type DescriptorChain,
  ConfigSpace, VIRTIO_ID_NET, bit, hasFeature,
} from '../device.js';
import { MAX_FRAME_BYTES, MIN_FRAME_BYTES, type NetBackend } from './backend.js';
import * as R from './regs.js';
import { completeChecksum, transportChecksumValid } from './checksum.js';

export interface VirtioNetConfig {
  readonly backend: NetBackend;
  /** The NIC's MAC address (6 bytes). */
  readonly mac: Uint8Array;
  /** Maximum size of each queue (power of two; default 256). */
  readonly queueSize?: number;
  /** Offer MRG_RXBUF (default true). */
  readonly mergeableRx?: boolean;
  /** Offer the checksum offloads CSUM and GUEST_CSUM (default true). */
  readonly checksumOffload?: boolean;
  /** Host-side receive queue: frames held while the guest has no buffers (default 512 frames, 4 MiB). */
  readonly rxQueueFrames?: number;
  readonly rxQueueBytes?: number;
  readonly name?: string;
}

/** Counters for monitoring (all cumulative). */
export interface VirtioNetMetrics {
  txFrames: number;
  txBytes: number;
  rxFrames: number;
  rxBytes: number;
  /** Guest transmit chains dropped as malformed (see the threat model). */
  txDropped: number;
  /** Received frames dropped because the host-side queue was full. */
  rxDroppedQueueFull: number;
  /** Received frames dropped because the driver was not running (or the device was reset). */
  rxDroppedNotReady: number;
  /** Received frames dropped because they did not fit the guest's buffers or were malformed. */
  rxDroppedInvalid: number;
  /** Times transmit stopped because the backend was congested. */
  txBackpressure: number;
  /** Received frames marked DATA_VALID after checksum verification. */
  rxChecksumVerified: number;
  /** Transmitted frames whose partial checksum hv completed. */
  txChecksumCompleted: number;
}

const EMPTY_QUEUES: ReadonlyArray<VirtQueue | undefined> = [];

export class VirtioNet implements VirtioDevice {
  readonly name: string;
  readonly deviceId = VIRTIO_ID_NET;
  readonly features: bigint;
  readonly queueMaxSizes: readonly number[];
  readonly metrics: VirtioNetMetrics = {
    txFrames: 0, txBytes: 0, rxFrames: 0, rxBytes: 0, txDropped: 0, rxDroppedQueueFull: 0,
    rxDroppedNotReady: 0, rxDroppedInvalid: 0, txBackpressure: 0, rxChecksumVerified: 0, txChecksumCompleted: 0,
  };
  readonly mac: Uint8Array;

  private readonly cfg = new ConfigSpace(R.CFG_SIZE);
  private readonly backend: NetBackend;
  private ctx!: VirtioContext;
  private queues: ReadonlyArray<VirtQueue | undefined> = EMPTY_QUEUES;
  private active = false;
  private mergeable = false;
  private txCsum = false;
  private rxCsum = false;
  /** Frames from the backend waiting for guest buffers (FIFO: rxHead is the next one). */
  private rxPending: Uint8Array[] = [];
  private rxHead = 0;
  private rxPendingBytes = 0;
  private readonly rxLimitFrames: number;
  private readonly rxLimitBytes: number;
  /** Pause the backend at a quarter of the limits (frames or bytes), resume below an eighth. */
  private readonly rxHighWater: number;
  private backendPaused = false;
  /** Receive chains popped but not yet used (a frame needed more space than they offered). */
  private rxSpare: DescriptorChain[] = [];
  private txBlocked = false;
  private readonly hdr = new Uint8Array(R.NET_HDR_SIZE);
  private readonly hdrView = new DataView(this.hdr.buffer);
  private rxLoggedFull = false;

  constructor(c: VirtioNetConfig) {
    if (c.mac.length !== 6) throw new RangeError('virtio-net: mac must be 6 bytes');
    if ((c.mac[0]! & 1) !== 0) throw new RangeError('virtio-net: mac must be a unicast address');
    const qs = c.queueSize ?? 256;
    if (qs < 2 || qs > 32768 || (qs & (qs - 1)) !== 0) throw new RangeError(`virtio-net: bad queue size ${qs}`);
    this.name = c.name ?? 'virtio-net';
    this.backend = c.backend;
    this.mac = Uint8Array.from(c.mac);
    this.queueMaxSizes = [qs, qs];
    let f = bit(R.VIRTIO_NET_F_MAC) | bit(R.VIRTIO_NET_F_STATUS);
    if (c.mergeableRx ?? true) f |= bit(R.VIRTIO_NET_F_MRG_RXBUF);
    if (c.checksumOffload ?? true) f |= bit(R.VIRTIO_NET_F_CSUM) | bit(R.VIRTIO_NET_F_GUEST_CSUM);
    this.features = f;
    this.rxLimitFrames = Math.max(1, c.rxQueueFrames ?? 512);
    this.rxLimitBytes = Math.max(MAX_FRAME_BYTES, c.rxQueueBytes ?? 4 * 1024 * 1024);
    this.rxHighWater = Math.max(1, Math.floor(this.rxLimitFrames / 4));
    this.initConfig();
    this.backend.onFrame((frame) => this.receive(frame));
    this.backend.onDrain?.(() => { this.txBlocked = false; this.flushTx(); });
  }

  get configSize(): number { return this.cfg.size; }

  private initConfig(): void {
    this.cfg.fill(0);
    this.cfg.bytes.set(this.mac, R.CFG_MAC);
    this.cfg.set16(R.CFG_STATUS, R.VIRTIO_NET_S_LINK_UP);
    this.cfg.set16(R.CFG_MAX_VQ_PAIRS, 1);
  }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }

  readConfig(offset: number, size: 1 | 2 | 4): number { return this.cfg.read(offset, size); }

  writeConfig(offset: number, _size: 1 | 2 | 4, _value: number): void {
    // Read-only for a VERSION_1 driver (the MAC is writable only by legacy drivers, §5.1.4.2).
    this.ctx.errors.report('config-write', `write to read-only config space at offset ${offset}`);
  }

  activate(queues: ReadonlyArray<VirtQueue | undefined>, features: bigint): void {
    this.queues = queues;
    this.active = true;
    this.mergeable = hasFeature(features, R.VIRTIO_NET_F_MRG_RXBUF);
    this.txCsum = hasFeature(features, R.VIRTIO_NET_F_CSUM);
    this.rxCsum = hasFeature(features, R.VIRTIO_NET_F_GUEST_CSUM);
    this.flushRx();
    this.flushTx();
  }

  notify(index: number): void {
    if (index === R.RX_QUEUE) this.flushRx();
    else if (index === R.TX_QUEUE) this.flushTx();
  }

  reset(): void {
    this.queues = EMPTY_QUEUES;
    this.active = false;
    this.rxSpare = [];
    this.metrics.rxDroppedNotReady += this.rxPending.length - this.rxHead;
    this.rxPending = [];
    this.rxHead = 0;
    this.rxPendingBytes = 0;
    this.txBlocked = false;
    this.setPaused(false);
    this.initConfig();
  }

  // ---- receive ----

  /** A frame from the backend. */
  private receive(frame: Uint8Array): void {
    if (frame.length < MIN_FRAME_BYTES || frame.length > MAX_FRAME_BYTES) { this.metrics.rxDroppedInvalid++; return; }
    if (!this.active) { this.metrics.rxDroppedNotReady++; return; }
    const queued = this.rxPending.length - this.rxHead;
    if (queued >= this.rxLimitFrames || this.rxPendingBytes + frame.length > this.rxLimitBytes) {
      this.metrics.rxDroppedQueueFull++;
      if (!this.rxLoggedFull) {
        this.rxLoggedFull = true;
        this.ctx.log(`${this.name}: the guest is not taking received frames; dropping them (counted in rxDroppedQueueFull)`);
      }
      return;
    }
    this.rxPending.push(frame);
    this.rxPendingBytes += frame.length;
    this.flushRx();
    if (this.rxPending.length - this.rxHead >= this.rxHighWater || this.rxPendingBytes >= this.rxLimitBytes / 4) this.setPaused(true);
  }

  private setPaused(paused: boolean): void {
    if (this.backendPaused === paused) return;
    this.backendPaused = paused;
    this.backend.setReceiving?.(!paused);
  }

  /** Next receive chain: a spare one first, then the ring. Chains without writable space go back empty. */
  private nextRxChain(q: VirtQueue): DescriptorChain | undefined {
    for (;;) {
      const c = this.rxSpare.shift() ?? q.pop();
      if (c === undefined) return undefined;
      if (c.writableLength === 0 || (!this.mergeable && c.writableLength < R.NET_HDR_SIZE)) {
        this.ctx.errors.report('rx-no-space', 'receive buffer without device-writable space');
        q.pushUsed(c, 0);
        continue;
      }
      return c;
    }
  }

  /** Moves waiting frames into guest buffers until either runs out; one interrupt per batch. */
  private flushRx(): void {
    const q = this.queues[R.RX_QUEUE];
    if (!this.active || q === undefined || !q.live) return;
    let delivered = false;
    while (this.rxHead < this.rxPending.length) {
      const frame = this.rxPending[this.rxHead]!;
      const r = this.mergeable ? this.deliverMergeable(q, frame) : this.deliverSingle(q, frame);
      if (r === 'no-buffers') break;
      this.rxPending[this.rxHead++] = EMPTY_FRAME;
      this.rxPendingBytes -= frame.length;
      if (r === 'ok') {
        delivered = true;
        this.metrics.rxFrames++;
        this.metrics.rxBytes += frame.length;
      }
    }
    if (this.rxHead === this.rxPending.length) { this.rxPending = []; this.rxHead = 0; }
    else if (this.rxHead > 1024) { this.rxPending = this.rxPending.slice(this.rxHead); this.rxHead = 0; }
    if (delivered) q.notify();
    if (this.rxPending.length - this.rxHead <= this.rxHighWater / 2 && this.rxPendingBytes <= this.rxLimitBytes / 8) this.setPaused(false);
  }

  private fillHeader(frame: Uint8Array, numBuffers: number): Uint8Array {
    const h = this.hdr;
    h.fill(0);
    if (this.rxCsum && transportChecksumValid(frame)) {
      h[R.HDR_FLAGS] = R.VIRTIO_NET_HDR_F_DATA_VALID;
      this.metrics.rxChecksumVerified++;
    }
    this.hdrView.setUint16(R.HDR_NUM_BUFFERS, numBuffers, true);
    return h;
  }

  /** Without MRG_RXBUF: the whole frame goes into one chain. */
  private deliverSingle(q: VirtQueue, frame: Uint8Array): 'ok' | 'dropped' | 'no-buffers' {
    const c = this.nextRxChain(q);
    if (c === undefined) return 'no-buffers';
    if (c.writableLength < R.NET_HDR_SIZE + frame.length) {
      // The guest's buffers are smaller than this frame (its MTU is smaller than the sender's):
      // drop the frame and keep the buffer for the next one.
      this.metrics.rxDroppedInvalid++;
      this.rxSpare.unshift(c);
      return 'dropped';
    }
    c.write(0, this.fillHeader(frame, 1));
    c.write(R.NET_HDR_SIZE, frame);
    q.pushUsed(c, R.NET_HDR_SIZE + frame.length);
    return 'ok';
  }

  /** With MRG_RXBUF: as many chains as the frame needs; num_buffers says how many (§5.1.6.4.2). */
  private deliverMergeable(q: VirtQueue, frame: Uint8Array): 'ok' | 'dropped' | 'no-buffers' {
    const need = R.NET_HDR_SIZE + frame.length;
    const chains: DescriptorChain[] = [];
    let have = 0;
    while (have < need) {
      const c = this.nextRxChain(q);
      if (c === undefined) {
        // Not enough buffers yet: keep what we took, in order, for the next attempt.
        this.rxSpare = chains.concat(this.rxSpare);
        return 'no-buffers';
      }
      chains.push(c);
      have += c.writableLength;
    }
    // The first chain must hold the whole header (it always does in practice; a guest posting
    // buffers smaller than 12 bytes gets the frame dropped and its buffers back unused).
    if (chains[0]!.writableLength < R.NET_HDR_SIZE) {
      this.ctx.errors.report('rx-buffer-too-small', `receive buffer of ${chains[0]!.writableLength} bytes cannot hold the ${R.NET_HDR_SIZE}-byte header`);
      for (const c of chains) q.pushUsed(c, 0);
      this.metrics.rxDroppedInvalid++;
      return 'dropped';
    }
    let off = 0; // bytes of frame written so far
    for (let i = 0; i < chains.length; i++) {
      const c = chains[i]!;
      let n = 0;
      if (i === 0) n = c.write(0, this.fillHeader(frame, chains.length));
      const take = Math.min(c.writableLength - n, frame.length - off);
      n += c.write(n, frame.subarray(off, off + take));
      off += take;
      q.pushUsed(c, n);
    }
    return 'ok';
  }

  // ---- transmit ----

  private flushTx(): void {
    const q = this.queues[R.TX_QUEUE];
    if (!this.active || q === undefined || !q.live || this.txBlocked) return;
    let used = false;
    // pop() returns at most one queue's worth of chains before the ring is empty.
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      const frame = this.takeTxFrame(c);
      q.pushUsed(c, 0);
      used = true;
      if (frame !== undefined) {
        this.metrics.txFrames++;
        this.metrics.txBytes += frame.length;
        if (!this.backend.send(frame)) {
          this.txBlocked = true;
          this.metrics.txBackpressure++;
          break;
        }
      }
    }
    if (used) q.notify();
  }

  /** Reads and checks one transmit chain; undefined (counted, logged once per kind) if it must be dropped. */
  private takeTxFrame(c: DescriptorChain): Uint8Array | undefined {
    const total = c.readableLength;
    const drop = (kind: string, detail: string): undefined => {
      this.metrics.txDropped++;
      this.ctx.errors.report(kind, `transmit: ${detail}; frame dropped`);
      return undefined;
    };
    if (total < R.NET_HDR_SIZE) return drop('tx-short', `chain of ${total} bytes is shorter than the ${R.NET_HDR_SIZE}-byte header`);
    const len = total - R.NET_HDR_SIZE;
    if (len > MAX_FRAME_BYTES) return drop('tx-oversized', `frame of ${len} bytes (max ${MAX_FRAME_BYTES})`);
    if (len < MIN_FRAME_BYTES) return drop('tx-runt', `frame of ${len} bytes is shorter than an Ethernet header`);
    c.readInto(0, this.hdr);
    const flags = this.hdr[R.HDR_FLAGS]!;
    if (this.hdr[R.HDR_GSO_TYPE] !== R.VIRTIO_NET_HDR_GSO_NONE) return drop('tx-gso', `GSO type ${this.hdr[R.HDR_GSO_TYPE]} was not offered`);
    const frame = new Uint8Array(len);
    c.readInto(R.NET_HDR_SIZE, frame);
    if (flags & R.VIRTIO_NET_HDR_F_NEEDS_CSUM) {
      if (!this.txCsum) return drop('tx-csum', 'NEEDS_CSUM without the CSUM feature');
      const start = this.hdrView.getUint16(R.HDR_CSUM_START, true);
      const offset = this.hdrView.getUint16(R.HDR_CSUM_OFFSET, true);
      if (!completeChecksum(frame, start, offset)) return drop('tx-csum', `checksum at ${start}+${offset} lies outside the ${len}-byte frame`);
      this.metrics.txChecksumCompleted++;
    }
    return frame;
  }
}

const EMPTY_FRAME = new Uint8Array(0);

/**
 * virtio-blk, the block device (virtio 1.2 §5.2, device ID 2), on hv's virtio-mmio transport.
 *
 * One request queue. Each request is a chain: a 16-byte header (type, reserved, sector) readable
 * by the device, then the data (readable for OUT, writable for IN), then one writable status
 * byte. Supported: IN, OUT, FLUSH, GET_ID (the serial), DISCARD and WRITE_ZEROES; features
 * SIZE_MAX, SEG_MAX, BLK_SIZE, FLUSH, RO (read-only backends), DISCARD and WRITE_ZEROES (when the
 * backend supports them). MQ, GEOMETRY, TOPOLOGY, CONFIG_WCE, lifetime and secure erase are not
 * offered (an unknown or unoffered request type is answered VIRTIO_BLK_S_UNSUPP).
 *
 * I/O never blocks the hart loop: a request is validated and its data copied out of guest RAM
 * (OUT) synchronously at pop time, then the backend works asynchronously (thread pool); when it
 * settles, the data (IN) and the status byte are written to the chain and the chain is completed
 * (used ring + interrupt, suppression honoured by the queue). The one exception never waits for the
 * disk either: a read whose data the host has in its page cache (BlockBackend.readNow) is copied
 * straight into the guest's buffers and completed at once, which saves the thread-pool round trip
 * (the guest idled ~0.3 ms of every 1.6 ms 1 MiB read on it). It is not taken while a write or
 * discard is in flight, so a read never overtakes one.
 *
 * Threat model (the guest controls every descriptor and header):
 *  - ring-level faults (loops, buffers outside RAM, …) are caught by the queue at pop() and put
 *    the device in DEVICE_NEEDS_RESET;
 *  - request-level faults (no status byte, header shorter than 16 bytes, data not a multiple of
 *    512, a range beyond the capacity, oversized requests, malformed discard/write-zeroes
 *    segments) complete the request with VIRTIO_BLK_S_IOERR (or with 0 bytes when there is not
 *    even a status byte), are logged once per kind and counted (ctx.errors);
 *  - a request moves at most MAX_REQUEST_BYTES, and at most MAX_INFLIGHT_BYTES are buffered on
 *    the host at once: beyond that the device stops popping until completions free room, so a
 *    guest cannot make hv allocate without bound (descriptors may alias the same guest pages);
 *  - writes to read-only disks fail with IOERR; the backend re-checks every range;
 *  - completions that arrive after a device reset touch neither guest memory nor the queue.
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, type DescriptorChain,
  ConfigSpace, VIRTIO_ID_BLOCK, bit, hasFeature,
} from '../device.js';
import { BlockError, SECTOR_SIZE, type BlockBackend } from './backend.js';
import * as B from './regs.js';

export type { BlockBackend } from './backend.js';

/** Largest data transfer of one request (bytes). Linux sends at most max_sectors_kb (1280 KiB by default). */
export const MAX_REQUEST_BYTES = 64 * 1024 * 1024;
/** Host bytes buffered for requests in flight before the device stops taking new ones. */
export const MAX_INFLIGHT_BYTES = 128 * 1024 * 1024;
/** size_max advertised (largest single segment). */
export const SIZE_MAX = 4 * 1024 * 1024;
/** Largest DISCARD / WRITE_ZEROES range per segment (sectors) and segments per request. */
export const MAX_DWZ_SECTORS = (1024 * 1024 * 1024) / SECTOR_SIZE;
export const MAX_DWZ_SEGMENTS = 16;

export interface VirtioBlkConfig {
  backend: BlockBackend;
  /** Queue size offered (power of two; default 1024, so that seg_max = 1022 lets a 1 MiB request of 4 KiB pages travel as one). */
  queueSize?: number;
  /** Log/device name (default "virtio-blk"). */
  name?: string;
}

/** Counters (per device). */
export interface VirtioBlkMetrics {
  requests: number;
  reads: number;
  writes: number;
  flushes: number;
  discards: number;
  writeZeroes: number;
  bytesRead: number;
  bytesWritten: number;
  /** Reads completed at once from the host's page cache (BlockBackend.readNow), without the thread pool. */
  readsAtOnce: number;
  /** Requests answered IOERR because the backend failed. */
  ioErrors: number;
  /** Requests answered UNSUPP. */
  unsupported: number;
  /** Requests refused because of a malformed request (also counted in ctx.errors by kind). */
  badRequests: number;
}

/**
 * A few reusable host buffers for request data. take() returns a view of exactly `len` bytes
 * (contents unspecified); give() returns it once the backend is done with it.
 */
class BufferPool {
  private readonly free: Uint8Array[] = [];
  private static readonly MAX_FREE = 8;
  private static readonly MAX_POOLED = 4 * 1024 * 1024;

  take(len: number): Uint8Array {
    if (len <= BufferPool.MAX_POOLED) {
      for (let i = 0; i < this.free.length; i++) {
        const b = this.free[i]!;
        if (b.length >= len) { this.free.splice(i, 1); return b.subarray(0, len); }
      }
      // Round up so that later, slightly larger requests fit too.
      return new Uint8Array(Math.max(len, 1 << Math.ceil(Math.log2(Math.max(len, 4096))))).subarray(0, len);
    }
    return new Uint8Array(len);
  }

  give(view: Uint8Array): void {
    const whole = new Uint8Array(view.buffer, 0, view.buffer.byteLength);
    if (whole.length > BufferPool.MAX_POOLED || this.free.length >= BufferPool.MAX_FREE) return;
    this.free.push(whole);
  }
}

const STATUS = [new Uint8Array([B.VIRTIO_BLK_S_OK]), new Uint8Array([B.VIRTIO_BLK_S_IOERR]), new Uint8Array([B.VIRTIO_BLK_S_UNSUPP])];

export class VirtioBlk implements VirtioDevice {
  readonly name: string;
  readonly deviceId = VIRTIO_ID_BLOCK;
  readonly features: bigint;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = B.CONFIG_SIZE;
  readonly backend: BlockBackend;
  readonly metrics: VirtioBlkMetrics = {
    requests: 0, reads: 0, writes: 0, flushes: 0, discards: 0, writeZeroes: 0,
    bytesRead: 0, bytesWritten: 0, readsAtOnce: 0, ioErrors: 0, unsupported: 0, badRequests: 0,
  };
  private readonly cfg = new ConfigSpace(B.CONFIG_SIZE);
  private ctx!: VirtioContext;
  private q: VirtQueue | undefined;
  private negotiated = 0n;
  /** Bumped by reset: completions of older requests are dropped. */
  private epoch = 0;
  private inflight = 0;
  private inflightBytes = 0;
  /** Writes, discards and write-zeroes in flight (reads from the page cache wait for them: readNow). */
  private mutations = 0;
  /** Host I/O error kinds already logged. */
  private readonly loggedIo = new Set<string>();
  /** Reused data buffers (fresh multi-megabyte allocations cost page faults on every request). */
  private readonly pool = new BufferPool();

  constructor(c: VirtioBlkConfig) {
    const be = c.backend;
    this.backend = be;
    this.name = c.name ?? 'virtio-blk';
    const qs = c.queueSize ?? 1024;
    this.queueMaxSizes = [qs];
    let f = bit(B.VIRTIO_BLK_F_SIZE_MAX) | bit(B.VIRTIO_BLK_F_SEG_MAX) | bit(B.VIRTIO_BLK_F_BLK_SIZE) | bit(B.VIRTIO_BLK_F_FLUSH);
    if (be.readOnly) f |= bit(B.VIRTIO_BLK_F_RO);
    if (be.canDiscard && !be.readOnly) f |= bit(B.VIRTIO_BLK_F_DISCARD);
    if (be.canWriteZeroes && !be.readOnly) f |= bit(B.VIRTIO_BLK_F_WRITE_ZEROES);
    this.features = f;
    this.initConfig();
  }

  private initConfig(): void {
    const cfg = this.cfg, be = this.backend;
    cfg.fill(0);
    cfg.set64(B.CFG_CAPACITY, BigInt(Math.floor(be.capacity / SECTOR_SIZE)));
    cfg.set32(B.CFG_SIZE_MAX, SIZE_MAX);
    cfg.set32(B.CFG_SEG_MAX, Math.max(1, this.queueMaxSizes[0]! - 2));
    cfg.set32(B.CFG_BLK_SIZE, SECTOR_SIZE);
    cfg.set16(B.CFG_NUM_QUEUES, 1);
    const align = Math.max(1, Math.floor((be.discardAlignment ?? SECTOR_SIZE) / SECTOR_SIZE));
    cfg.set32(B.CFG_MAX_DISCARD_SECTORS, MAX_DWZ_SECTORS);
    cfg.set32(B.CFG_MAX_DISCARD_SEG, MAX_DWZ_SEGMENTS);
    cfg.set32(B.CFG_DISCARD_SECTOR_ALIGNMENT, align);
    cfg.set32(B.CFG_MAX_WRITE_ZEROES_SECTORS, MAX_DWZ_SECTORS);
    cfg.set32(B.CFG_MAX_WRITE_ZEROES_SEG, MAX_DWZ_SEGMENTS);
    cfg.set8(B.CFG_WRITE_ZEROES_MAY_UNMAP, 1);
  }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }
  readConfig(offset: number, size: 1 | 2 | 4): number { return this.cfg.read(offset, size); }
  writeConfig(offset: number): void {
    // Only `writeback` is writable, and only with CONFIG_WCE, which hv does not offer.
    this.ctx.errors.report('config-write', `driver wrote read-only config space at offset ${offset}`);
  }

  activate(queues: ReadonlyArray<VirtQueue | undefined>, features: bigint): void {
    this.q = queues[0];
    this.negotiated = features;
    this.process();
  }

  reset(): void {
    this.q = undefined;
    this.negotiated = 0n;
    this.epoch++;
    // In-flight counters are not cleared: operations started before the reset still hold host buffers until they
    // settle, and a guest that resets in a loop must not get more than MAX_INFLIGHT_BYTES going at once.
  }

  notify(index: number): void {
    if (index === 0) this.process();
  }

  /** Requests currently waiting for the backend. */
  get inFlight(): number { return this.inflight; }

  /** Pops and starts requests while the in-flight budget allows. */
  private process(): void {
    const q = this.q;
    if (!q) return;
    let synchronous = false;
    while (this.inflight === 0 || this.inflightBytes < MAX_INFLIGHT_BYTES) {
      const c = q.pop();
      if (!c) break;
      if (this.start(q, c)) synchronous = true;
    }
    if (synchronous) q.notify();
  }

  private bad(kind: string, detail: string): void {
    this.metrics.badRequests++;
    this.ctx.errors.report(kind, detail);
  }

  /** Starts one request; returns true if it was completed synchronously (pushed, not yet notified). */
  private start(q: VirtQueue, c: DescriptorChain): boolean {
    this.metrics.requests++;
    if (c.writableLength < 1) {
      this.bad('no-status-byte', 'request without a device-writable status byte');
      q.pushUsed(c, 0);
      return true;
    }
    const statusOff = c.writableLength - 1;
    const now = (status: number, written = 1): true => {
      c.write(statusOff, STATUS[status]!);
      q.pushUsed(c, written);
      return true;
    };
    if (c.readableLength < B.REQ_HEADER_SIZE) {
      this.bad('short-header', `request header of ${c.readableLength} bytes (needs ${B.REQ_HEADER_SIZE})`);
      return now(B.VIRTIO_BLK_S_IOERR);
    }
    const h = c.read(0, B.REQ_HEADER_SIZE);
    const dv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    const type = dv.getUint32(0, true);
    const sector = dv.getBigUint64(8, true);
    const be = this.backend;
    const capSectors = BigInt(Math.floor(be.capacity / SECTOR_SIZE));

    /** Validates a data transfer; returns its byte offset or undefined (request already answered). */
    const range = (len: number): number | undefined => {
      if (len % SECTOR_SIZE !== 0) { this.bad('unaligned-length', `data length ${len} is not a multiple of ${SECTOR_SIZE}`); return undefined; }
      if (len > MAX_REQUEST_BYTES) { this.bad('oversized', `request of ${len} bytes exceeds ${MAX_REQUEST_BYTES}`); return undefined; }
      if (sector > capSectors || BigInt(len / SECTOR_SIZE) > capSectors - sector) {
        this.bad('out-of-range', `sector ${sector}+${len / SECTOR_SIZE} beyond the capacity of ${capSectors} sectors`);
        return undefined;
      }
      return Number(sector) * SECTOR_SIZE;
    };

    switch (type) {
      case B.VIRTIO_BLK_T_IN: {
        const len = c.writableLength - 1;
        const off = range(len);
        if (off === undefined) return now(B.VIRTIO_BLK_S_IOERR);
        this.metrics.reads++;
        // Data the host already has (page cache): read straight into the guest's buffers and complete now,
        // unless a write or discard is in flight (this read must not overtake it).
        if (be.readNow !== undefined && this.mutations === 0) {
          const views: Uint8Array[] = [];
          c.forEachWritable(0, len, (v) => { views.push(v); });
          if (be.readNow(off, views)) {
            this.metrics.readsAtOnce++;
            this.metrics.bytesRead += len;
            return now(B.VIRTIO_BLK_S_OK, len + 1);
          }
        }
        const buf = this.pool.take(len);
        this.run(q, c, len, be.read(off, buf), () => {
          c.write(0, buf);
          this.metrics.bytesRead += len;
          return len + 1;
        }, buf);
        return false;
      }
      case B.VIRTIO_BLK_T_OUT: {
        const len = c.readableLength - B.REQ_HEADER_SIZE;
        const off = range(len);
        if (off === undefined) return now(B.VIRTIO_BLK_S_IOERR);
        if (be.readOnly) return now(B.VIRTIO_BLK_S_IOERR);
        this.metrics.writes++;
        const data = this.pool.take(len);
        c.readInto(B.REQ_HEADER_SIZE, data); // copied now: the guest may change it meanwhile
        this.run(q, c, len, be.write(off, data), () => { this.metrics.bytesWritten += len; return 1; }, data, true);
        return false;
      }
      case B.VIRTIO_BLK_T_FLUSH: {
        if (!hasFeature(this.negotiated, B.VIRTIO_BLK_F_FLUSH)) { this.metrics.unsupported++; return now(B.VIRTIO_BLK_S_UNSUPP); }
        this.metrics.flushes++;
        this.run(q, c, 0, be.flush(), () => 1);
        return false;
      }
      case B.VIRTIO_BLK_T_GET_ID: {
        const id = new Uint8Array(B.VIRTIO_BLK_ID_BYTES);
        id.set(new TextEncoder().encode(be.serial).subarray(0, B.VIRTIO_BLK_ID_BYTES));
        const n = Math.min(B.VIRTIO_BLK_ID_BYTES, c.writableLength - 1);
        c.write(0, id.subarray(0, n));
        return now(B.VIRTIO_BLK_S_OK, n + 1);
      }
      case B.VIRTIO_BLK_T_DISCARD:
      case B.VIRTIO_BLK_T_WRITE_ZEROES: {
        const discard = type === B.VIRTIO_BLK_T_DISCARD;
        if (!hasFeature(this.negotiated, discard ? B.VIRTIO_BLK_F_DISCARD : B.VIRTIO_BLK_F_WRITE_ZEROES)) {
          this.metrics.unsupported++;
          return now(B.VIRTIO_BLK_S_UNSUPP);
        }
        if (be.readOnly) return now(B.VIRTIO_BLK_S_IOERR);
        const len = c.readableLength - B.REQ_HEADER_SIZE;
        if (len === 0 || len % B.DWZ_SEGMENT_SIZE !== 0 || len / B.DWZ_SEGMENT_SIZE > MAX_DWZ_SEGMENTS) {
          this.bad('bad-dwz-segments', `${discard ? 'discard' : 'write-zeroes'} payload of ${len} bytes (needs 1..${MAX_DWZ_SEGMENTS} segments of ${B.DWZ_SEGMENT_SIZE})`);
          return now(B.VIRTIO_BLK_S_IOERR);
        }
        const p = c.read(B.REQ_HEADER_SIZE, len);
        const pv = new DataView(p.buffer, p.byteOffset, p.byteLength);
        const segs: { off: number; len: number; unmap: boolean }[] = [];
        for (let s = 0; s < len; s += B.DWZ_SEGMENT_SIZE) {
          const sec = pv.getBigUint64(s, true), num = pv.getUint32(s + 8, true), flags = pv.getUint32(s + 12, true);
          // §5.2.6.2: unmap is meaningless for discard, and unknown flag bits are unsupported.
          if ((flags & ~B.VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP) !== 0 || (discard && flags !== 0)) {
            this.metrics.unsupported++;
            return now(B.VIRTIO_BLK_S_UNSUPP);
          }
          if (num > MAX_DWZ_SECTORS || sec > capSectors || BigInt(num) > capSectors - sec) {
            this.bad('out-of-range', `${discard ? 'discard' : 'write-zeroes'} of sectors ${sec}+${num} beyond the capacity of ${capSectors} sectors (or over ${MAX_DWZ_SECTORS})`);
            return now(B.VIRTIO_BLK_S_IOERR);
          }
          segs.push({ off: Number(sec) * SECTOR_SIZE, len: num * SECTOR_SIZE, unmap: (flags & 1) !== 0 });
        }
        if (discard) this.metrics.discards++; else this.metrics.writeZeroes++;
        const work = (async () => {
          for (const s of segs) {
            if (discard) await be.discard(s.off, s.len);
            else await be.writeZeroes(s.off, s.len, s.unmap);
          }
        })();
        this.run(q, c, 0, work, () => 1, undefined, true);
        return false;
      }
      default:
        this.metrics.unsupported++;
        return now(B.VIRTIO_BLK_S_UNSUPP);
    }
  }

  /**
   * Tracks an asynchronous backend operation; when it settles (and the device was not reset
   * meanwhile) writes the status, completes the chain and takes more requests. `mutation`: the
   * operation changes the disk's contents.
   */
  private run(q: VirtQueue, c: DescriptorChain, bytes: number, op: Promise<void>, onOk: () => number, buf?: Uint8Array, mutation = false): void {
    const epoch = this.epoch;
    this.inflight++;
    this.inflightBytes += bytes;
    if (mutation) this.mutations++;
    const finish = (status: number, written: number): void => {
      if (buf) this.pool.give(buf);
      this.inflight--;
      this.inflightBytes -= bytes;
      if (mutation) this.mutations--;
      // Reset meanwhile: the chain's memory may be reused, so nothing is written; the budget it freed may let the
      // re-initialised queue go on.
      if (epoch !== this.epoch) { this.process(); return; }
      if (q.live) {
        try {
          c.write(c.writableLength - 1, STATUS[status]!);
          q.complete(c, written);
        } catch (e) {
          this.ctx.errors.report('completion', `cannot complete a request: ${(e as Error).message}`);
        }
      }
      this.process();
    };
    op.then(
      () => {
        if (epoch !== this.epoch) { finish(B.VIRTIO_BLK_S_OK, 0); return; }
        let written: number;
        try { written = onOk(); } catch (e) {
          this.ctx.errors.report('completion', `cannot write request data: ${(e as Error).message}`);
          finish(B.VIRTIO_BLK_S_IOERR, 1);
          return;
        }
        finish(B.VIRTIO_BLK_S_OK, written);
      },
      (e: unknown) => {
        const unsupported = e instanceof BlockError && e.kind === 'unsupported';
        if (unsupported) this.metrics.unsupported++; else this.metrics.ioErrors++;
        const kind = e instanceof BlockError ? e.kind : 'host';
        if (!this.loggedIo.has(kind)) {
          this.loggedIo.add(kind);
          this.ctx.log(`${this.name}: ${this.backend.description}: I/O error: ${(e as Error).message ?? String(e)} (further ${kind} errors are only counted)`);
        }
        finish(unsupported ? B.VIRTIO_BLK_S_UNSUPP : B.VIRTIO_BLK_S_IOERR, 1);
      },
    );
  }
}

/**
 * virtio-balloon, the memory balloon (virtio 1.2 §5.5, device ID 5).
 *
 * Queues (§5.5.2): inflateq, deflateq, then — only if negotiated — statsq (F_STATS_VQ) and
 * reporting_vq (F_PAGE_REPORTING), numbered consecutively as Linux and QEMU do. Offered features:
 * STATS_VQ, DEFLATE_ON_OOM (driver-side policy: it deflates instead of OOM-killing) and
 * PAGE_REPORTING (free-page reporting).
 *
 * - Inflate: the driver gives up pages, listed as 32-bit 4 KiB-PFNs (§5.5.6). Each page in RAM is
 *   handed to the PageReclaimer, which returns it to the host OS; afterwards it reads as zero.
 *   Contiguous PFNs are batched into one call. Code cached from those pages is invalidated
 *   (GuestMemory.writableView).
 * - Deflate: the driver takes pages back (no MUST_TELL_HOST: nothing to do but count).
 * - Stats (§5.5.6.3): the driver posts one buffer of {tag u16, val u64} entries; the device keeps it
 *   and returns it when the host asks for fresh numbers (`requestStats()`); the driver refills it.
 * - Free-page reporting (§5.5.6.7): the driver lends device-writable buffers covering free pages;
 *   the device discards them and returns the buffers with length 0.
 * - Config: num_pages (target, set by the host: `setTarget`) and actual (written by the driver).
 *
 * Threat model: PFN lists come from the guest: PFNs outside RAM are counted and skipped; one
 * request handles at most MAX_PFNS_PER_REQUEST PFNs (sorted and de-duplicated, so a list repeating
 * one page costs one discard) and one report at most MAX_REPORT_BYTES, so the host work per kick is
 * bounded by queue size × those caps. Stats entries are read from a bounded buffer (≤ 64 entries).
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, type DescriptorChain, ConfigSpace,
  VIRTIO_ID_BALLOON, bit, hasFeature,
} from '../device.js';
import type { PageReclaimer } from './backend.js';
import * as B from './regs.js';

export type { PageReclaimer } from './backend.js';

export interface VirtioBalloonConfig {
  reclaimer: PageReclaimer;
  /** Offer free-page reporting (default true). */
  reporting?: boolean;
  /** Offer the stats queue (default true). */
  stats?: boolean;
  /** Offer deflate-on-OOM (default true). */
  deflateOnOom?: boolean;
  /** Called when fresh statistics arrive from the guest. */
  onStats?: (stats: BalloonStats) => void;
  /** Called when the driver updates `actual`. */
  onActual?: (pages: number) => void;
}

/** Guest memory statistics as last reported (bytes / counts by name). */
export interface BalloonStats {
  readonly values: Readonly<Record<string, bigint>>;
  /** How many reports have arrived so far. */
  readonly seq: number;
}

/** Balloon counters (metrics). */
export interface BalloonMetrics {
  inflatedPages: number;
  deflatedPages: number;
  /** Bytes handed back to the host OS (inflate + reporting). */
  reclaimedBytes: number;
  /** Bytes only zero-filled because the host could not release them. */
  zeroedOnlyBytes: number;
  reportedBytes: number;
  badPfns: number;
}

/**
 * Most PFNs handled per inflate/deflate request (Linux sends ≤ VIRTIO_BALLOON_ARRAY_PFNS_MAX = 256);
 * more are counted and ignored, so one kick costs at most queue size × this many page discards.
 */
export const MAX_PFNS_PER_REQUEST = 512;
/** Most bytes discarded per free-page report (Linux: ≤ 32 chunks of ≤ 4 MiB). */
export const MAX_REPORT_BYTES = 128 * 1024 * 1024;
/** Largest stats buffer parsed. */
const MAX_STATS = 64;

export class VirtioBalloon implements VirtioDevice {
  readonly name = 'virtio-balloon';
  readonly deviceId = VIRTIO_ID_BALLOON;
  readonly features: bigint;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = B.CONFIG_SIZE;
  readonly metrics: BalloonMetrics = { inflatedPages: 0, deflatedPages: 0, reclaimedBytes: 0, zeroedOnlyBytes: 0, reportedBytes: 0, badPfns: 0 };
  private readonly cfg = new ConfigSpace(B.CONFIG_SIZE);
  private readonly reclaimer: PageReclaimer;
  private readonly onStats: ((s: BalloonStats) => void) | undefined;
  private readonly onActual: ((pages: number) => void) | undefined;
  private ctx!: VirtioContext;
  private inflateQ: VirtQueue | undefined;
  private deflateQ: VirtQueue | undefined;
  private statsQ: VirtQueue | undefined;
  private reportQ: VirtQueue | undefined;
  /** Queue index → role, fixed at activate from the negotiated features. */
  private roles: ('inflate' | 'deflate' | 'stats' | 'report')[] = [];
  private statsChain: DescriptorChain | undefined;
  private statsSeq = 0;
  private lastStats: BalloonStats = { values: {}, seq: 0 };
  private targetPages = 0;

  constructor(c: VirtioBalloonConfig) {
    this.reclaimer = c.reclaimer;
    this.onStats = c.onStats;
    this.onActual = c.onActual;
    let f = 0n;
    if (c.stats ?? true) f |= bit(B.VIRTIO_BALLOON_F_STATS_VQ);
    if (c.deflateOnOom ?? true) f |= bit(B.VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
    if (c.reporting ?? true) f |= bit(B.VIRTIO_BALLOON_F_PAGE_REPORTING);
    this.features = f;
    const n = 2 + (hasFeature(f, B.VIRTIO_BALLOON_F_STATS_VQ) ? 1 : 0) + (hasFeature(f, B.VIRTIO_BALLOON_F_PAGE_REPORTING) ? 1 : 0);
    this.queueMaxSizes = new Array<number>(n).fill(128);
  }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }

  // ---- host API ----

  /** Sets the balloon target in 4 KiB pages (num_pages) and tells the driver (config interrupt). */
  setTarget(pages: number): void {
    if (!Number.isInteger(pages) || pages < 0 || pages > 0xffffffff) throw new RangeError(`balloon target ${pages} pages is out of range`);
    this.targetPages = pages;
    this.cfg.set32(B.CFG_NUM_PAGES, pages);
    this.ctx.configChanged();
  }
  /** Current target (pages). */
  get target(): number { return this.targetPages; }
  /** Pages the driver says are in the balloon (config `actual`). */
  get actual(): number { return this.cfg.get32(B.CFG_ACTUAL); }
  /** Last statistics received. */
  get stats(): BalloonStats { return this.lastStats; }
  /**
   * Asks the guest for fresh statistics: returns the held stats buffer so the driver refills it.
   * Returns false if the driver has not posted one (stats not negotiated, or not yet).
   */
  requestStats(): boolean {
    const c = this.statsChain, q = this.statsQ;
    if (c === undefined || q === undefined) return false;
    this.statsChain = undefined;
    q.complete(c, 0);
    return true;
  }

  // ---- VirtioDevice ----

  readConfig(offset: number, size: 1 | 2 | 4): number { return this.cfg.read(offset, size); }

  writeConfig(offset: number, size: 1 | 2 | 4, value: number): void {
    // Only `actual` is driver-writable (§5.5.4); num_pages belongs to the device.
    if (offset >= B.CFG_ACTUAL && offset + size <= B.CFG_ACTUAL + 4) {
      this.cfg.write(offset, size, value);
      this.onActual?.(this.actual);
      return;
    }
    this.ctx.errors.report('config-readonly', `write to read-only balloon config at 0x${offset.toString(16)}`);
  }

  activate(queues: ReadonlyArray<VirtQueue | undefined>, features: bigint): void {
    this.roles = ['inflate', 'deflate'];
    if (hasFeature(features, B.VIRTIO_BALLOON_F_STATS_VQ)) this.roles.push('stats');
    if (hasFeature(features, B.VIRTIO_BALLOON_F_PAGE_REPORTING)) this.roles.push('report');
    this.inflateQ = queues[0];
    this.deflateQ = queues[1];
    this.statsQ = undefined;
    this.reportQ = undefined;
    this.roles.forEach((r, i) => {
      if (r === 'stats') this.statsQ = queues[i];
      if (r === 'report') this.reportQ = queues[i];
    });
    for (let i = 0; i < this.roles.length; i++) this.notify(i);
  }

  reset(): void {
    this.inflateQ = this.deflateQ = this.statsQ = this.reportQ = undefined;
    this.statsChain = undefined;
    this.roles = [];
    // num_pages is host state (the target survives a guest reset, as in QEMU); actual is the driver's.
    this.cfg.set32(B.CFG_ACTUAL, 0);
  }

  notify(index: number): void {
    switch (this.roles[index]) {
      case 'inflate': this.drainPfns(this.inflateQ, true); break;
      case 'deflate': this.drainPfns(this.deflateQ, false); break;
      case 'stats': this.takeStats(); break;
      case 'report': this.drainReports(); break;
      default: break;
    }
  }

  // ---- queues ----

  private drainPfns(q: VirtQueue | undefined, inflate: boolean): void {
    if (q === undefined) return;
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      if (c.readableLength & 3) this.ctx.errors.report('bad-pfn-list', `PFN list of ${c.readableLength} bytes is not a multiple of 4`);
      if (c.readableLength > 4 * MAX_PFNS_PER_REQUEST) this.ctx.errors.report('pfn-list-too-long', `PFN list of ${c.readableLength / 4} entries; only the first ${MAX_PFNS_PER_REQUEST} are used`);
      const n = Math.min(c.readableLength, 4 * MAX_PFNS_PER_REQUEST) & ~3;
      const bytes = c.read(0, n);
      const pfns = new Uint32Array(n / 4);
      const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let i = 0; i < pfns.length; i++) pfns[i] = dv.getUint32(4 * i, true);
      if (inflate) this.inflate(pfns);
      else this.metrics.deflatedPages += pfns.length;
      q.pushUsed(c, 0);
    }
    q.notify();
  }

  private inflate(pfns: Uint32Array): void {
    const mem = this.ctx.mem;
    // Sorted, so contiguous pages form one run and a repeated PFN is discarded once.
    pfns.sort();
    const count = pfns.length;
    let runStart = -1, runLen = 0;
    const flush = (): void => {
      if (runLen > 0) this.discard(runStart * B.BALLOON_PAGE, runLen * B.BALLOON_PAGE);
      runLen = 0;
    };
    for (let i = 0; i < count; i++) {
      const pfn = pfns[i]!;
      if (i > 0 && pfn === pfns[i - 1]) continue;
      const addr = pfn * B.BALLOON_PAGE;
      if (!mem.isRam(addr, B.BALLOON_PAGE)) {
        this.metrics.badPfns++;
        this.ctx.errors.report('bad-pfn', `inflate of PFN 0x${pfn.toString(16)}, which is not RAM`);
        continue;
      }
      this.metrics.inflatedPages++;
      if (runLen > 0 && pfn === runStart + runLen) { runLen++; continue; }
      flush();
      runStart = pfn; runLen = 1;
    }
    flush();
  }

  /** Returns [addr, addr+len) (whole guest pages, in RAM) to the host. */
  private discard(addr: number, len: number): void {
    const view = this.ctx.mem.writableView(addr, len);
    const released = this.reclaimer.discard(view);
    this.metrics.reclaimedBytes += released;
    this.metrics.zeroedOnlyBytes += len - released;
  }

  private takeStats(): void {
    const q = this.statsQ;
    if (q === undefined) return;
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      if (this.statsChain !== undefined) {
        // A second buffer while one is held: a driver error; return the old one.
        this.ctx.errors.report('stats-twice', 'driver posted a stats buffer while the device held one');
        q.pushUsed(this.statsChain, 0);
      }
      const n = Math.min(Math.floor(c.readableLength / B.STAT_ENTRY_SIZE), MAX_STATS);
      const raw = c.read(0, n * B.STAT_ENTRY_SIZE);
      const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
      const values: Record<string, bigint> = {};
      for (let i = 0; i < n; i++) {
        const tag = dv.getUint16(i * B.STAT_ENTRY_SIZE, true);
        values[B.STAT_NAMES[tag] ?? `tag${tag}`] = dv.getBigUint64(i * B.STAT_ENTRY_SIZE + 2, true);
      }
      this.statsChain = c;
      // The driver's first post at probe carries no data yet; still record it.
      this.lastStats = { values, seq: ++this.statsSeq };
      this.onStats?.(this.lastStats);
    }
    q.notify();
  }

  private drainReports(): void {
    const q = this.reportQ;
    if (q === undefined) return;
    const mem = this.ctx.mem;
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      let budget = MAX_REPORT_BYTES;
      for (const s of c.writable) {
        // Only whole 4 KiB pages inside the buffer are discarded.
        const a = Math.ceil(s.addr / B.BALLOON_PAGE) * B.BALLOON_PAGE;
        const e = Math.min(Math.floor((s.addr + s.len) / B.BALLOON_PAGE) * B.BALLOON_PAGE, a + budget);
        if (e > a && mem.isRam(a, e - a)) {
          budget -= e - a;
          this.discard(a, e - a);
          this.metrics.reportedBytes += e - a;
        }
      }
      q.pushUsed(c, 0);
    }
    q.notify();
  }
}

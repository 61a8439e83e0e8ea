/**
 * qcow2 images (QEMU docs/interop/qcow2.txt, versions 2 and 3) as a BlockBackend: read, write,
 * discard and write-zeroes with cluster allocation and reference counts kept consistent, backing
 * files (copy-on-write overlays), zero clusters and compressed (zlib) clusters.
 *
 * Layout in memory
 *  - the whole L1 table and the whole refcount table (both bounded by the header checks: 32 MiB
 *    and 8 MiB);
 *  - an LRU cache of L2 tables and a cache of refcount blocks, written back lazily.
 *
 * Allocation ("Host cluster management"): new clusters come from a free list of clusters this
 * process released (see below), else from the end of the file; a candidate is taken only if its
 * refcount is 0 and it does not overlap the header, L1 or refcount tables. New L2 tables and data
 * clusters get refcount 1; refcount blocks are created when a cluster's block does not exist (placed
 * at the end, counting themselves), and the refcount table is moved to a larger place at the end
 * when it is full (the old one is released after the header points to the new one).
 *
 * Crash consistency (QEMU's cache-dependency rules, done as two phases per flush):
 *  - guest data goes straight to the file (pwrite), always before the metadata that points to it;
 *  - metadata changes stay in memory until a flush: first refcount blocks (+ table), fdatasync,
 *    then the header, L2 tables and L1 entries, fdatasync. So on disk a cluster is never
 *    referenced before its refcount is, and an acknowledged FLUSH has everything durable;
 *  - refcount *decrements* (discard, copy-on-write of shared or compressed clusters, a moved
 *    refcount table) are applied only after the flush that made the new L2 entries durable, and a
 *    cluster is reused only after that. A crash at any point leaves at worst leaked clusters
 *    (refcount > 0, unreferenced), which `qemu-img check` reports as leaks, not corruption.
 *  - the dirty bit and lazy refcounts are never used; an image that has the dirty bit set (lazy
 *    refcounts) or the corrupt bit is opened read-only only. Unknown autoclear bits are cleared
 *    (and synced) before the first write, as qcow2.txt requires.
 *
 * Copy-on-write: a write to a cluster that is unallocated (backing file), shared (refcount > 1,
 * internal snapshots: COPIED flag clear and refcount checked), compressed or a zero cluster builds
 * the whole new cluster in memory (the rest read from the backing chain, the old cluster, or zeros)
 * and writes it to a new cluster; only a fresh cluster past the end of the file without backing data
 * is written partially (the rest of it is a hole that reads as zeros).
 *
 * Concurrency: reads and writes to clusters that are already allocated and owned (COPIED) run
 * concurrently under a shared lock; anything that changes metadata takes the lock exclusively.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { inflateRaw, constants as zc } from 'node:zlib';
import { BlockError, SECTOR_SIZE, type BlockBackend } from '../../devices/virtio/blk/backend.js';
import {
  parseQcow2Header, ImageFormatError, type Qcow2Header, HI_COPIED, HI_COMPRESSED, LO_ZERO,
  entryOffset, readHi, readLo, writeEntry, readEntryBig, decodeCompressed, getRefcount, setRefcount,
  INCOMPAT_CORRUPT, INCOMPAT_DIRTY, MAX_REFTABLE_BYTES, MAX_CLUSTER_BITS,
} from './qcow2-format.js';
import { preadFull, pwriteFull, pwritevFull, RwLock, IoJobs, settleAll, PageCacheReader, viewsLength, withinDisk, viewsSlice } from './io.js';

export interface Qcow2Options {
  readOnly?: boolean;
  serial?: string;
  /**
   * Opens the backing file named in the header (`name` as stored; resolving it relative to the
   * image is the caller's job). Required when the image has a backing file.
   */
  openBacking?: (name: string, format: string | undefined) => Promise<BlockBackend>;
  /** Bytes of L2 tables to cache (default 32 MiB). */
  l2CacheBytes?: number;
}

/** What a guest cluster maps to. */
const enum Kind { Unallocated, Zero, Normal, Compressed }

interface Mapping {
  kind: Kind;
  /** Host offset (Normal; Zero with a preallocated cluster, else 0). */
  host: number;
  /** COPIED flag (refcount exactly one) for Normal and preallocated Zero clusters. */
  copied: boolean;
  /** The raw entry, for compressed clusters. */
  raw: bigint;
}

const UNALLOCATED: Mapping = { kind: Kind.Unallocated, host: 0, copied: false, raw: 0n };

function inflate(data: Uint8Array, size: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    inflateRaw(data, { finishFlush: zc.Z_SYNC_FLUSH, maxOutputLength: size }, (err, out) => {
      if (err) reject(err); else resolve(out);
    });
  });
}

export class Qcow2Backend implements BlockBackend {
  readonly capacity: number;
  readonly readOnly: boolean;
  readonly serial: string;
  readonly canDiscard: boolean;
  readonly canWriteZeroes: boolean;
  readonly discardAlignment: number;
  readonly description: string;
  readonly header: Qcow2Header;
  /** Cluster size in bytes, and log2. */
  readonly clusterSize: number;
  private readonly cb: number;
  /** Entries per L2 table. */
  private readonly l2n: number;
  /** Refcount entries per refcount block. */
  private readonly rpb: number;
  private readonly order: number;

  private readonly lock = new RwLock();
  private closed = false;
  /** Set when corrupt metadata was met: no further writes. */
  private broken: string | undefined;

  private readonly l1: Uint8Array;
  private readonly l1Dirty = new Set<number>();
  private readonly l2Cache = new Map<number, Uint8Array>();
  private readonly l2Dirty = new Set<number>();
  private readonly l2Loading = new Map<number, Promise<Uint8Array>>();
  private readonly l2CacheMax: number;

  private rcTable: Uint8Array;
  private rcTableOffset: number;
  private rcTableClusters: number;
  private readonly rcTableDirty = new Set<number>();
  private rcTableMoved = false;
  private readonly rcBlocks = new Map<number, Uint8Array>();
  private readonly rcDirty = new Set<number>();
  private readonly rcLoading = new Map<number, Promise<Uint8Array>>();

  private headerDirty = false;
  private autoclearPending: boolean;
  /** Size of the file on disk. */
  private fileSize: number;
  /** Next never-used cluster offset (≥ file size, cluster-aligned). */
  private allocEnd: number;
  /** Clusters with refcount 0 released by this process (safe to reuse: see the header comment). */
  private readonly freeList: number[] = [];
  /** Host byte ranges whose clusters lose one reference after the next flush. */
  private pendingDec: [number, number][] = [];
  /** A few decompressed clusters, keyed by descriptor. */
  private readonly inflated = new Map<bigint, Uint8Array>();
  private readonly cached = new PageCacheReader();

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    header: Qcow2Header,
    l1: Uint8Array,
    rcTable: Uint8Array,
    fileSize: number,
    readonly backing: BlockBackend | undefined,
    opts: Qcow2Options,
  ) {
    this.header = header;
    this.readOnly = opts.readOnly ?? false;
    this.serial = opts.serial ?? '';
    this.clusterSize = header.clusterSize;
    this.cb = header.clusterBits;
    this.l2n = this.clusterSize / 8;
    this.order = header.refcountOrder;
    this.rpb = (this.clusterSize * 8) >> this.order;
    this.capacity = Math.floor(header.size / SECTOR_SIZE) * SECTOR_SIZE;
    this.canDiscard = !this.readOnly;
    this.canWriteZeroes = !this.readOnly;
    this.discardAlignment = this.clusterSize;
    this.description = `${basename(path)} (qcow2${this.readOnly ? ', read-only' : ''})`;
    this.l1 = l1;
    this.rcTable = rcTable;
    this.rcTableOffset = header.refcountTableOffset;
    this.rcTableClusters = header.refcountTableClusters;
    this.fileSize = fileSize;
    this.allocEnd = this.roundUp(fileSize);
    this.autoclearPending = header.version === 3 && header.autoclearFeatures !== 0n;
    this.l2CacheMax = Math.max(4, Math.floor((opts.l2CacheBytes ?? 32 * 1024 * 1024) / this.clusterSize));
  }

  /**
   * Opens and validates an image (header, L1 table, refcount table). Errors about the image are
   * ImageFormatError (a UserError); nothing is written during open.
   */
  static async open(path: string, opts: Qcow2Options = {}): Promise<Qcow2Backend> {
    const readOnly = opts.readOnly ?? false;
    const name = path;
    const fh = await open(path, readOnly ? 'r' : 'r+');
    let backing: BlockBackend | undefined;
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw new ImageFormatError(`${name}: not a regular file`);
      const fileSize = st.size;
      const head = new Uint8Array(Math.min(fileSize, 1 << MAX_CLUSTER_BITS));
      await preadFull(fh, head, 0);
      const h = parseQcow2Header(head, fileSize, name);
      if (!readOnly && (h.incompatibleFeatures & INCOMPAT_CORRUPT)) {
        throw new ImageFormatError(`${name}: the image is marked corrupt; repair it with \`qemu-img check -r all\` or open it read-only`);
      }
      if (!readOnly && (h.incompatibleFeatures & INCOMPAT_DIRTY)) {
        throw new ImageFormatError(`${name}: the image is dirty (lazy refcounts not written back); repair it with \`qemu-img check -r all\` or open it read-only`);
      }
      const cs = h.clusterSize;
      const inFile = (off: number): boolean => off % cs === 0 && off >= cs && off + cs <= Math.ceil(fileSize / cs) * cs;
      const l1 = new Uint8Array(h.l1Size * 8);
      await preadFull(fh, l1, h.l1TableOffset);
      for (let i = 0; i < h.l1Size; i++) {
        const hi = readHi(l1, i * 8), lo = readLo(l1, i * 8);
        if ((lo & 0x1ff) !== 0 || (hi & 0x7f000000) !== 0) throw new ImageFormatError(`${name}: corrupt qcow2 image: L1 entry ${i} has reserved bits set`);
        const off = entryOffset(l1, i * 8);
        if (off !== 0 && !inFile(off)) throw new ImageFormatError(`${name}: corrupt qcow2 image: L1 entry ${i} points outside the file (0x${off.toString(16)})`);
      }
      const rcTable = new Uint8Array(h.refcountTableClusters * cs);
      await preadFull(fh, rcTable, h.refcountTableOffset);
      for (let i = 0; i < rcTable.length / 8; i++) {
        const hi = readHi(rcTable, i * 8), lo = readLo(rcTable, i * 8);
        if ((lo & 0x1ff) !== 0) throw new ImageFormatError(`${name}: corrupt qcow2 image: refcount table entry ${i} has reserved bits set`);
        const off = hi * 0x1_0000_0000 + lo;
        if (off !== 0 && !inFile(off)) throw new ImageFormatError(`${name}: corrupt qcow2 image: refcount table entry ${i} points outside the file (0x${off.toString(16)})`);
      }
      if (h.backingFile !== undefined) {
        if (!opts.openBacking) throw new ImageFormatError(`${name}: has a backing file (${h.backingFile}) but no way to open it`);
        backing = await opts.openBacking(h.backingFile, h.backingFormat);
      }
      const img = new Qcow2Backend(fh, path, h, l1, rcTable, fileSize, backing, opts);
      if (!readOnly) await img.findAllocEnd();
      return img;
    } catch (e) {
      await backing?.close().catch(() => {});
      await fh.close();
      throw e;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private roundUp(n: number): number { return Math.ceil(n / this.clusterSize) * this.clusterSize; }

  private corrupt(why: string): never {
    this.broken ??= why;
    throw new BlockError(`${this.description}: corrupt image: ${why}`, 'corrupt');
  }

  private checkOpen(offset: number, length: number, write: boolean): void {
    if (this.closed) throw new BlockError(`${this.description}: closed`);
    if (write && this.readOnly) throw new BlockError(`${this.description}: read-only`, 'read-only');
    if (write && this.broken) throw new BlockError(`${this.description}: writes stopped after finding corrupt metadata (${this.broken})`, 'corrupt');
    if (!withinDisk(offset, length, this.capacity)) {
      throw new BlockError(`${this.description}: access outside the disk (${offset}+${length})`, 'range');
    }
  }

  /** The allocation pointer must lie past every cluster that has a refcount (the last refcount block tells). */
  private async findAllocEnd(): Promise<void> {
    for (let ti = this.rcTable.length / 8 - 1; ti >= 0; ti--) {
      if (this.rcEntry(ti) === 0) continue;
      const block = await this.loadRcBlock(ti);
      for (let j = this.rpb - 1; j >= 0; j--) {
        if (getRefcount(block, j, this.order) !== 0) {
          this.allocEnd = Math.max(this.allocEnd, (ti * this.rpb + j + 1) * this.clusterSize);
          return;
        }
      }
    }
  }

  private overlapsMetadata(off: number): boolean {
    const cs = this.clusterSize, h = this.header;
    if (off < cs) return true;
    if (h.l1Size > 0 && off < h.l1TableOffset + this.roundUp(h.l1Size * 8) && off + cs > h.l1TableOffset) return true;
    if (off < this.rcTableOffset + this.rcTableClusters * cs && off + cs > this.rcTableOffset) return true;
    if (h.nbSnapshots > 0 && off === h.snapshotsOffset) return true;
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Refcounts

  private rcEntry(ti: number): number {
    return readHi(this.rcTable, ti * 8) * 0x1_0000_0000 + ((readLo(this.rcTable, ti * 8) & 0xfffffe00) >>> 0);
  }

  private loadRcBlock(ti: number): Promise<Uint8Array> {
    const cached = this.rcBlocks.get(ti);
    if (cached) return Promise.resolve(cached);
    let p = this.rcLoading.get(ti);
    if (p) return p;
    const off = this.rcEntry(ti);
    p = (async () => {
      if (off % this.clusterSize !== 0 || off + this.clusterSize > this.allocEnd) this.corrupt(`refcount block ${ti} at 0x${off.toString(16)} is outside the file`);
      const b = new Uint8Array(this.clusterSize);
      await preadFull(this.fh, b, off);
      this.rcBlocks.set(ti, b);
      return b;
    })().finally(() => this.rcLoading.delete(ti));
    this.rcLoading.set(ti, p);
    return p;
  }

  private async refcount(cluster: number): Promise<number> {
    const ti = Math.floor(cluster / this.rpb);
    if (ti >= this.rcTable.length / 8 || this.rcEntry(ti) === 0) return 0;
    return getRefcount(await this.loadRcBlock(ti), cluster % this.rpb, this.order);
  }

  private async setRefcount(cluster: number, value: number): Promise<void> {
    const ti = Math.floor(cluster / this.rpb);
    const block = await this.ensureRcBlock(ti);
    setRefcount(block, cluster % this.rpb, this.order, value);
    this.rcDirty.add(ti);
  }

  /** The refcount block for table index `ti`, created (and the table grown) if needed. */
  private async ensureRcBlock(ti: number): Promise<Uint8Array> {
    if (ti >= this.rcTable.length / 8) await this.growRcTable(ti + 1);
    if (this.rcEntry(ti) !== 0) return this.loadRcBlock(ti);
    const off = this.takeEnd(1);
    const block = new Uint8Array(this.clusterSize);
    this.rcBlocks.set(ti, block);
    this.rcDirty.add(ti);
    writeEntry(this.rcTable, ti * 8, off, 0, 0);
    this.rcTableDirty.add(ti);
    await this.setRefcount(off / this.clusterSize, 1); // counts itself (in this block or the next)
    return block;
  }

  /** Moves the refcount table to a larger place at the end of the file. */
  private async growRcTable(minEntries: number): Promise<void> {
    const cs = this.clusterSize;
    const oldOff = this.rcTableOffset, oldClusters = this.rcTableClusters;
    const cur = this.rcTable.length / 8;
    let entries = Math.max(minEntries, Math.ceil(cur * 1.5));
    let clusters = Math.ceil(entries * 8 / cs);
    // The new table's own clusters (and one more block) must be covered too.
    for (;;) {
      const lastCluster = this.allocEnd / cs + clusters + 2;
      if (Math.floor(lastCluster / this.rpb) < clusters * cs / 8) break;
      clusters++;
    }
    entries = clusters * cs / 8;
    if (clusters * cs > MAX_REFTABLE_BYTES) throw new BlockError(`${this.description}: image too large: the refcount table would exceed ${MAX_REFTABLE_BYTES} bytes`, 'io');
    const off = this.takeEnd(clusters);
    const table = new Uint8Array(clusters * cs);
    table.set(this.rcTable);
    this.rcTable = table;
    this.rcTableOffset = off;
    this.rcTableClusters = clusters;
    this.rcTableMoved = true;
    this.headerDirty = true;
    for (let c = 0; c < clusters; c++) await this.setRefcount(off / cs + c, 1);
    this.pendingDec.push([oldOff, oldClusters * cs]);
  }

  /** Takes `n` clusters at the end of the file without looking at refcounts (callers set them). */
  private takeEnd(n: number): number {
    const off = this.allocEnd;
    this.allocEnd += n * this.clusterSize;
    return off;
  }

  /** Allocates one cluster with refcount 1. `fresh`: past the end of the file (reads as zeros). */
  private async allocCluster(): Promise<{ off: number; fresh: boolean }> {
    const cs = this.clusterSize;
    while (this.freeList.length) {
      const c = this.freeList.pop()!;
      if (this.overlapsMetadata(c * cs) || await this.refcount(c) !== 0) continue;
      await this.setRefcount(c, 1);
      return { off: c * cs, fresh: false };
    }
    for (;;) {
      const off = this.takeEnd(1);
      if (this.overlapsMetadata(off) || await this.refcount(off / cs) !== 0) continue;
      await this.setRefcount(off / cs, 1);
      return { off, fresh: off >= this.fileSize };
    }
  }

  /** Drops one reference from every cluster overlapping [start, start+len), after the next flush. */
  private releaseLater(start: number, len: number): void {
    this.pendingDec.push([start, len]);
  }

  private async applyPendingDecrements(): Promise<void> {
    const list = this.pendingDec;
    this.pendingDec = [];
    const cs = this.clusterSize;
    for (const [start, len] of list) {
      for (let c = Math.floor(start / cs); c * cs < start + len; c++) {
        const rc = await this.refcount(c);
        if (rc === 0) continue; // already free (corrupt image): never underflow
        await this.setRefcount(c, rc - 1);
        if (rc === 1) this.freeList.push(c);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // L1 / L2

  private loadL2(off: number): Promise<Uint8Array> {
    const cached = this.l2Cache.get(off);
    if (cached) {
      this.l2Cache.delete(off);
      this.l2Cache.set(off, cached);
      return Promise.resolve(cached);
    }
    let p = this.l2Loading.get(off);
    if (p) return p;
    p = (async () => {
      if (off % this.clusterSize !== 0 || off + this.clusterSize > this.allocEnd || this.overlapsMetadata(off)) {
        this.corrupt(`L2 table at 0x${off.toString(16)} is outside the file or overlaps metadata`);
      }
      const t = new Uint8Array(this.clusterSize);
      await preadFull(this.fh, t, off);
      this.l2Cache.set(off, t);
      this.evictL2();
      return t;
    })().finally(() => this.l2Loading.delete(off));
    this.l2Loading.set(off, p);
    return p;
  }

  private evictL2(): void {
    if (this.l2Cache.size <= this.l2CacheMax) return;
    for (const k of this.l2Cache.keys()) {
      if (this.l2Cache.size <= this.l2CacheMax) break;
      if (!this.l2Dirty.has(k)) this.l2Cache.delete(k);
    }
  }

  /** The L2 table and index for guest cluster `gc`, or undefined if its L1 entry is empty. */
  private async l2Read(gc: number): Promise<{ t: Uint8Array; i: number } | undefined> {
    const l1i = Math.floor(gc / this.l2n);
    const off = entryOffset(this.l1, l1i * 8);
    if (off === 0) return undefined;
    return { t: await this.loadL2(off), i: gc % this.l2n };
  }

  /**
   * Like l2Read, but the table exists and is owned by this L1 (allocated or copied if needed), and
   * it is marked dirty (so it stays cached while the caller changes it). Exclusive lock.
   */
  private async l2Write(gc: number): Promise<{ t: Uint8Array; i: number }> {
    const l1i = Math.floor(gc / this.l2n);
    const i = gc % this.l2n;
    const off = entryOffset(this.l1, l1i * 8);
    if (off === 0) {
      const { off: n } = await this.allocCluster();
      const t = new Uint8Array(this.clusterSize);
      this.l2Cache.set(n, t);
      this.l2Dirty.add(n);
      this.setL1(l1i, n);
      this.evictL2();
      return { t, i };
    }
    let t = await this.loadL2(off);
    if (!(readHi(this.l1, l1i * 8) & HI_COPIED)) {
      if (await this.refcount(off / this.clusterSize) === 1) {
        this.setL1(l1i, off);
      } else {
        // Shared with an internal snapshot: copy the table (its entries stay shared, so clear their COPIED flags).
        const { off: n } = await this.allocCluster();
        const copy = t.slice();
        for (let k = 0; k < this.l2n; k++) copy[k * 8] = copy[k * 8]! & 0x7f;
        this.l2Cache.set(n, copy);
        this.l2Dirty.add(n);
        this.setL1(l1i, n);
        this.releaseLater(off, this.clusterSize);
        t = copy;
        this.evictL2();
      }
    }
    const key = entryOffset(this.l1, l1i * 8);
    this.l2Dirty.add(key);
    if (this.l2Cache.get(key) !== t) this.l2Cache.set(key, t);
    return { t, i };
  }

  private setL1(l1i: number, off: number): void {
    writeEntry(this.l1, l1i * 8, off, HI_COPIED, 0);
    this.l1Dirty.add(l1i);
  }

  /** Decodes and checks the L2 entry at t[i]. */
  private decode(t: Uint8Array, i: number): Mapping {
    const o = i * 8;
    const hi = readHi(t, o), lo = readLo(t, o);
    if (hi & HI_COMPRESSED) {
      const raw = readEntryBig(t, o);
      const c = decodeCompressed(raw, this.cb);
      if (c.offset < this.clusterSize || c.offset >= this.allocEnd) this.corrupt(`compressed cluster at 0x${c.offset.toString(16)} is outside the file`);
      return { kind: Kind.Compressed, host: c.offset, copied: false, raw };
    }
    if ((lo & 0x1fe) !== 0 || (hi & 0x3f000000) !== 0) this.corrupt('L2 entry has reserved bits set');
    const host = entryOffset(t, o);
    const copied = (hi & HI_COPIED) !== 0;
    if (host !== 0 && (host % this.clusterSize !== 0 || host + this.clusterSize > this.allocEnd)) {
      this.corrupt(`data cluster at 0x${host.toString(16)} is unaligned or outside the file`);
    }
    if (this.header.version === 3 && (lo & LO_ZERO)) return { kind: Kind.Zero, host, copied, raw: 0n };
    if (host === 0) return UNALLOCATED;
    return { kind: Kind.Normal, host, copied, raw: 0n };
  }

  private async mapping(gc: number): Promise<Mapping> {
    const r = await this.l2Read(gc);
    return r ? this.decode(r.t, r.i) : UNALLOCATED;
  }

  // ---------------------------------------------------------------------------------------------
  // Data helpers

  /** Reads guest bytes [off, off+dst.length) of the backing chain (zeros past its end or without one). */
  private async readBacking(off: number, dst: Uint8Array): Promise<void> {
    const b = this.backing;
    if (!b || off >= b.capacity) { dst.fill(0); return; }
    const n = Math.min(dst.length, b.capacity - off);
    await b.read(off, dst.subarray(0, n));
    if (n < dst.length) dst.fill(0, n);
  }

  private async readCompressed(raw: bigint): Promise<Uint8Array> {
    const hit = this.inflated.get(raw);
    if (hit) return hit;
    const c = decodeCompressed(raw, this.cb);
    const buf = new Uint8Array(c.length);
    await preadFull(this.fh, buf, c.offset);
    let out: Uint8Array;
    try {
      out = await inflate(buf, this.clusterSize);
    } catch (e) {
      this.corrupt(`compressed cluster at 0x${c.offset.toString(16)} does not decompress (${(e as Error).message})`);
    }
    if (out.length !== this.clusterSize) this.corrupt(`compressed cluster at 0x${c.offset.toString(16)} decompresses to ${out.length} bytes, not ${this.clusterSize}`);
    this.inflated.set(raw, out);
    if (this.inflated.size > 8) this.inflated.delete(this.inflated.keys().next().value!);
    return out;
  }

  /** The current contents of a whole guest cluster (for copy-on-write). */
  private async clusterContents(gc: number, m: Mapping): Promise<Uint8Array> {
    const cs = this.clusterSize;
    switch (m.kind) {
      case Kind.Normal: { const b = new Uint8Array(cs); await preadFull(this.fh, b, m.host); return b; }
      case Kind.Compressed: return (await this.readCompressed(m.raw)).slice();
      case Kind.Zero: return new Uint8Array(cs);
      case Kind.Unallocated: {
        const b = new Uint8Array(cs);
        const start = gc * cs;
        // The last cluster may extend past the virtual size: only read what the disk has.
        const end = Math.min(start + cs, this.capacity);
        await this.readBacking(start, b.subarray(0, end - start));
        return b;
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // BlockBackend

  async read(offset: number, dst: Uint8Array): Promise<void> {
    this.checkOpen(offset, dst.length, false);
    await this.lock.shared(async () => {
      const cs = this.clusterSize;
      // Pieces are read concurrently while later clusters are still being mapped. Whatever fails, the
      // request settles only once no piece writes into dst any more.
      const jobs = new IoJobs();
      let runHost = -1, runDst = 0, runLen = 0;
      const endRun = (): void => {
        if (runLen > 0) jobs.add(preadFull(this.fh, dst.subarray(runDst, runDst + runLen), runHost));
        runLen = 0;
      };
      try {
        for (let pos = 0; pos < dst.length;) {
          const g = offset + pos;
          const gc = Math.floor(g / cs), inC = g % cs;
          const n = Math.min(cs - inC, dst.length - pos);
          const piece = dst.subarray(pos, pos + n);
          const m = await this.mapping(gc);
          if (m.kind === Kind.Normal) {
            const h = m.host + inC;
            if (runLen > 0 && runHost + runLen === h) runLen += n;
            else { endRun(); runHost = h; runDst = pos; runLen = n; }
          } else {
            endRun();
            if (m.kind === Kind.Zero) piece.fill(0);
            else if (m.kind === Kind.Unallocated) jobs.add(this.readBacking(g, piece));
            else jobs.add(this.readCompressed(m.raw).then((c) => piece.set(c.subarray(inC, inC + n))));
          }
          pos += n;
        }
        endRun();
      } catch (e) {
        await jobs.wait().catch(() => {});
        throw e;
      }
      await jobs.wait();
    });
  }

  /**
   * The synchronous fast path (BlockBackend.readNow): the mapping must come from L2 tables already in
   * the cache, data clusters from the host page cache (PageCacheReader), compressed clusters from the
   * inflated cache and unallocated ones from the backing file's own readNow. Anything else — an L2 table
   * to load, uncached data, metadata in the middle of a change (an exclusive holder or waiter on the
   * lock), an entry that does not decode (read() reports the corruption) — returns false.
   */
  readNow(offset: number, dst: readonly Uint8Array[]): boolean {
    const len = viewsLength(dst);
    if (this.closed || !this.cached.available || !this.lock.writerFree) return false;
    if (!withinDisk(offset, len, this.capacity)) return false;
    const cs = this.clusterSize;
    let runHost = -1, runPos = 0, runLen = 0;
    const endRun = (): boolean => {
      const ok = runLen === 0 || this.cached.read(this.fh.fd, viewsSlice(dst, runPos, runLen), runHost);
      runLen = 0;
      return ok;
    };
    try {
      for (let pos = 0; pos < len;) {
        const g = offset + pos;
        const gc = Math.floor(g / cs), inC = g % cs;
        const n = Math.min(cs - inC, len - pos);
        const m = this.cachedMapping(gc);
        if (m === undefined) return false;
        if (m.kind === Kind.Normal) {
          const h = m.host + inC;
          if (runLen > 0 && runHost + runLen === h) runLen += n;
          else { if (!endRun()) return false; runHost = h; runPos = pos; runLen = n; }
        } else {
          if (!endRun()) return false;
          const piece = viewsSlice(dst, pos, n);
          if (m.kind === Kind.Zero) { for (const v of piece) v.fill(0); }
          else if (m.kind === Kind.Unallocated) { if (!this.readBackingNow(g, piece)) return false; }
          else {
            const c = this.inflated.get(m.raw);
            if (c === undefined) return false;
            let at = inC;
            for (const v of piece) { v.set(c.subarray(at, at + v.length)); at += v.length; }
          }
        }
        pos += n;
      }
      return endRun();
    } catch {
      return false;
    }
  }

  /** Guest cluster gc's mapping from the L1 table and a cached L2 table; undefined if that table is not cached. */
  private cachedMapping(gc: number): Mapping | undefined {
    const off = entryOffset(this.l1, Math.floor(gc / this.l2n) * 8);
    if (off === 0) return UNALLOCATED;
    const t = this.l2Cache.get(off);
    return t === undefined ? undefined : this.decode(t, gc % this.l2n);
  }

  /** readBacking for readNow: zeros past the backing chain's end (or without one), else its readNow. */
  private readBackingNow(off: number, piece: readonly Uint8Array[]): boolean {
    const b = this.backing;
    const len = viewsLength(piece);
    const n = b === undefined ? 0 : Math.max(0, Math.min(len, b.capacity - off));
    for (const v of viewsSlice(piece, n, len - n)) v.fill(0);
    return n === 0 || (b!.readNow?.(off, viewsSlice(piece, 0, n)) ?? false);
  }

  async write(offset: number, src: Uint8Array): Promise<void> {
    this.checkOpen(offset, src.length, true);
    if (src.length === 0) return;
    const done = !this.autoclearPending && await this.lock.shared(() => this.writeInPlace(offset, src));
    if (done) return;
    await this.lock.exclusive(async () => {
      await this.clearAutoclear();
      await this.writeAllocating(offset, src);
      await this.maybeWriteBack();
    });
  }

  /** Fast path: every cluster is allocated and owned; write in place. False if not. */
  private async writeInPlace(offset: number, src: Uint8Array): Promise<boolean> {
    const cs = this.clusterSize;
    const spans: [number, number, number][] = []; // host, srcStart, len
    for (let pos = 0; pos < src.length;) {
      const g = offset + pos;
      const gc = Math.floor(g / cs), inC = g % cs;
      const n = Math.min(cs - inC, src.length - pos);
      const m = await this.mapping(gc);
      if (m.kind !== Kind.Normal || !m.copied) return false;
      const last = spans[spans.length - 1];
      if (last && last[0] + last[2] === m.host + inC) last[2] += n;
      else spans.push([m.host + inC, pos, n]);
      pos += n;
    }
    await settleAll(spans.map(([h, s, n]) => pwriteFull(this.fh, src.subarray(s, s + n), h)));
    return true;
  }

  /** Slow path (exclusive lock): allocates and copies as needed, data first, then L2 entries in memory. */
  private async writeAllocating(offset: number, src: Uint8Array): Promise<void> {
    const cs = this.clusterSize;
    const writes: { host: number; data: Uint8Array }[] = [];
    const after: (() => void)[] = [];
    for (let pos = 0; pos < src.length;) {
      const g = offset + pos;
      const gc = Math.floor(g / cs), inC = g % cs;
      const n = Math.min(cs - inC, src.length - pos);
      const piece = src.subarray(pos, pos + n);
      pos += n;
      const { t, i } = await this.l2Write(gc);
      const m = this.decode(t, i);
      const whole = n === cs;
      const setEntry = (host: number): void => writeEntry(t, i * 8, host, HI_COPIED, 0);

      if (m.kind === Kind.Normal && (m.copied || await this.refcount(m.host / cs) === 1)) {
        if (!m.copied) setEntry(m.host);
        writes.push({ host: m.host + inC, data: piece });
        continue;
      }
      if (m.kind === Kind.Zero && m.host !== 0 && (m.copied || await this.refcount(m.host / cs) === 1)) {
        // Preallocated zero cluster that we own: fill it in place, then it becomes a normal cluster.
        const buf = whole ? piece : new Uint8Array(cs);
        if (!whole) buf.set(piece, inC);
        writes.push({ host: m.host, data: buf });
        after.push(() => setEntry(m.host));
        continue;
      }
      // Needs a new cluster.
      const { off: host, fresh } = await this.allocCluster();
      if (whole) {
        writes.push({ host, data: piece });
      } else if (m.kind === Kind.Unallocated && fresh && (!this.backing || gc * cs >= this.backing.capacity)) {
        writes.push({ host: host + inC, data: piece }); // the rest of a fresh cluster is a hole: zeros
      } else {
        const buf = await this.clusterContents(gc, m);
        buf.set(piece, inC);
        writes.push({ host, data: buf });
      }
      after.push(() => setEntry(host));
      if (m.kind === Kind.Normal || (m.kind === Kind.Zero && m.host !== 0)) {
        after.push(() => this.releaseLater(m.host, cs));
      } else if (m.kind === Kind.Compressed) {
        const c = decodeCompressed(m.raw, this.cb);
        after.push(() => this.releaseLater(c.rangeStart, c.rangeLength));
      }
    }
    await this.writeMerged(writes);
    for (const f of after) f();
  }

  /** Issues the writes, merging host-contiguous ones into one writev each. */
  private async writeMerged(writes: { host: number; data: Uint8Array }[]): Promise<void> {
    writes.sort((a, b) => a.host - b.host);
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < writes.length;) {
      const start = writes[k]!.host;
      const bufs = [writes[k]!.data];
      let end = start + writes[k]!.data.length;
      k++;
      while (k < writes.length && writes[k]!.host === end && bufs.length < 512) {
        bufs.push(writes[k]!.data);
        end += writes[k]!.data.length;
        k++;
      }
      jobs.push(pwritevFull(this.fh, bufs, start));
    }
    await settleAll(jobs);
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BlockError(`${this.description}: closed`);
    if (this.readOnly) return;
    await this.lock.exclusive(() => this.writeBack(true));
  }

  async discard(offset: number, length: number): Promise<void> {
    this.checkOpen(offset, length, true);
    await this.lock.exclusive(async () => {
      await this.clearAutoclear();
      await this.zeroRange(offset, length, 'discard', true);
      await this.maybeWriteBack();
    });
  }

  async writeZeroes(offset: number, length: number, mayUnmap: boolean): Promise<void> {
    this.checkOpen(offset, length, true);
    await this.lock.exclusive(async () => {
      await this.clearAutoclear();
      await this.zeroRange(offset, length, 'zeroes', mayUnmap);
      await this.maybeWriteBack();
    });
  }

  private async zeroRange(offset: number, length: number, mode: 'discard' | 'zeroes', mayUnmap: boolean): Promise<void> {
    const cs = this.clusterSize;
    const end = offset + length;
    // Partial clusters at either end: zeros are written (discard just leaves them).
    const headEnd = Math.min(end, Math.ceil(offset / cs) * cs);
    if (headEnd > offset && mode === 'zeroes') await this.writeAllocating(offset, new Uint8Array(headEnd - offset));
    const fullStart = Math.ceil(offset / cs) * cs;
    const fullEnd = end === this.capacity ? this.roundUp(end) : Math.floor(end / cs) * cs;
    if (fullEnd < end && fullEnd >= fullStart && mode === 'zeroes') await this.writeAllocating(fullEnd, new Uint8Array(end - fullEnd));
    const v3 = this.header.version === 3;
    for (let gc = fullStart / cs; gc < fullEnd / cs; gc++) {
      // Without a backing file an empty L2 range already reads as zeros.
      if (!this.backing && entryOffset(this.l1, Math.floor(gc / this.l2n) * 8) === 0) {
        gc = (Math.floor(gc / this.l2n) + 1) * this.l2n - 1;
        continue;
      }
      if (!v3 && this.backing && mode === 'zeroes') {
        // v2 has no zero flag: the zeros must be stored.
        await this.writeAllocating(gc * cs, new Uint8Array(Math.min(cs, this.capacity - gc * cs)));
        continue;
      }
      const { t, i } = await this.l2Write(gc);
      const m = this.decode(t, i);
      const owned = m.host !== 0 && (m.copied || await this.refcount(m.host / cs) === 1);
      if (mode === 'zeroes' && !mayUnmap && m.kind === Kind.Normal && owned) {
        // Keep the allocation.
        if (v3) writeEntry(t, i * 8, m.host, HI_COPIED, LO_ZERO);
        else await pwriteFull(this.fh, new Uint8Array(cs), m.host);
        continue;
      }
      if (mode === 'zeroes' && !mayUnmap && m.kind === Kind.Zero) continue;
      // Deallocate: zero flag (v3) when a backing file would otherwise show through.
      const useZeroFlag = v3 && this.backing !== undefined;
      if (m.kind === Kind.Unallocated && !useZeroFlag) continue;
      if (m.kind === Kind.Zero && m.host === 0 && useZeroFlag) continue;
      writeEntry(t, i * 8, 0, 0, useZeroFlag ? LO_ZERO : 0);
      if (m.kind === Kind.Compressed) {
        const c = decodeCompressed(m.raw, this.cb);
        this.releaseLater(c.rangeStart, c.rangeLength);
      } else if (m.host !== 0) {
        this.releaseLater(m.host, cs);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Write-back

  /** qcow2.txt "autoclear_features": unknown bits must be cleared before the image is written. */
  private async clearAutoclear(): Promise<void> {
    if (!this.autoclearPending) return;
    const b = new Uint8Array(8);
    await pwriteFull(this.fh, b, 88);
    await this.fh.datasync();
    this.autoclearPending = false;
  }

  /** Writes metadata back when too much of it is dirty (called under the exclusive lock). */
  private async maybeWriteBack(): Promise<void> {
    if (this.l2Dirty.size > this.l2CacheMax / 2 || this.rcDirty.size > 256 || this.pendingDec.length > 4096) await this.writeBack(false);
  }

  /**
   * Writes dirty metadata in crash-safe order (see the header comment), then applies pending
   * refcount decrements in memory. With `sync`, ends with everything durable. Exclusive lock.
   */
  private async writeBack(sync: boolean): Promise<void> {
    const cs = this.clusterSize;
    const anyDirty = this.l2Dirty.size || this.l1Dirty.size || this.rcDirty.size || this.rcTableDirty.size || this.headerDirty || this.rcTableMoved || this.pendingDec.length;
    if (!anyDirty) {
      if (sync) await this.fh.datasync();
      return;
    }
    // Phase 1: the file covers every allocated cluster; refcount blocks and table.
    if (this.allocEnd > this.fileSize) {
      await this.fh.truncate(this.allocEnd);
      this.fileSize = this.allocEnd;
    }
    const jobs: Promise<void>[] = [];
    for (const ti of this.rcDirty) jobs.push(pwriteFull(this.fh, this.rcBlocks.get(ti)!, this.rcEntry(ti)));
    this.rcDirty.clear();
    if (this.rcTableMoved) {
      jobs.push(pwriteFull(this.fh, this.rcTable, this.rcTableOffset));
    } else {
      for (const ti of this.rcTableDirty) jobs.push(pwriteFull(this.fh, this.rcTable.subarray(ti * 8, ti * 8 + 8), this.rcTableOffset + ti * 8));
    }
    this.rcTableDirty.clear();
    await settleAll(jobs);
    await this.fh.datasync();
    // Phase 2: header, L2 tables, L1 entries.
    jobs.length = 0;
    if (this.headerDirty || this.rcTableMoved) {
      const h = new Uint8Array(12);
      const dv = new DataView(h.buffer);
      dv.setBigUint64(0, BigInt(this.rcTableOffset));
      dv.setUint32(8, this.rcTableClusters);
      jobs.push(pwriteFull(this.fh, h, 48));
      this.headerDirty = false;
      this.rcTableMoved = false;
    }
    for (const off of this.l2Dirty) jobs.push(pwriteFull(this.fh, this.l2Cache.get(off)!, off));
    this.l2Dirty.clear();
    for (const l1i of this.l1Dirty) jobs.push(pwriteFull(this.fh, this.l1.subarray(l1i * 8, l1i * 8 + 8), this.header.l1TableOffset + l1i * 8));
    this.l1Dirty.clear();
    await settleAll(jobs);
    if (sync || this.pendingDec.length) await this.fh.datasync();
    // Phase 3: references dropped by now-durable metadata can be released (written next time).
    await this.applyPendingDecrements();
    this.evictL2();
    void cs;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.readOnly) {
        await this.lock.exclusive(async () => {
          await this.writeBack(true);
          await this.writeBack(true); // the decrements applied by the first pass
        });
      }
    } finally {
      this.closed = true;
      await this.fh.close();
      await this.backing?.close();
    }
  }

  /** Statistics for tests and logs. */
  stats(): { allocEnd: number; fileSize: number; cachedL2: number; dirtyL2: number; freeClusters: number } {
    return { allocEnd: this.allocEnd, fileSize: this.fileSize, cachedL2: this.l2Cache.size, dirtyL2: this.l2Dirty.size, freeClusters: this.freeList.length };
  }
}

/**
 * Raw disk images: the file's bytes are the disk's bytes.
 *
 * I/O is positional reads and writes on an fs.promises FileHandle (libuv thread pool, never the
 * event loop). FLUSH is fdatasync, so a write acknowledged before a completed flush survives a
 * host crash. DISCARD punches a hole (fallocate(2) PUNCH_HOLE|KEEP_SIZE, through util-linux's
 * `fallocate` tool because Node has no binding; one at a time, so a guest cannot make hv spawn
 * processes without bound); without it DISCARD is not offered. WRITE_ZEROES with the unmap flag
 * punches a hole too (holes read as zeros), otherwise it writes zeros. Reads of data the host already has
 * in its page cache can complete at once (readNow, preadv2 RWF_NOWAIT through the native helper).
 *
 * Probed raw images (no format= given, like QEMU's "probing guessed raw"): writes that would put a
 * qcow2 magic into sector 0 are refused, so a guest cannot turn its disk into a qcow2 image whose
 * backing-file name points at a host file on the next (probing) start.
 */
import { execFile } from 'node:child_process';
import { open, type FileHandle } from 'node:fs/promises';
import { basename } from 'node:path';
import { BlockError, SECTOR_SIZE, type BlockBackend } from '../../devices/virtio/blk/backend.js';
import { preadFull, pwriteFull, pwriteZeros, PageCacheReader, viewsLength, withinDisk } from './io.js';

export interface RawOptions {
  readOnly?: boolean;
  serial?: string;
  /** The format was guessed: refuse writes that would make sector 0 look like a qcow2 header. */
  probed?: boolean;
  /** Path of util-linux `fallocate` (null: no hole punching). Default: looked up in PATH lazily. */
  fallocate?: string | null;
}

let fallocateTool: Promise<string | null> | undefined;

/** util-linux's fallocate in PATH, or null. */
function findFallocate(): Promise<string | null> {
  fallocateTool ??= new Promise((resolve) => {
    execFile('fallocate', ['--help'], { timeout: 5000 }, (err) => resolve(err ? null : 'fallocate'));
  });
  return fallocateTool;
}

export class RawBackend implements BlockBackend {
  readonly canWriteZeroes = true;
  readonly discardAlignment = 4096;
  readonly description: string;
  private closed = false;
  /** Hole punches run one at a time. */
  private punchChain: Promise<unknown> = Promise.resolve();
  private readonly cached = new PageCacheReader();

  private constructor(
    private readonly fh: FileHandle,
    readonly path: string,
    readonly capacity: number,
    readonly readOnly: boolean,
    readonly serial: string,
    private readonly probed: boolean,
    private punch: string | null,
  ) {
    this.description = `${basename(path)} (raw${readOnly ? ', read-only' : ''})`;
  }

  get canDiscard(): boolean { return this.punch !== null && !this.readOnly; }

  /** Opens a raw image; the capacity is the file size rounded down to whole sectors. */
  static async open(path: string, opts: RawOptions = {}): Promise<RawBackend> {
    const readOnly = opts.readOnly ?? false;
    const fh = await open(path, readOnly ? 'r' : 'r+');
    try {
      const st = await fh.stat();
      if (!st.isFile() && !st.isBlockDevice()) throw new BlockError(`${path}: not a regular file`, 'unsupported');
      const capacity = Math.floor(st.size / SECTOR_SIZE) * SECTOR_SIZE;
      const punch = readOnly ? null : opts.fallocate !== undefined ? opts.fallocate : (st.isFile() ? await findFallocate() : null);
      return new RawBackend(fh, path, capacity, readOnly, opts.serial ?? '', opts.probed ?? false, punch);
    } catch (e) {
      await fh.close();
      throw e;
    }
  }

  private check(offset: number, length: number, write: boolean): void {
    if (this.closed) throw new BlockError(`${this.description}: closed`);
    if (write && this.readOnly) throw new BlockError(`${this.description}: read-only`, 'read-only');
    if (!withinDisk(offset, length, this.capacity)) {
      throw new BlockError(`${this.description}: access outside the disk (${offset}+${length})`, 'range');
    }
  }

  async read(offset: number, dst: Uint8Array): Promise<void> {
    this.check(offset, dst.length, false);
    await preadFull(this.fh, dst, offset);
  }

  /**
   * The page-cache fast path (BlockBackend.readNow): preadv2 with RWF_NOWAIT straight into the views,
   * through the native helper. A short read (part of the range not cached, a hole never read, the end of
   * the file) returns false.
   */
  readNow(offset: number, dst: readonly Uint8Array[]): boolean {
    if (this.closed || !this.cached.available) return false;
    const len = viewsLength(dst);
    if (!withinDisk(offset, len, this.capacity)) return false;
    return this.cached.read(this.fh.fd, dst, offset);
  }

  async write(offset: number, src: Uint8Array): Promise<void> {
    this.check(offset, src.length, true);
    if (this.probed && offset === 0 && src.length >= 4 && src[0] === 0x51 && src[1] === 0x46 && src[2] === 0x49 && src[3] === 0xfb) {
      throw new BlockError(`${this.description}: refusing to write a qcow2 header into sector 0 of a raw image whose format was probed (give format=raw)`, 'unsupported');
    }
    await pwriteFull(this.fh, src, offset);
  }

  async flush(): Promise<void> {
    if (this.closed) throw new BlockError(`${this.description}: closed`);
    if (!this.readOnly) await this.fh.datasync();
  }

  async discard(offset: number, length: number): Promise<void> {
    this.check(offset, length, true);
    if (length > 0) await this.punchHole(offset, length);
  }

  async writeZeroes(offset: number, length: number, mayUnmap: boolean): Promise<void> {
    this.check(offset, length, true);
    if (length === 0) return;
    if (mayUnmap && await this.punchHole(offset, length)) return;
    await pwriteZeros(this.fh, offset, length);
  }

  /** Punches a hole; false if hole punching is unavailable (it is then switched off). */
  private punchHole(offset: number, length: number): Promise<boolean> {
    const tool = this.punch;
    if (tool === null) return Promise.resolve(false);
    const run = (): Promise<boolean> => new Promise((resolve) => {
      execFile(tool, ['--punch-hole', '--offset', String(offset), '--length', String(length), this.path], { timeout: 30_000 }, (err) => {
        if (err) this.punch = null;
        resolve(!err);
      });
    });
    const p = this.punchChain.then(run, run);
    this.punchChain = p;
    return p;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.punchChain;
      if (!this.readOnly) await this.fh.datasync();
    } finally {
      this.closed = true;
      await this.fh.close();
    }
  }
}

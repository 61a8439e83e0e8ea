/**
 * Small helpers over fs.promises FileHandle for the block backends: whole-buffer positional
 * reads and writes (the kernel may return short counts), a reusable zero buffer, and an
 * async reader/writer lock. Everything goes through libuv's thread pool: nothing here blocks
 * the event loop, so the hart loop keeps running while disk I/O is in flight — except
 * PageCacheReader, which copies only what the host kernel already holds in its page cache and
 * never waits for the disk.
 */
import type { FileHandle } from 'node:fs/promises';
import { constants } from 'node:os';
import { loadNativeHelper } from '../native.js';

const { EOPNOTSUPP, EINVAL } = constants.errno;

/**
 * Synchronous reads from the host page cache: preadv2(RWF_NOWAIT) of the native helper, straight into
 * a list of views (the guest's buffers). `available` is false without the helper, and becomes false
 * for good when the file system refuses RWF_NOWAIT.
 */
export class PageCacheReader {
  private fn: ((fd: number, views: readonly Uint8Array[], position: number) => number) | undefined;
  constructor() {
    const h = loadNativeHelper();
    if (h?.preadNowait !== undefined) this.fn = h.preadNowait.bind(h);
  }
  get available(): boolean { return this.fn !== undefined; }
  /** True when every byte of the views came from the page cache (their contents are unspecified otherwise). */
  read(fd: number, views: readonly Uint8Array[], pos: number): boolean {
    if (this.fn === undefined) return false;
    const want = viewsLength(views);
    if (want === 0) return true;
    const r = this.fn(fd, views, pos);
    if (r === -EOPNOTSUPP || r === -EINVAL) this.fn = undefined;
    return r === want;
  }
}

/** Whether [offset, offset+length) is a valid range of a disk of `capacity` bytes (whole numbers, inside it). */
export function withinDisk(offset: number, length: number, capacity: number): boolean {
  return Number.isSafeInteger(offset) && Number.isSafeInteger(length) && offset >= 0 && length >= 0 && offset + length <= capacity;
}

/** Total bytes of a list of views. */
export function viewsLength(views: readonly Uint8Array[]): number {
  let n = 0;
  for (const v of views) n += v.length;
  return n;
}

/** The bytes [pos, pos+len) of a list of views taken as one buffer, as subarrays (shorter if they end first). */
export function viewsSlice(views: readonly Uint8Array[], pos: number, len: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let skip = pos, left = len;
  for (const v of views) {
    if (left <= 0) break;
    if (skip >= v.length) { skip -= v.length; continue; }
    const n = Math.min(v.length - skip, left);
    out.push(v.subarray(skip, skip + n));
    skip = 0; left -= n;
  }
  return out;
}

/**
 * Reads `dst.length` bytes at `pos`. Bytes past the end of the file read as zeros; returns the
 * number of bytes that came from the file.
 */
export async function preadFull(fh: FileHandle, dst: Uint8Array, pos: number): Promise<number> {
  let done = 0;
  while (done < dst.length) {
    const { bytesRead } = await fh.read(dst, done, dst.length - done, pos + done);
    if (bytesRead === 0) { dst.fill(0, done); break; }
    done += bytesRead;
  }
  return done;
}

/** Writes all of `src` at `pos`. */
export async function pwriteFull(fh: FileHandle, src: Uint8Array, pos: number): Promise<void> {
  let done = 0;
  while (done < src.length) {
    const { bytesWritten } = await fh.write(src, done, src.length - done, pos + done);
    if (bytesWritten <= 0) throw new Error(`short write at offset ${pos + done}`);
    done += bytesWritten;
  }
}

/** Writes several buffers back to back at `pos` (one writev when possible). */
export async function pwritevFull(fh: FileHandle, bufs: readonly Uint8Array[], pos: number): Promise<void> {
  if (bufs.length === 1) return pwriteFull(fh, bufs[0]!, pos);
  const total = bufs.reduce((n, b) => n + b.length, 0);
  const { bytesWritten } = await fh.writev(bufs as Uint8Array[], pos);
  if (bytesWritten === total) return;
  // Short writev: finish piece by piece.
  let skip = bytesWritten, at = pos + bytesWritten;
  for (const b of bufs) {
    if (skip >= b.length) { skip -= b.length; continue; }
    const rest = b.subarray(skip);
    skip = 0;
    await pwriteFull(fh, rest, at);
    at += rest.length;
  }
}

/**
 * Waits until every job has settled, then rejects with the first failure, if any. Unlike Promise.all, a
 * request built from several concurrent jobs does not settle while some of them still read or write its
 * buffers (virtio-blk hands a settled request's buffer to the next request).
 */
export async function settleAll(jobs: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(jobs);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
}

/**
 * Jobs started one by one while the caller still awaits other things (e.g. mapping the next cluster): a job
 * that fails meanwhile is handled at once (not an unhandled rejection, which would end the process) and
 * reported by wait(), which settles only after all of them (see settleAll).
 */
export class IoJobs {
  private readonly jobs: Promise<unknown>[] = [];
  add(job: Promise<unknown>): void {
    job.catch(() => {});
    this.jobs.push(job);
  }
  wait(): Promise<void> { return settleAll(this.jobs); }
}

/** 1 MiB of zeros, shared (never written to). */
export const ZEROS = new Uint8Array(1 << 20);

/** Writes `len` zero bytes at `pos` in ZEROS-sized pieces. */
export async function pwriteZeros(fh: FileHandle, pos: number, len: number): Promise<void> {
  while (len > 0) {
    const n = Math.min(len, ZEROS.length);
    await pwriteFull(fh, ZEROS.subarray(0, n), pos);
    pos += n;
    len -= n;
  }
}

/** True when every byte of `b` is zero. */
export function isZero(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  if (b.byteOffset % 8 === 0) {
    const w = new BigUint64Array(b.buffer, b.byteOffset, n >>> 3);
    for (; i < w.length; i++) if (w[i] !== 0n) return false;
    i <<= 3;
  }
  for (; i < n; i++) if (b[i] !== 0) return false;
  return true;
}

/**
 * A fair async reader/writer lock: any number of shared holders, or one exclusive holder.
 * Waiters are served in arrival order (a waiting writer holds back later readers).
 */
export class RwLock {
  private readers = 0;
  private writer = false;
  private readonly queue: { exclusive: boolean; go: () => void }[] = [];

  /** No exclusive holder and nobody waiting: what shared holders see cannot change under a synchronous reader. */
  get writerFree(): boolean { return !this.writer && this.queue.length === 0; }

  async shared<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(false);
    try { return await fn(); } finally { this.release(false); }
  }

  async exclusive<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(true);
    try { return await fn(); } finally { this.release(true); }
  }

  private acquire(exclusive: boolean): Promise<void> {
    if (this.queue.length === 0 && !this.writer && (!exclusive || this.readers === 0)) {
      if (exclusive) this.writer = true; else this.readers++;
      return Promise.resolve();
    }
    return new Promise((go) => this.queue.push({ exclusive, go }));
  }

  private release(exclusive: boolean): void {
    if (exclusive) this.writer = false; else this.readers--;
    while (this.queue.length) {
      const next = this.queue[0]!;
      if (next.exclusive) {
        if (this.readers > 0 || this.writer) break;
        this.queue.shift();
        this.writer = true;
        next.go();
        break;
      }
      if (this.writer) break;
      this.queue.shift();
      this.readers++;
      next.go();
    }
  }
}

/**
 * An in-memory BlockBackend for virtio-blk tests and the fuzz harness. Operations complete on a
 * later microtask (like a real asynchronous backend), or stay pending until `release()` when
 * `hold` is set. Every call is recorded.
 */
import { BlockError, SECTOR_SIZE, type BlockBackend } from '../../src/devices/virtio/blk/backend.js';

export class MemoryBlock implements BlockBackend {
  readonly data: Uint8Array;
  readonly capacity: number;
  readonly description = 'memory disk';
  readonly discardAlignment = 4096;
  canDiscard = true;
  canWriteZeroes = true;
  /** Calls made, e.g. "read 0 512". */
  readonly calls: string[] = [];
  flushes = 0;
  /** When true, operations wait for release(). */
  hold = false;
  /** The next operation fails with this error. */
  failNext: Error | undefined;
  private readonly held: (() => void)[] = [];

  constructor(sizeOrData: number | Uint8Array, readonly readOnly = false, readonly serial = 'hv-test-serial') {
    this.data = typeof sizeOrData === 'number' ? new Uint8Array(sizeOrData) : sizeOrData;
    this.capacity = Math.floor(this.data.length / SECTOR_SIZE) * SECTOR_SIZE;
  }

  private op(name: string, fn: () => void): Promise<void> {
    this.calls.push(name);
    const fail = this.failNext;
    this.failNext = undefined;
    return new Promise((resolve, reject) => {
      const go = (): void => {
        if (fail) { reject(fail); return; }
        try { fn(); resolve(); } catch (e) { reject(e); }
      };
      if (this.hold) this.held.push(go); else queueMicrotask(go);
    });
  }

  /** Completes held operations. */
  release(): void { for (const go of this.held.splice(0)) go(); }
  get pending(): number { return this.held.length; }

  private check(off: number, len: number, write: boolean): void {
    if (write && this.readOnly) throw new BlockError('read-only', 'read-only');
    if (off < 0 || len < 0 || off + len > this.capacity) throw new BlockError(`range ${off}+${len}`, 'range');
  }

  read(off: number, dst: Uint8Array): Promise<void> { return this.op(`read ${off} ${dst.length}`, () => { this.check(off, dst.length, false); dst.set(this.data.subarray(off, off + dst.length)); }); }
  write(off: number, src: Uint8Array): Promise<void> { return this.op(`write ${off} ${src.length}`, () => { this.check(off, src.length, true); this.data.set(src, off); }); }
  flush(): Promise<void> { return this.op('flush', () => { this.flushes++; }); }
  discard(off: number, len: number): Promise<void> { return this.op(`discard ${off} ${len}`, () => { this.check(off, len, true); this.data.fill(0, off, off + len); }); }
  writeZeroes(off: number, len: number, unmap: boolean): Promise<void> { return this.op(`zeroes ${off} ${len}${unmap ? ' unmap' : ''}`, () => { this.check(off, len, true); this.data.fill(0, off, off + len); }); }
  close(): Promise<void> { return Promise.resolve(); }
}

/**
 * A MemoryBlock that also has the synchronous page-cache path (BlockBackend.readNow): a read "is cached"
 * when `cached(offset, length)` says so (default: always), and is then served at once.
 */
export class CachedMemoryBlock extends MemoryBlock {
  cached: (offset: number, length: number) => boolean = () => true;
  readNow(offset: number, dst: readonly Uint8Array[]): boolean {
    this.calls.push(`readNow ${offset}`);
    let len = 0;
    for (const v of dst) len += v.length;
    if (!this.cached(offset, len) || offset < 0 || offset + len > this.capacity) return false;
    let at = offset;
    for (const v of dst) { v.set(this.data.subarray(at, at + v.length)); at += v.length; }
    return true;
  }
}

/** Waits until queued microtasks and immediate callbacks have run. */
export function settle(): Promise<void> { return new Promise((r) => setImmediate(r)); }

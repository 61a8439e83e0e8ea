/**
 * What the virtio-blk device needs from a disk image: the BlockBackend interface. Host
 * implementations (raw files, qcow2 images) live in src/backends/block/; the board opens them and
 * hands the object to the device, which never touches host files itself.
 *
 * Offsets and lengths are in bytes and always multiples of SECTOR_SIZE; the device checks them
 * against `capacity` before calling, so a backend may treat a request outside the disk as a bug
 * (it rejects it with a BlockError rather than corrupting anything). Every operation is
 * asynchronous and must never block the event loop: the hart loop keeps running while it is in
 * flight, and the device completes the virtio request when the promise settles.
 */

/** The virtio-blk sector: the unit of every offset and length (virtio 1.2 §5.2.6). */
export const SECTOR_SIZE = 512;

/** A failed block operation. The device completes the request with VIRTIO_BLK_S_IOERR (or UNSUPP). */
export class BlockError extends Error {
  constructor(message: string, readonly kind: 'io' | 'unsupported' | 'read-only' | 'range' | 'corrupt' = 'io') {
    super(message);
    this.name = 'BlockError';
  }
}

export interface BlockBackend {
  /** Disk size in bytes (a multiple of SECTOR_SIZE). */
  readonly capacity: number;
  /** Writes, discards and write-zeroes are refused (BlockError kind 'read-only'). */
  readonly readOnly: boolean;
  /** Serial number reported by VIRTIO_BLK_T_GET_ID (at most 20 bytes; longer ones are cut). */
  readonly serial: string;
  /** DISCARD does something useful (the device advertises VIRTIO_BLK_F_DISCARD). */
  readonly canDiscard: boolean;
  /** WRITE_ZEROES is supported (the device advertises VIRTIO_BLK_F_WRITE_ZEROES). */
  readonly canWriteZeroes: boolean;
  /** Granularity (bytes, a multiple of SECTOR_SIZE) at which DISCARD frees space (qcow2: its cluster size). */
  readonly discardAlignment?: number;
  /** Short description for logs and errors, e.g. "disk.qcow2 (qcow2)". */
  readonly description: string;

  /** Fills `dst` with the disk's bytes from `offset`. */
  read(offset: number, dst: Uint8Array): Promise<void>;
  /**
   * Optional fast path for reads: fills the views (in order, as one buffer) with the disk's bytes from
   * `offset` at once, but only when that needs no waiting — the data is in the host's page cache and any
   * image metadata in memory. Returns false when the caller must use read() instead; the views' contents
   * are then unspecified. It never waits for the disk, so it may run on the hart's thread.
   */
  readNow?(offset: number, dst: readonly Uint8Array[]): boolean;
  /** Writes `src` at `offset`. Durable only after flush(). */
  write(offset: number, src: Uint8Array): Promise<void>;
  /** Makes every write that completed before this call durable (fdatasync). */
  flush(): Promise<void>;
  /** The range's contents become unspecified (typically zero) and its space may be given back to the host. */
  discard(offset: number, length: number): Promise<void>;
  /** The range reads as zeros afterwards; `mayUnmap` allows deallocating it (VIRTIO_BLK_WRITE_ZEROES_FLAG_UNMAP). */
  writeZeroes(offset: number, length: number, mayUnmap: boolean): Promise<void>;
  /** Flushes and releases the image. Further calls fail. */
  close(): Promise<void>;
}

/** The operations a wrapper may replace (the descriptive properties always come from the wrapped backend). */
export type BlockOps = Pick<BlockBackend, 'read' | 'write' | 'flush' | 'discard' | 'writeZeroes' | 'close'>;

/**
 * A backend that forwards everything to `b` except the operations in `ops` — the shape of every host-side
 * wrapper (rate limits, quotas). Properties are read through from `b`, so they stay current.
 */
export function wrapBackend<E extends object = object>(b: BlockBackend, ops: Partial<BlockOps>, extra?: E): BlockBackend & E {
  const w: BlockBackend = {
    get capacity() { return b.capacity; },
    get readOnly() { return b.readOnly; },
    get serial() { return b.serial; },
    get canDiscard() { return b.canDiscard; },
    get canWriteZeroes() { return b.canWriteZeroes; },
    ...(b.discardAlignment !== undefined ? { discardAlignment: b.discardAlignment } : {}),
    get description() { return b.description; },
    read: ops.read ?? ((offset, dst) => b.read(offset, dst)),
    // A wrapper that replaces read (a rate limit) must see every read: no fast path around it.
    ...(ops.read === undefined && b.readNow !== undefined ? { readNow: (offset: number, dst: readonly Uint8Array[]) => b.readNow!(offset, dst) } : {}),
    write: ops.write ?? ((offset, src) => b.write(offset, src)),
    flush: ops.flush ?? (() => b.flush()),
    discard: ops.discard ?? ((offset, length) => b.discard(offset, length)),
    writeZeroes: ops.writeZeroes ?? ((offset, length, mayUnmap) => b.writeZeroes(offset, length, mayUnmap)),
    close: ops.close ?? (() => b.close()),
  };
  return extra ? Object.defineProperties(w, Object.getOwnPropertyDescriptors(extra)) as BlockBackend & E : w as BlockBackend & E;
}

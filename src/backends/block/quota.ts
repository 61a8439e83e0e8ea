/**
 * Disk size quota: caps the host space an image file occupies (its allocated blocks, st_blocks × 512, so
 * sparse raw files, qcow2 growth and punched holes all count as the host sees them).
 *
 * Semantics are those of a thin-provisioned volume that ran out of space: once the file occupies the quota,
 * writes and non-unmapping write-zeroes fail with an I/O error (the guest sees VIRTIO_BLK_S_IOERR, Linux
 * logs "I/O error" and ext4 reports ENOSPC-like failures), while reads, flushes and discards keep working, so
 * the guest can free space with fstrim or rm + discard. A write that starts below the quota may cross it by at
 * most its own length (the allocation a write causes is only known after it), so the overshoot is bounded by
 * the largest request (virtio-blk's seg_max × size_max) times the requests in flight.
 *
 * The file's size is read with stat at most every STAT_INTERVAL_MS; in between, bytes written since the last
 * stat are added as an upper bound, so staying well below the quota costs no system calls.
 */
import { stat } from 'node:fs/promises';
import { BlockError, wrapBackend, type BlockBackend } from '../../devices/virtio/blk/backend.js';

const STAT_INTERVAL_MS = 50;

/** Bytes the file at `path` occupies on the host. */
export async function allocatedBytes(path: string): Promise<number> {
  const st = await stat(path);
  return st.blocks * 512;
}

export interface QuotaState {
  /** The quota in bytes. */
  readonly quotaBytes: number;
  /** Allocated bytes at the last check (an estimate in between). */
  readonly usedBytes: number;
  /** Writes refused because the disk was full. */
  readonly refused: number;
}

/** Wraps `b` (whose top image file is `path`) so writes fail once the file occupies `quotaBytes`. */
export function withQuota(b: BlockBackend, path: string, quotaBytes: number): BlockBackend & { quota: QuotaState } {
  if (!(quotaBytes > 0)) throw new RangeError(`quota must be positive, got ${quotaBytes}`);
  let measured = -1;
  let measuredAt = 0;
  let sinceMeasure = 0;
  let refused = 0;
  const estimate = (): number => measured + sinceMeasure;
  const refresh = async (): Promise<void> => {
    measured = await allocatedBytes(path);
    measuredAt = Date.now();
    sinceMeasure = 0;
  };
  /** Throws when the disk is full; else counts `len` towards the estimate. */
  const admit = async (len: number, what: string): Promise<void> => {
    if (measured < 0 || estimate() >= quotaBytes || Date.now() - measuredAt > STAT_INTERVAL_MS) await refresh();
    if (measured >= quotaBytes) {
      refused++;
      throw new BlockError(`${b.description}: ${what} refused: the image occupies ${(measured / 1048576).toFixed(1)} MiB, its quota is ${(quotaBytes / 1048576).toFixed(1)} MiB`, 'io');
    }
    sinceMeasure += len;
  };
  return wrapBackend(b, {
    write: async (offset, src) => { await admit(src.length, 'write'); return b.write(offset, src); },
    discard: async (offset, length) => { await b.discard(offset, length); measured = -1; },
    writeZeroes: async (offset, length, mayUnmap) => {
      if (!mayUnmap) await admit(length, 'write-zeroes');
      await b.writeZeroes(offset, length, mayUnmap);
      if (mayUnmap) measured = -1;
    },
  }, {
    quota: {
      quotaBytes,
      get usedBytes() { return Math.max(0, estimate()); },
      get refused() { return refused; },
    } as QuotaState,
  });
}

/**
 * Creating disk images (`hv image create`) and converting raw images to qcow2 (`hv image build`):
 * empty raw files (sparse), empty qcow2 v3 images laid out like `qemu-img create`, qcow2 overlays
 * on a base image (linked clones: only the header, the backing name and empty tables are written,
 * so it is instant whatever the base's size), and raw → qcow2 copies that skip zero clusters.
 * A failed creation removes the half-written file; an existing file is never overwritten.
 */
import { open, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { UserError } from '../../base/errors.js';
import { SECTOR_SIZE } from '../../devices/virtio/blk/backend.js';
import { newQcow2Image } from './qcow2-format.js';
import { Qcow2Backend } from './qcow2.js';
import { openDisk, probeFormat, type DiskFormat } from './open.js';
import { isZero, preadFull, pwriteFull } from './io.js';

export interface CreateImageOptions {
  path: string;
  format: DiskFormat;
  /** Virtual size in bytes (rounded up to 512). Default with a backing file: the backing file's size. */
  size?: number;
  /** Backing file as the user named it (relative to the current directory, or absolute). qcow2 only. */
  backing?: string;
  backingFormat?: DiskFormat;
  /** qcow2 cluster size as log2 (default 16 = 64 KiB). */
  clusterBits?: number;
  /** qcow2 version (default 3). */
  version?: 2 | 3;
}

export interface CreatedImage {
  path: string;
  format: DiskFormat;
  size: number;
  /** The backing file name stored in the overlay (relative to the overlay's directory). */
  backingName?: string;
  backingFormat?: DiskFormat;
}

async function createExclusive(path: string): Promise<Awaited<ReturnType<typeof open>>> {
  try {
    return await open(path, 'wx');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${path}: already exists (hv never overwrites an image; remove it first)`);
    if (code === 'ENOENT') throw new UserError(`${path}: directory ${dirname(path)} does not exist`);
    if (code === 'EACCES' || code === 'EPERM') throw new UserError(`${path}: permission denied`);
    throw new UserError(`${path}: ${(e as Error).message}`);
  }
}

/** Creates a raw or qcow2 image (optionally a qcow2 overlay on `backing`). */
export async function createImage(opts: CreateImageOptions): Promise<CreatedImage> {
  let size = opts.size;
  let backingName: string | undefined;
  let backingFormat: DiskFormat | undefined;
  if (opts.backing !== undefined) {
    if (opts.format !== 'qcow2') throw new UserError(`--backing needs --format qcow2 (a ${opts.format} image cannot have a backing file)`);
    const base = resolve(opts.backing);
    if (base === resolve(opts.path)) throw new UserError(`${opts.path}: an image cannot be its own backing file`);
    backingFormat = opts.backingFormat ?? await probeFormat(opts.backing);
    // Open the whole chain read-only: a missing or corrupt base is reported now, not at boot.
    const opened = await openDisk({ path: opts.backing, format: backingFormat, readOnly: true });
    const baseSize = opened.backend.capacity;
    await opened.backend.close();
    size ??= baseSize;
    backingName = isAbsolute(opts.backing) ? base : relative(dirname(resolve(opts.path)), base);
  }
  if (size === undefined) throw new UserError('--size is needed (or --backing BASE to take the size of the base image)');
  size = Math.ceil(size / SECTOR_SIZE) * SECTOR_SIZE;
  const layout = opts.format === 'qcow2'
    ? newQcow2Image({
      size,
      ...(opts.clusterBits !== undefined ? { clusterBits: opts.clusterBits } : {}),
      ...(opts.version !== undefined ? { version: opts.version } : {}),
      ...(backingName !== undefined ? { backingFile: backingName, backingFormat: backingFormat! } : {}),
    })
    : undefined;
  const fh = await createExclusive(opts.path);
  try {
    if (layout) await pwriteFull(fh, layout.bytes, 0);
    else await fh.truncate(size);
    await fh.datasync();
    await fh.close();
  } catch (e) {
    await fh.close().catch(() => {});
    await rm(opts.path, { force: true });
    throw new UserError(`${opts.path}: cannot write the image: ${(e as Error).message}`, { cause: e });
  }
  return {
    path: opts.path, format: opts.format, size,
    ...(backingName !== undefined ? { backingName, backingFormat: backingFormat! } : {}),
  };
}

/**
 * Copies a raw image into a new qcow2 image, allocating only clusters that are not all zeros.
 * `onProgress` gets the fraction done.
 */
export async function convertRawToQcow2(src: string, dst: string, opts: { clusterBits?: number; onProgress?: (done: number) => void } = {}): Promise<CreatedImage> {
  let srcSize: number;
  try { srcSize = (await stat(src)).size; } catch (e) { throw new UserError(`${src}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`); }
  const created = await createImage({ path: dst, format: 'qcow2', size: srcSize, ...(opts.clusterBits !== undefined ? { clusterBits: opts.clusterBits } : {}) });
  const inFh = await open(src, 'r');
  let img: Qcow2Backend | undefined;
  try {
    img = await Qcow2Backend.open(dst);
    const cs = img.clusterSize;
    const chunk = Math.max(cs, 4 << 20);
    const buf = new Uint8Array(chunk);
    for (let pos = 0; pos < created.size; pos += chunk) {
      const n = Math.min(chunk, created.size - pos);
      await preadFull(inFh, buf.subarray(0, n), pos);
      // Write runs of non-zero clusters.
      let runStart = -1;
      for (let c = 0; c <= n; c += cs) {
        const zero = c >= n || isZero(buf.subarray(c, Math.min(c + cs, n)));
        if (!zero && runStart < 0) runStart = c;
        if (zero && runStart >= 0) {
          await img.write(pos + runStart, buf.subarray(runStart, Math.min(c, n)));
          runStart = -1;
        }
      }
      opts.onProgress?.(Math.min(1, (pos + n) / created.size));
    }
    await img.close();
    img = undefined;
  } catch (e) {
    await img?.close().catch(() => {});
    await rm(dst, { force: true });
    throw e;
  } finally {
    await inFh.close();
  }
  return created;
}

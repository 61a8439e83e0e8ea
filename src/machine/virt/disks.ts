/**
 * Disks for the virt board: opens each drive's image (raw or qcow2 with its backing chain) before
 * the machine is built, and refuses configurations that would corrupt an image: the same file
 * opened twice with one of them writable, or a writable drive that another drive uses as a backing
 * file. The machine then puts one virtio-blk device per disk on its virtio-mmio slots
 * (VirtConfig.disks), in order, so the first drive is /dev/vda.
 */
import { realpath } from 'node:fs/promises';
import { UserError } from '../../base/errors.js';
import type { BlockBackend } from '../../devices/virtio/blk/backend.js';
// For host-side wrappers in rooms that may not reach devices/ (src/vm/rate-limit.ts).
export { wrapBackend } from '../../devices/virtio/blk/backend.js';
import { openDisk, type DiskFormat } from '../../backends/block/open.js';
import { withQuota } from '../../backends/block/quota.js';

/** One drive as the user described it (the CLI's --drive has this shape). */
export interface DriveSpec {
  file: string;
  /** Omitted: probed (qcow2 magic → qcow2, else raw with a warning). */
  format?: DiskFormat;
  readOnly?: boolean;
  /** Name for messages (default drive0, drive1, …). */
  id?: string;
  /** Serial number the guest reads with VIRTIO_BLK_T_GET_ID (≤ 20 bytes). */
  serial?: string;
  /** Host space the image file may occupy, in bytes (src/backends/block/quota.ts); absent = no quota. */
  quotaBytes?: number;
}

/** An opened disk, ready for VirtConfig.disks. */
export interface Disk {
  readonly id: string;
  readonly backend: BlockBackend;
  readonly format: DiskFormat;
  /** The image and its backing files, top first. */
  readonly chain: readonly string[];
}

/** Opens the drives in order; on failure closes the ones already open and rethrows. */
export async function openDisks(specs: readonly DriveSpec[], log?: (line: string) => void): Promise<Disk[]> {
  const disks: Disk[] = [];
  try {
    const writable = new Map<string, string>(); // real path → drive id
    const used = new Map<string, string>(); // real path → drive id (any use, backing files included)
    for (const [i, s] of specs.entries()) {
      const id = s.id ?? `drive${i}`;
      const opened = await openDisk({ path: s.file, ...(s.format ? { format: s.format } : {}), readOnly: s.readOnly ?? false, serial: s.serial ?? id });
      const backend = s.quotaBytes !== undefined && !(s.readOnly ?? false) ? withQuota(opened.backend, opened.chain[0]!, s.quotaBytes) : opened.backend;
      const disk: Disk = { id, backend, format: opened.format, chain: opened.chain };
      disks.push(disk);
      for (const w of opened.warnings) log?.(w);
      const reals = await Promise.all(opened.chain.map((p) => realpath(p)));
      for (const [k, r] of reals.entries()) {
        const top = k === 0 && !(s.readOnly ?? false);
        const w = writable.get(r);
        if (w !== undefined) throw new UserError(`--drive ${id}: ${opened.chain[k]} is already used writable by --drive ${w}; two drives would corrupt it`);
        if (top && used.has(r)) throw new UserError(`--drive ${id}: ${s.file} is already used by --drive ${used.get(r)}; opening it writable as well would corrupt it`);
        if (top) writable.set(r, id);
        if (!used.has(r)) used.set(r, id);
      }
    }
  } catch (e) {
    await closeDisks(disks);
    throw e;
  }
  return disks;
}

/**
 * Flushes and closes the disks' images (qcow2 metadata is written back here). Errors are logged,
 * not thrown, so every disk gets closed.
 */
export async function closeDisks(disks: readonly Disk[], log?: (line: string) => void): Promise<void> {
  await Promise.all(disks.map(async (d) => {
    try { await d.backend.close(); } catch (e) { log?.(`--drive ${d.id}: closing ${d.backend.description}: ${(e as Error).message}`); }
  }));
}

/**
 * Opening disk images for `--drive`: format probing (qcow2 magic, else raw, like QEMU), backing
 * chains for qcow2 overlays (names relative to the overlay's directory; opened read-only; loops and
 * over-deep chains refused) and one-line errors (UserError, exit status 2) for missing files,
 * unknown formats and corrupt images. Nothing is written while opening.
 */
import { open, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { UserError } from '../../base/errors.js';
import { BlockError, type BlockBackend } from '../../devices/virtio/blk/backend.js';
import { RawBackend } from './raw.js';
import { ImageFormatError, QCOW2_MAGIC } from './qcow2-format.js';

export type DiskFormat = 'raw' | 'qcow2';
export const DISK_FORMATS: readonly DiskFormat[] = ['raw', 'qcow2'];

/** Longest backing chain followed (QEMU has no fixed limit; a chain this long is a mistake). */
export const MAX_BACKING_CHAIN = 64;

export interface OpenDiskOptions {
  path: string;
  /** Omitted: probed (qcow2 magic → qcow2, else raw). */
  format?: DiskFormat;
  readOnly?: boolean;
  serial?: string;
}

export interface OpenedDisk {
  backend: BlockBackend;
  format: DiskFormat;
  /** The format was guessed. */
  probed: boolean;
  /** Things the user should know (e.g. a probed raw image). */
  warnings: string[];
  /** The image and its backing files, top first. */
  chain: string[];
}

/** Turns fs errors into one-line UserErrors. */
function fileError(path: string, e: unknown, what = ''): never {
  if (e instanceof UserError) throw e;
  const code = (e as NodeJS.ErrnoException).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'is a directory' : code === 'EROFS' ? 'read-only file system (use readonly=on)' : (e as Error).message;
  throw new UserError(`${what}${path}: ${why}`, { cause: e });
}

/** qcow2 if the file starts with the qcow2 magic, else raw. */
export async function probeFormat(path: string): Promise<DiskFormat> {
  let fh;
  try { fh = await open(path, 'r'); } catch (e) { fileError(path, e); }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new UserError(`${path}: is a directory`);
    const b = Buffer.alloc(4);
    const { bytesRead } = await fh.read(b, 0, 4, 0);
    return bytesRead === 4 && b.readUInt32BE(0) === QCOW2_MAGIC ? 'qcow2' : 'raw';
  } finally {
    await fh.close();
  }
}

function parseFormat(name: string, where: string): DiskFormat {
  if ((DISK_FORMATS as readonly string[]).includes(name)) return name as DiskFormat;
  throw new ImageFormatError(`${where}: backing file format "${name}" is not supported (hv reads raw and qcow2)`);
}

/** Opens a disk image and its backing chain. */
export async function openDisk(opts: OpenDiskOptions): Promise<OpenedDisk> {
  const warnings: string[] = [];
  const chainNames: string[] = [];
  const probed = opts.format === undefined;
  const format = opts.format ?? await probeFormat(opts.path);
  if (probed && format === 'raw') {
    warnings.push(`${opts.path}: image format was not specified and probing guessed raw; writes to sector 0 that would make it look like a qcow2 image are refused (give format=raw to lift this)`);
  }
  const backend = await openImage(opts.path, format, {
    readOnly: opts.readOnly ?? false,
    serial: opts.serial ?? '',
    probedRaw: probed && format === 'raw',
    seen: [],
    chainNames,
  });
  return { backend, format, probed, warnings, chain: chainNames };
}

interface Ctx {
  readOnly: boolean;
  serial: string;
  probedRaw: boolean;
  /** Real paths of the images above this one (loop detection), top first. */
  seen: string[];
  chainNames: string[];
}

async function openImage(path: string, format: DiskFormat, ctx: Ctx): Promise<BlockBackend> {
  let real: string;
  try { real = await realpath(path); } catch (e) { fileError(path, e); }
  const top = ctx.chainNames[0] ?? path;
  if (ctx.seen.includes(real)) {
    throw new ImageFormatError(`${top}: backing file loop: ${[...ctx.chainNames, path].join(' → ')}`);
  }
  if (ctx.seen.length >= MAX_BACKING_CHAIN) throw new ImageFormatError(`${top}: backing chain longer than ${MAX_BACKING_CHAIN} images`);
  ctx.chainNames.push(path);
  const seen = [...ctx.seen, real];
  try {
    if (format === 'raw') {
      return await RawBackend.open(path, { readOnly: ctx.readOnly, serial: ctx.serial, probed: ctx.probedRaw });
    }
    // Imported on first use: a VM process without qcow2 disks does not load the qcow2 code (docs/daemon.md, Density).
    const { Qcow2Backend } = await import('./qcow2.js');
    return await Qcow2Backend.open(path, {
      readOnly: ctx.readOnly,
      serial: ctx.serial,
      openBacking: async (name, fmt) => {
        const bpath = isAbsolute(name) ? name : resolve(dirname(path), name);
        try {
          const bformat = fmt !== undefined ? parseFormat(fmt, path) : await probeFormat(bpath);
          return await openImage(bpath, bformat, { readOnly: true, serial: '', probedRaw: false, seen, chainNames: ctx.chainNames });
        } catch (e) {
          if (e instanceof UserError && !(e instanceof ImageFormatError)) throw new UserError(`${path}: backing file ${e.message}`, { cause: e });
          throw e;
        }
      },
    });
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof BlockError) throw new ImageFormatError(e.message, { cause: e });
    if ((e as NodeJS.ErrnoException).code) fileError(path, e, ctx.chainNames.length > 1 ? `${ctx.chainNames[0]}: backing file ` : '');
    throw e;
  }
}

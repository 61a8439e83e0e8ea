/**
 * The "newc" cpio format (magic 070701), as the Linux kernel unpacks it for an initramfs.
 * Written by hand: it is ~100 lines, and we need exact control over inode numbers and mtimes to
 * make the output deterministic.
 */

export type CpioType = 'file' | 'dir' | 'symlink' | 'char' | 'block' | 'fifo';

export interface CpioEntry {
  /** Path inside the archive, without a leading '/': "bin/busybox". */
  name: string;
  type: CpioType;
  /** Permission bits (default 0755 for dirs and executables given as such, 0644 files, 0777 symlinks). */
  mode?: number;
  uid?: number;
  gid?: number;
  /** Seconds since the epoch; default: the writer's mtime (0). */
  mtime?: number;
  /** File contents. */
  data?: Uint8Array;
  /** Symlink target. */
  target?: string;
  /** Device number for char/block nodes. */
  major?: number;
  minor?: number;
}

const TYPE_BITS: Record<CpioType, number> = {
  file: 0o100000, dir: 0o040000, symlink: 0o120000, char: 0o020000, block: 0o060000, fifo: 0o010000,
};

const TRAILER = 'TRAILER!!!';

function defaultPerm(e: CpioEntry): number {
  if (e.type === 'dir') return 0o755;
  if (e.type === 'symlink') return 0o777;
  if (e.type === 'char' || e.type === 'block') return 0o600;
  return 0o644;
}

function hex8(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cpio field out of range: ${n}`);
  return n.toString(16).padStart(8, '0');
}

const pad4 = (n: number): number => (4 - (n % 4)) % 4;

function header(fields: number[], nameLen: number): string {
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor, namesize, check
  return `070701${fields.map(hex8).join('')}${hex8(nameLen)}${hex8(0)}`;
}

function pushRecord(parts: Uint8Array[], offset: { n: number }, hdr: string, name: string, data: Uint8Array): void {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const h = Buffer.from(hdr, 'ascii');
  parts.push(h, nameBytes, Buffer.alloc(pad4(h.length + nameBytes.length)));
  offset.n += h.length + nameBytes.length + pad4(h.length + nameBytes.length);
  if (data.length) {
    parts.push(data, Buffer.alloc(pad4(data.length)));
    offset.n += data.length + pad4(data.length);
  }
}

/**
 * Serializes entries in the given order (parents must come before children for the kernel).
 * Inode numbers are assigned sequentially from 1; no hard links. The same entries always give the
 * same bytes.
 */
export function writeCpio(entries: readonly CpioEntry[], opts: { mtime?: number } = {}): Buffer {
  const parts: Uint8Array[] = [];
  const offset = { n: 0 };
  const seen = new Set<string>();
  let ino = 1;
  for (const e of entries) {
    const name = e.name.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!name || name === TRAILER || name.split('/').some((s) => s === '..')) throw new Error(`bad cpio entry name: ${JSON.stringify(e.name)}`);
    if (seen.has(name)) throw new Error(`duplicate cpio entry: ${name}`);
    seen.add(name);
    let data: Uint8Array = new Uint8Array(0);
    if (e.type === 'file') data = e.data ?? new Uint8Array(0);
    else if (e.type === 'symlink') {
      if (!e.target) throw new Error(`symlink ${name} has no target`);
      data = Buffer.from(e.target, 'utf8');
    }
    const mode = TYPE_BITS[e.type] | ((e.mode ?? defaultPerm(e)) & 0o7777);
    const isDev = e.type === 'char' || e.type === 'block';
    const fields = [ino++, mode, e.uid ?? 0, e.gid ?? 0, e.type === 'dir' ? 2 : 1, e.mtime ?? opts.mtime ?? 0,
      data.length, 0, 0, isDev ? e.major ?? 0 : 0, isDev ? e.minor ?? 0 : 0];
    pushRecord(parts, offset, header(fields, Buffer.byteLength(name) + 1), name, data);
  }
  pushRecord(parts, offset, header([0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0], TRAILER.length + 1), TRAILER, new Uint8Array(0));
  // Pad the archive to a 512-byte multiple, as cpio(1) does.
  parts.push(Buffer.alloc((512 - (offset.n % 512)) % 512));
  return Buffer.concat(parts);
}

/** Parses a newc archive (one or several concatenated, as the kernel accepts). For tests and inspection. */
export function readCpio(buf: Uint8Array): CpioEntry[] {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: CpioEntry[] = [];
  let p = 0;
  while (p < b.length) {
    if (b[p] === 0) { p++; continue; } // padding between concatenated archives
    const magic = b.toString('ascii', p, p + 6);
    if (magic !== '070701' && magic !== '070702') throw new Error(`bad cpio magic at ${p}: ${JSON.stringify(magic)}`);
    const f = (i: number): number => parseInt(b.toString('ascii', p + 6 + i * 8, p + 14 + i * 8), 16);
    const mode = f(1), uid = f(2), gid = f(3), mtime = f(5), size = f(6), rmaj = f(9), rmin = f(10), nameSize = f(11);
    const nameStart = p + 110;
    const name = b.toString('utf8', nameStart, nameStart + nameSize - 1);
    let q = nameStart + nameSize;
    q += pad4(q);
    const data = b.subarray(q, q + size);
    q += size;
    q += pad4(q);
    p = q;
    if (name === TRAILER) continue;
    const fmt = mode & 0o170000;
    const type = (Object.entries(TYPE_BITS).find(([, v]) => v === fmt)?.[0] ?? 'file') as CpioType;
    const e: CpioEntry = { name, type, mode: mode & 0o7777, uid, gid, mtime };
    if (type === 'file') e.data = Buffer.from(data);
    if (type === 'symlink') e.target = data.toString('utf8');
    if (type === 'char' || type === 'block') { e.major = rmaj; e.minor = rmin; }
    out.push(e);
  }
  return out;
}

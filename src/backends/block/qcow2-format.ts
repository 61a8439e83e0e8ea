/**
 * The qcow2 on-disk format (QEMU docs/interop/qcow2.txt, versions 2 and 3): constants, the header
 * parser and its validation, header serialisation for new images, and L1/L2/refcount entry codecs.
 * No I/O: the functions take the bytes of the first cluster and the file size.
 *
 * The header is untrusted input. parseQcow2Header checks every field that later code relies on
 * (qcow2.txt "Header", "Header extensions", "Host cluster management", "Cluster mapping") before
 * anything is allocated or followed, so a corrupt or hostile image ends in one ImageFormatError
 * (a UserError: one line, exit status 2) instead of a crash, a huge allocation or a read outside
 * the file:
 *  - magic "QFI\xfb"; version 2 or 3;
 *  - cluster_bits 9..21 (QEMU's 2 MiB implementation limit); v3 header_length ≥ 104, a multiple
 *    of 8 and inside the first cluster;
 *  - incompatible features: only dirty (bit 0) and corrupt (bit 1) are accepted (external data
 *    files, non-zlib compression and extended L2 entries are refused with their name); unknown
 *    bits are refused, named from the feature-name table when it has them; crypt_method 0 only;
 *  - refcount_order ≤ 6 (v2: 4); virtual size ≤ 2^53 bytes;
 *  - L1 table: at most 32 MiB (QEMU's limit), large enough for the virtual size, cluster-aligned,
 *    inside the file; refcount table: 1 cluster to 8 MiB, aligned, inside the file; snapshot
 *    table aligned and inside the file; none of header cluster, L1, refcount table and snapshot
 *    table overlap;
 *  - backing file name: at most 1023 bytes, after the header and its extensions, inside the first
 *    cluster and the file, valid UTF-8 without NUL;
 *  - header extensions: each inside the first cluster (before the backing file name), known
 *    ones at most once, backing-format name ≤ 15 bytes.
 */
import { UserError } from '../../base/errors.js';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"
export const QCOW2_V2_HEADER_LENGTH = 72;
export const QCOW2_V3_MIN_HEADER_LENGTH = 104;
export const MIN_CLUSTER_BITS = 9;
/** QEMU refuses larger clusters (qcow2.txt: "implementation limit of 2 MB"). */
export const MAX_CLUSTER_BITS = 21;
/** qcow2.txt: "qemu has an implementation limit of 32 MB as the maximum L1 table size". */
export const MAX_L1_BYTES = 32 * 1024 * 1024;
/** qcow2.txt: "an implementation limit of 8 MB as the maximum refcount table size". */
export const MAX_REFTABLE_BYTES = 8 * 1024 * 1024;
export const MAX_BACKING_NAME = 1023;
export const MAX_SNAPSHOTS = 65536;

/** Incompatible feature bits (qcow2.txt "Header", bytes 72-79). */
export const INCOMPAT_DIRTY = 1n << 0n;
export const INCOMPAT_CORRUPT = 1n << 1n;
export const INCOMPAT_DATA_FILE = 1n << 2n;
export const INCOMPAT_COMPRESSION = 1n << 3n;
export const INCOMPAT_EXTL2 = 1n << 4n;
/** Compatible feature bit 0: lazy refcounts. */
export const COMPAT_LAZY_REFCOUNTS = 1n << 0n;

/** Header extension types (qcow2.txt "Header extensions"). */
export const EXT_END = 0x00000000;
export const EXT_BACKING_FORMAT = 0xe2792aca;
export const EXT_FEATURE_TABLE = 0x6803f857;
export const EXT_BITMAPS = 0x23852875;
export const EXT_CRYPTO = 0x0537be77;
export const EXT_DATA_FILE = 0x44415441;

/** A qcow2 image that cannot be opened: bad magic, unsupported feature, inconsistent header, … */
export class ImageFormatError extends UserError {}

export interface Qcow2Header {
  version: 2 | 3;
  backingFileOffset: number;
  backingFileSize: number;
  clusterBits: number;
  clusterSize: number;
  /** Virtual disk size in bytes. */
  size: number;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: number;
  refcountTableOffset: number;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: number;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  compressionType: number;
  backingFile?: string;
  backingFormat?: string;
  /** Feature names from the feature-name table, keyed "incompatible:3" etc. */
  featureNames: Map<string, string>;
  /** Where the header extension area ends (first byte after the end-of-extensions marker). */
  extensionsEnd: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function u64(dv: DataView, off: number): bigint { return dv.getBigUint64(off, false); }

/** Entries of 8 bytes per L2 table. */
export function l2Entries(clusterBits: number): number { return 1 << (clusterBits - 3); }

/** Number of L1 entries needed for a virtual size. */
export function l1EntriesFor(size: number, clusterBits: number): number {
  const perL1 = 2 ** (clusterBits * 2 - 3); // bytes mapped by one L2 table
  return Math.ceil(size / perL1);
}

/**
 * Parses and validates a qcow2 header. `head` holds the start of the file: at least the whole
 * first cluster, or the whole file when it is shorter. `fileSize` is the image file's size.
 */
export function parseQcow2Header(head: Uint8Array, fileSize: number, name: string): Qcow2Header {
  const bad = (why: string): never => { throw new ImageFormatError(`${name}: ${why}`); };
  const corrupt = (why: string): never => bad(`corrupt qcow2 image: ${why}`);
  if (head.length < 4 || fileSize < 4) bad(`not a qcow2 image (file is only ${fileSize} bytes)`);
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (dv.getUint32(0, false) !== QCOW2_MAGIC) bad('not a qcow2 image (bad magic)');
  if (head.length < QCOW2_V2_HEADER_LENGTH) bad(`truncated qcow2 image (${head.length} bytes, shorter than a header)`);
  const version = dv.getUint32(4, false);
  if (version !== 2 && version !== 3) bad(`unsupported qcow2 version ${version} (hv reads versions 2 and 3)`);

  const clusterBits = dv.getUint32(20, false);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) corrupt(`cluster_bits ${clusterBits} outside ${MIN_CLUSTER_BITS}..${MAX_CLUSTER_BITS}`);
  const clusterSize = 1 << clusterBits;
  // Every table lives in a later cluster, so a real image is longer than its first cluster.
  if (fileSize <= clusterSize) bad(`truncated qcow2 image (${fileSize} bytes, no more than its first cluster)`);
  if (head.length < Math.min(clusterSize, fileSize)) throw new Error('parseQcow2Header: head must hold the first cluster');

  let headerLength = QCOW2_V2_HEADER_LENGTH;
  let incompatibleFeatures = 0n, compatibleFeatures = 0n, autoclearFeatures = 0n;
  let refcountOrder = 4;
  let compressionType = 0;
  if (version === 3) {
    if (head.length < QCOW2_V3_MIN_HEADER_LENGTH) bad(`truncated qcow2 image (${head.length} bytes, shorter than a version 3 header)`);
    headerLength = dv.getUint32(100, false);
    if (headerLength < QCOW2_V3_MIN_HEADER_LENGTH) corrupt(`header_length ${headerLength} is below ${QCOW2_V3_MIN_HEADER_LENGTH}`);
    if (headerLength % 8 !== 0) corrupt(`header_length ${headerLength} is not a multiple of 8`);
    if (headerLength > clusterSize || headerLength > head.length) corrupt(`header_length ${headerLength} exceeds the first cluster`);
    incompatibleFeatures = u64(dv, 72);
    compatibleFeatures = u64(dv, 80);
    autoclearFeatures = u64(dv, 88);
    refcountOrder = dv.getUint32(96, false);
    if (refcountOrder > 6) corrupt(`refcount_order ${refcountOrder} exceeds 6`);
    if (headerLength > 104) compressionType = dv.getUint8(104);
  }

  // Header extensions come first: the feature-name table names unknown features in errors.
  const backingFileOffsetBig = u64(dv, 8);
  const backingFileSize = dv.getUint32(16, false);
  const featureNames = new Map<string, string>();
  let backingFormat: string | undefined;
  const areaEnd = Math.min(clusterSize, head.length);
  const extLimit = backingFileOffsetBig !== 0n && backingFileOffsetBig < BigInt(areaEnd) ? Number(backingFileOffsetBig) : areaEnd;
  let p = headerLength;
  const seen = new Set<number>();
  let extensionsEnd = p;
  for (;;) {
    if (p + 8 > extLimit) { extensionsEnd = p; break; } // no end marker: the area simply ends
    const type = dv.getUint32(p, false);
    const len = dv.getUint32(p + 4, false);
    if (type === EXT_END) { extensionsEnd = p + 8; break; }
    if (len > extLimit - p - 8) corrupt(`header extension 0x${type.toString(16)} (${len} bytes) overruns the header area`);
    if (type === EXT_BACKING_FORMAT || type === EXT_FEATURE_TABLE || type === EXT_BITMAPS || type === EXT_CRYPTO || type === EXT_DATA_FILE) {
      if (seen.has(type)) corrupt(`header extension 0x${type.toString(16)} appears twice`);
      seen.add(type);
    }
    const data = head.subarray(p + 8, p + 8 + len);
    if (type === EXT_BACKING_FORMAT) {
      if (len === 0 || len > 15) corrupt(`backing format name of ${len} bytes`);
      backingFormat = Buffer.from(data).toString('latin1');
      if (!/^[\w.+-]+$/.test(backingFormat)) corrupt('backing format name has invalid characters');
    } else if (type === EXT_FEATURE_TABLE) {
      for (let e = 0; e + 48 <= len; e += 48) {
        const kind = ['incompatible', 'compatible', 'autoclear'][data[e]!];
        if (!kind) continue;
        const raw = Buffer.from(data.subarray(e + 2, e + 48));
        const nul = raw.indexOf(0);
        featureNames.set(`${kind}:${data[e + 1]}`, raw.toString('latin1', 0, nul < 0 ? 46 : nul).replace(/[^\x20-\x7e]/g, '?'));
      }
    }
    p += 8 + Math.ceil(len / 8) * 8;
  }

  // Features (qcow2.txt "incompatible_features": "must fail to open an image if an unknown bit is set").
  const featureName = (bitNo: bigint, fallback: string): string => featureNames.get(`incompatible:${bitNo}`) ?? fallback;
  if (incompatibleFeatures & INCOMPAT_DATA_FILE) bad('qcow2 images with an external data file are not supported');
  if (incompatibleFeatures & INCOMPAT_EXTL2) bad('qcow2 images with extended L2 entries (subclusters) are not supported');
  if (incompatibleFeatures & INCOMPAT_COMPRESSION) {
    if (compressionType === 0) corrupt('the compression-type feature bit is set but compression_type is 0');
    bad(`qcow2 compression type ${compressionType === 1 ? 'zstd' : compressionType} is not supported (zlib only)`);
  } else if (compressionType !== 0) corrupt(`compression_type ${compressionType} without the compression-type feature bit`);
  const known = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;
  const unknown = incompatibleFeatures & ~known;
  if (unknown !== 0n) {
    const names: string[] = [];
    for (let b = 0n; b < 64n; b++) if (unknown & (1n << b)) names.push(featureName(b, `bit ${b}`));
    bad(`unsupported qcow2 feature${names.length > 1 ? 's' : ''}: ${names.join(', ')}`);
  }

  const cryptMethod = dv.getUint32(32, false);
  if (cryptMethod !== 0) bad(`encrypted qcow2 images are not supported (crypt_method ${cryptMethod})`);

  const sizeBig = u64(dv, 24);
  if (sizeBig > MAX_SAFE) corrupt(`virtual size ${sizeBig} is too large`);
  const size = Number(sizeBig);

  const inFile = (what: string, off: bigint, len: number): number => {
    if (off > MAX_SAFE || Number(off) + len > fileSize) bad(`${what} extends past the end of the file (truncated or corrupt qcow2 image)`);
    if (Number(off) % clusterSize !== 0) corrupt(`${what} offset 0x${off.toString(16)} is not cluster-aligned`);
    return Number(off);
  };

  // L1 table.
  const l1Size = dv.getUint32(36, false);
  if (l1Size * 8 > MAX_L1_BYTES) corrupt(`L1 table of ${l1Size} entries exceeds ${MAX_L1_BYTES} bytes`);
  const l1Needed = l1EntriesFor(size, clusterBits);
  if (l1Size < l1Needed) corrupt(`L1 table of ${l1Size} entries is too small for a virtual size of ${size} bytes (needs ${l1Needed})`);
  const l1Off = u64(dv, 40);
  const l1TableOffset = l1Size > 0 ? inFile('L1 table', l1Off, l1Size * 8) : Number(l1Off > MAX_SAFE ? 0n : l1Off);

  // Refcount table.
  const refcountTableClusters = dv.getUint32(56, false);
  if (refcountTableClusters === 0) corrupt('no refcount table');
  if (refcountTableClusters > MAX_REFTABLE_BYTES / clusterSize) corrupt(`refcount table of ${refcountTableClusters} clusters exceeds ${MAX_REFTABLE_BYTES} bytes`);
  const refcountTableOffset = inFile('refcount table', u64(dv, 48), refcountTableClusters * clusterSize);

  // Snapshot table.
  const nbSnapshots = dv.getUint32(60, false);
  if (nbSnapshots > MAX_SNAPSHOTS) corrupt(`${nbSnapshots} snapshots exceed ${MAX_SNAPSHOTS}`);
  const snapOff = u64(dv, 64);
  const snapshotsOffset = nbSnapshots > 0 ? inFile('snapshot table', snapOff, 40 * nbSnapshots) : 0;

  // No overlaps between the header cluster and the tables.
  const ranges: [string, number, number][] = [['header', 0, clusterSize]];
  const roundUp = (n: number): number => Math.ceil(n / clusterSize) * clusterSize;
  if (l1Size > 0) ranges.push(['L1 table', l1TableOffset, roundUp(l1Size * 8)]);
  ranges.push(['refcount table', refcountTableOffset, refcountTableClusters * clusterSize]);
  if (nbSnapshots > 0) ranges.push(['snapshot table', snapshotsOffset, roundUp(40 * nbSnapshots)]);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const [an, a0, al] = ranges[i]!, [bn, b0, bl] = ranges[j]!;
      if (a0 < b0 + bl && b0 < a0 + al) corrupt(`${an} and ${bn} overlap`);
    }
  }

  // Backing file name: "should be stored in the remaining space between the end of the header
  // extension area and the end of the first cluster".
  let backingFile: string | undefined;
  let backingFileOffset = 0;
  if (backingFileOffsetBig !== 0n) {
    if (backingFileSize === 0) corrupt('backing file name of 0 bytes');
    if (backingFileSize > MAX_BACKING_NAME) corrupt(`backing file name of ${backingFileSize} bytes exceeds ${MAX_BACKING_NAME}`);
    if (backingFileOffsetBig < BigInt(extensionsEnd) || backingFileOffsetBig + BigInt(backingFileSize) > BigInt(clusterSize)) {
      corrupt('backing file name lies outside the header cluster or overlaps the header');
    }
    backingFileOffset = Number(backingFileOffsetBig);
    if (backingFileOffset + backingFileSize > fileSize) bad('backing file name extends past the end of the file (truncated qcow2 image)');
    const raw = head.subarray(backingFileOffset, backingFileOffset + backingFileSize);
    if (raw.includes(0)) corrupt('backing file name contains a NUL byte');
    try {
      backingFile = new TextDecoder('utf-8', { fatal: true }).decode(raw);
    } catch {
      corrupt('backing file name is not valid UTF-8');
    }
  }

  return {
    version: version as 2 | 3, backingFileOffset, backingFileSize: backingFile !== undefined ? backingFileSize : 0, clusterBits, clusterSize, size, cryptMethod,
    l1Size, l1TableOffset, refcountTableOffset, refcountTableClusters, nbSnapshots, snapshotsOffset,
    incompatibleFeatures, compatibleFeatures, autoclearFeatures, refcountOrder, headerLength, compressionType,
    ...(backingFile !== undefined ? { backingFile } : {}),
    ...(backingFormat !== undefined ? { backingFormat } : {}),
    featureNames, extensionsEnd,
  };
}

// ---------------------------------------------------------------------------------------------
// Table entries (qcow2.txt "Cluster mapping", "Host cluster management")
// ---------------------------------------------------------------------------------------------

/** L1/L2 bit 63 (COPIED: refcount exactly one) and L2 bit 62 (compressed), in the high word. */
export const HI_COPIED = 0x80000000;
export const HI_COMPRESSED = 0x40000000;
/** L2 standard descriptor bit 0: reads as zeros (v3). */
export const LO_ZERO = 1;

/** Bits 9-55 of a big-endian 64-bit entry at `off`: the host offset of a standard entry. */
export function entryOffset(b: Uint8Array, off: number): number {
  const hi = (b[off]! << 24 | b[off + 1]! << 16 | b[off + 2]! << 8 | b[off + 3]!) >>> 0;
  const lo = (b[off + 4]! << 24 | b[off + 5]! << 16 | b[off + 6]! << 8 | b[off + 7]!) >>> 0;
  return (hi & 0x00ffffff) * 0x1_0000_0000 + ((lo & 0xfffffe00) >>> 0);
}

export function readHi(b: Uint8Array, off: number): number {
  return (b[off]! << 24 | b[off + 1]! << 16 | b[off + 2]! << 8 | b[off + 3]!) >>> 0;
}
export function readLo(b: Uint8Array, off: number): number {
  return (b[off + 4]! << 24 | b[off + 5]! << 16 | b[off + 6]! << 8 | b[off + 7]!) >>> 0;
}

/** Writes a 64-bit entry given as a host offset (< 2^56) plus high-word flags and low-word flags. */
export function writeEntry(b: Uint8Array, off: number, hostOffset: number, hiFlags: number, loFlags: number): void {
  const hi = ((Math.floor(hostOffset / 0x1_0000_0000) & 0x00ffffff) | hiFlags) >>> 0;
  const lo = ((hostOffset % 0x1_0000_0000) | loFlags) >>> 0;
  b[off] = hi >>> 24; b[off + 1] = (hi >>> 16) & 0xff; b[off + 2] = (hi >>> 8) & 0xff; b[off + 3] = hi & 0xff;
  b[off + 4] = lo >>> 24; b[off + 5] = (lo >>> 16) & 0xff; b[off + 6] = (lo >>> 8) & 0xff; b[off + 7] = lo & 0xff;
}

/** Reads a big-endian u64 entry as a bigint. */
export function readEntryBig(b: Uint8Array, off: number): bigint {
  return (BigInt(readHi(b, off)) << 32n) | BigInt(readLo(b, off));
}

/**
 * Decodes a compressed-cluster descriptor (qcow2.txt "Compressed Clusters Descriptor",
 * x = 62 - (cluster_bits - 8)): the byte offset of the compressed data, its length in bytes as
 * stored (whole 512-byte sectors from the containing sector, minus the offset into it) and the
 * host range to reference-count.
 */
export function decodeCompressed(entry: bigint, clusterBits: number): { offset: number; length: number; rangeStart: number; rangeLength: number } {
  const x = BigInt(62 - (clusterBits - 8));
  const offset = Number(entry & ((1n << x) - 1n));
  const nbSectors = Number((entry >> x) & ((1n << BigInt(clusterBits - 8)) - 1n)) + 1;
  const rangeStart = offset - (offset % 512);
  return { offset, length: nbSectors * 512 - (offset % 512), rangeStart, rangeLength: nbSectors * 512 };
}

/** Encodes a compressed descriptor (used by tests and by hv's own compressed writer, if any). */
export function encodeCompressed(offset: number, nbSectors: number, clusterBits: number): bigint {
  const x = BigInt(62 - (clusterBits - 8));
  return (1n << 62n) | (BigInt(nbSectors - 1) << x) | BigInt(offset);
}

// ---------------------------------------------------------------------------------------------
// Refcount blocks (qcow2.txt "Host cluster management"; sub-byte widths: bit 0 = LSB)
// ---------------------------------------------------------------------------------------------

export function getRefcount(block: Uint8Array, index: number, order: number): number {
  switch (order) {
    case 0: return (block[index >>> 3]! >>> (index & 7)) & 1;
    case 1: return (block[index >>> 2]! >>> (2 * (index & 3))) & 3;
    case 2: return (block[index >>> 1]! >>> (4 * (index & 1))) & 15;
    case 3: return block[index]!;
    case 4: return block[2 * index]! << 8 | block[2 * index + 1]!;
    case 5: return readHi(block, 4 * index);
    default: {
      const hi = readHi(block, 8 * index), lo = readLo(block, 8 * index);
      // Refcounts beyond 2^53 are nonsense; report them as the maximum safe integer.
      return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x1_0000_0000 + lo;
    }
  }
}

export function setRefcount(block: Uint8Array, index: number, order: number, value: number): void {
  switch (order) {
    case 0: { const i = index >>> 3, s = index & 7; block[i] = (block[i]! & ~(1 << s)) | ((value & 1) << s); return; }
    case 1: { const i = index >>> 2, s = 2 * (index & 3); block[i] = (block[i]! & ~(3 << s)) | ((value & 3) << s); return; }
    case 2: { const i = index >>> 1, s = 4 * (index & 1); block[i] = (block[i]! & ~(15 << s)) | ((value & 15) << s); return; }
    case 3: block[index] = value; return;
    case 4: block[2 * index] = value >>> 8; block[2 * index + 1] = value & 0xff; return;
    case 5: { const o = 4 * index; block[o] = value >>> 24; block[o + 1] = (value >>> 16) & 0xff; block[o + 2] = (value >>> 8) & 0xff; block[o + 3] = value & 0xff; return; }
    default: writeRaw64(block, 8 * index, value); return;
  }
}

function writeRaw64(b: Uint8Array, off: number, v: number): void {
  const hi = Math.floor(v / 0x1_0000_0000) >>> 0, lo = v >>> 0;
  b[off] = hi >>> 24; b[off + 1] = (hi >>> 16) & 0xff; b[off + 2] = (hi >>> 8) & 0xff; b[off + 3] = hi & 0xff;
  b[off + 4] = lo >>> 24; b[off + 5] = (lo >>> 16) & 0xff; b[off + 6] = (lo >>> 8) & 0xff; b[off + 7] = lo & 0xff;
}

/** Largest refcount an entry of this order holds. */
export function maxRefcount(order: number): number {
  return order >= 6 ? Number.MAX_SAFE_INTEGER : 2 ** (1 << order) - 1;
}

// ---------------------------------------------------------------------------------------------
// New images
// ---------------------------------------------------------------------------------------------

export interface NewQcow2Layout {
  /** The bytes to write at offset 0 (header cluster, refcount table, refcount block, L1 table). */
  bytes: Uint8Array;
  clusterSize: number;
}

/**
 * Lays out a new, empty qcow2 image the way `qemu-img create` does: header (+ backing-format
 * extension + backing file name) in cluster 0, refcount table in cluster 1, one refcount block in
 * cluster 2, the L1 table from cluster 3; every one of those clusters has refcount 1.
 */
export function newQcow2Image(opts: { size: number; clusterBits?: number; version?: 2 | 3; backingFile?: string; backingFormat?: string }): NewQcow2Layout {
  const clusterBits = opts.clusterBits ?? 16;
  const version = opts.version ?? 3;
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) throw new RangeError(`cluster_bits ${clusterBits}`);
  const cs = 1 << clusterBits;
  const size = opts.size;
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`size ${size}`);
  const l1Size = l1EntriesFor(size, clusterBits);
  if (l1Size * 8 > MAX_L1_BYTES) throw new ImageFormatError(`virtual size ${size} needs an L1 table larger than ${MAX_L1_BYTES} bytes; use larger clusters`);
  const l1Clusters = Math.max(1, Math.ceil(l1Size * 8 / cs));
  const total = 3 + l1Clusters;
  const refOrder = 4;
  if (total > cs * 8 / 16) throw new ImageFormatError('virtual size too large for the chosen cluster size');
  const buf = new Uint8Array(total * cs);
  const dv = new DataView(buf.buffer);
  const headerLength = version === 3 ? 112 : QCOW2_V2_HEADER_LENGTH;
  dv.setUint32(0, QCOW2_MAGIC);
  dv.setUint32(4, version);
  dv.setUint32(20, clusterBits);
  dv.setBigUint64(24, BigInt(size));
  dv.setUint32(32, 0);
  dv.setUint32(36, l1Size);
  dv.setBigUint64(40, BigInt(3 * cs));
  dv.setBigUint64(48, BigInt(cs));
  dv.setUint32(56, 1);
  dv.setUint32(60, 0);
  dv.setBigUint64(64, 0n);
  if (version === 3) {
    dv.setBigUint64(72, 0n);
    dv.setBigUint64(80, 0n);
    dv.setBigUint64(88, 0n);
    dv.setUint32(96, refOrder);
    dv.setUint32(100, headerLength);
    // byte 104: compression_type 0 (zlib), then padding to 112.
  }
  let p = headerLength;
  if (opts.backingFormat !== undefined) {
    const f = new TextEncoder().encode(opts.backingFormat);
    if (f.length === 0 || f.length > 15) throw new RangeError('backing format name');
    dv.setUint32(p, EXT_BACKING_FORMAT); dv.setUint32(p + 4, f.length); buf.set(f, p + 8);
    p += 8 + Math.ceil(f.length / 8) * 8;
  }
  dv.setUint32(p, EXT_END); dv.setUint32(p + 4, 0);
  p += 8;
  if (opts.backingFile !== undefined) {
    const name = new TextEncoder().encode(opts.backingFile);
    if (name.length === 0 || name.length > MAX_BACKING_NAME || p + name.length > cs) throw new ImageFormatError(`backing file name too long (${name.length} bytes; at most ${MAX_BACKING_NAME})`);
    if (name.includes(0)) throw new ImageFormatError('backing file name contains a NUL byte');
    buf.set(name, p);
    dv.setBigUint64(8, BigInt(p));
    dv.setUint32(16, name.length);
  }
  // Refcount table → block at cluster 2; block: clusters 0..total-1 have refcount 1.
  dv.setBigUint64(cs, BigInt(2 * cs));
  for (let c = 0; c < total; c++) setRefcount(buf.subarray(2 * cs, 3 * cs), c, refOrder, 1);
  return { bytes: buf, clusterSize: cs };
}

/**
 * Serialises an {@link FdtNode} tree into a DTB blob.
 *
 * Layout (Devicetree Specification v0.4 §5.1), the same order dtc uses:
 *   header (40 bytes) | memory reservation block (8-aligned, §5.3) |
 *   structure block (4-aligned tokens, §5.4) | strings block (§5.5) | optional free space.
 * Property names are stored once in the strings block (deduplicated).
 */

import type { FdtNode } from './builder.js';
import {
  FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_HEADER_SIZE, FDT_LAST_COMP_VERSION, FDT_MAGIC, FDT_PROP,
  FDT_VERSION, FdtError, checkNodeName, checkPropName,
} from './format.js';

/** One entry of the memory reservation block (§5.3.2). */
export interface MemReserve {
  readonly address: bigint;
  readonly size: bigint;
}

export interface FdtWriteOptions {
  /** Physical ID of the boot CPU (`boot_cpuid_phys`, §5.2). Default 0. */
  readonly bootCpuidPhys?: number;
  /** Regions the client program must not use (§5.3). */
  readonly memReserve?: readonly MemReserve[];
  /**
   * Pads the blob with free space so that `totalsize` is at least this many bytes; firmware such
   * as OpenSBI edits the tree in place and needs room to grow it.
   */
  readonly minTotalSize?: number;
}

/** Growable big-endian byte sink. */
class Sink {
  private buf = new Uint8Array(1024);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.length));
    this.buf = nb;
    this.view = new DataView(nb.buffer);
  }

  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v >>> 0);
    this.length += 4;
  }

  u64(v: bigint): void {
    this.reserve(8);
    this.view.setBigUint64(this.length, v);
    this.length += 8;
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }

  align(n: number): void {
    const pad = (n - (this.length % n)) % n;
    this.reserve(pad);
    this.buf.fill(0, this.length, this.length + pad);
    this.length += pad;
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

const encoder = new TextEncoder();
const U64_MAX = (1n << 64n) - 1n;

/** Builds the DTB for `root` (whose name must be ""). Throws {@link FdtError} on an invalid tree. */
export function writeFdt(root: FdtNode, opts: FdtWriteOptions = {}): Uint8Array {
  const strings = new Sink();
  const stringOffsets = new Map<string, number>();
  const stringOffset = (name: string): number => {
    let off = stringOffsets.get(name);
    if (off === undefined) {
      off = strings.length;
      strings.bytes(encoder.encode(name));
      strings.bytes(new Uint8Array(1));
      stringOffsets.set(name, off);
    }
    return off;
  };

  const struct = new Sink();
  const phandles = new Map<number, string>();

  const emit = (n: FdtNode, path: string, isRoot: boolean): void => {
    checkNodeName(n.name, isRoot);
    struct.u32(FDT_BEGIN_NODE);
    struct.bytes(encoder.encode(n.name));
    struct.bytes(new Uint8Array(1));
    struct.align(4);
    const seenProps = new Set<string>();
    for (const p of n.props) {
      checkPropName(p.name);
      if (seenProps.has(p.name)) throw new FdtError(`duplicate property "${p.name}" in ${path}`);
      seenProps.add(p.name);
      if (p.name === 'phandle' || p.name === 'linux,phandle') {
        if (p.value.length !== 4) throw new FdtError(`${path}: ${p.name} must be one cell`);
        const v = new DataView(p.value.buffer, p.value.byteOffset, 4).getUint32(0);
        if (v === 0 || v === 0xffff_ffff) throw new FdtError(`${path}: invalid phandle ${v}`);
        const other = phandles.get(v);
        if (other !== undefined && other !== path) throw new FdtError(`phandle ${v} used by both ${other} and ${path}`);
        phandles.set(v, path);
      }
      struct.u32(FDT_PROP);
      struct.u32(p.value.length);
      struct.u32(stringOffset(p.name));
      struct.bytes(p.value);
      struct.align(4);
    }
    const seenChildren = new Set<string>();
    for (const c of n.children) {
      if (seenChildren.has(c.name)) throw new FdtError(`duplicate child node "${c.name}" in ${path}`);
      seenChildren.add(c.name);
      emit(c, path === '/' ? `/${c.name}` : `${path}/${c.name}`, false);
    }
    struct.u32(FDT_END_NODE);
  };
  emit(root, '/', true);
  struct.u32(FDT_END);

  const rsv = new Sink();
  for (const r of opts.memReserve ?? []) {
    if (r.address < 0n || r.address > U64_MAX || r.size < 0n || r.size > U64_MAX) {
      throw new FdtError('memory reservation out of u64 range');
    }
    rsv.u64(r.address);
    rsv.u64(r.size);
  }
  rsv.u64(0n);
  rsv.u64(0n);

  const offRsv = FDT_HEADER_SIZE; // 40 is already 8-aligned
  const offStruct = offRsv + rsv.length; // multiple of 16, so 4-aligned
  const offStrings = offStruct + struct.length;
  const used = offStrings + strings.length;
  const total = Math.max(used, opts.minTotalSize ?? 0);

  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const header = [
    FDT_MAGIC, total, offStruct, offStrings, offRsv, FDT_VERSION, FDT_LAST_COMP_VERSION,
    opts.bootCpuidPhys ?? 0, strings.length, struct.length,
  ];
  header.forEach((v, i) => dv.setUint32(i * 4, v >>> 0));
  out.set(rsv.result(), offRsv);
  out.set(struct.result(), offStruct);
  out.set(strings.result(), offStrings);
  return out;
}

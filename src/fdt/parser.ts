/**
 * A minimal DTB parser (Devicetree Specification v0.4 chapter 5), used by tests and tools to
 * inspect blobs. It treats its input as untrusted: every offset and length is bounds-checked
 * and a malformed blob raises {@link FdtError}.
 */

import {
  FDT_BEGIN_NODE, FDT_END, FDT_END_NODE, FDT_HEADER_SIZE, FDT_MAGIC, FDT_NOP, FDT_PROP, FdtError,
} from './format.js';
import type { MemReserve } from './writer.js';

export interface ParsedNode {
  readonly name: string;
  /** Properties in blob order. */
  readonly props: Map<string, Uint8Array>;
  readonly children: ParsedNode[];
}

export interface ParsedFdt {
  readonly version: number;
  readonly lastCompVersion: number;
  readonly bootCpuidPhys: number;
  readonly totalSize: number;
  readonly memReserve: MemReserve[];
  readonly root: ParsedNode;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const MAX_DEPTH = 64;

/** Parses a DTB blob. */
export function parseFdt(blob: Uint8Array): ParsedFdt {
  if (blob.length < FDT_HEADER_SIZE) throw new FdtError('blob shorter than the header');
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const h = (i: number): number => dv.getUint32(i * 4);
  if (h(0) !== FDT_MAGIC) throw new FdtError(`bad magic 0x${h(0).toString(16)}`);
  const totalSize = h(1);
  const offStruct = h(2);
  const offStrings = h(3);
  const offRsv = h(4);
  const version = h(5);
  const lastCompVersion = h(6);
  const bootCpuidPhys = h(7);
  const sizeStrings = h(8);
  const sizeStruct = h(9);
  if (totalSize > blob.length) throw new FdtError(`totalsize ${totalSize} exceeds blob length ${blob.length}`);
  if (version < 16 || lastCompVersion > 17) throw new FdtError(`unsupported version ${version}/${lastCompVersion}`);
  const inside = (off: number, len: number): boolean => off >= 0 && len >= 0 && off + len <= totalSize;
  if (!inside(offStruct, sizeStruct) || !inside(offStrings, sizeStrings) || offRsv % 8 !== 0 || offStruct % 4 !== 0) {
    throw new FdtError('block offsets/sizes out of range');
  }

  const memReserve: MemReserve[] = [];
  for (let o = offRsv; ; o += 16) {
    if (!inside(o, 16)) throw new FdtError('unterminated memory reservation block');
    const address = dv.getBigUint64(o);
    const size = dv.getBigUint64(o + 8);
    if (address === 0n && size === 0n) break;
    memReserve.push({ address, size });
  }

  const structEnd = offStruct + sizeStruct;
  let p = offStruct;
  const word = (): number => {
    if (p + 4 > structEnd) throw new FdtError('structure block truncated');
    const v = dv.getUint32(p);
    p += 4;
    return v;
  };
  /** Returns the NUL-terminated string at `start` and the index of its NUL. */
  const cstr = (start: number, end: number, what: string): [string, number] => {
    const nul = blob.indexOf(0, start);
    if (nul < 0 || nul >= end) throw new FdtError(`unterminated ${what}`);
    return [decoder.decode(blob.subarray(start, nul)), nul];
  };
  const nextToken = (): number => {
    for (;;) {
      const t = word();
      if (t !== FDT_NOP) return t;
    }
  };

  const parseNode = (depth: number): ParsedNode => {
    if (depth > MAX_DEPTH) throw new FdtError('tree too deep');
    const [name, nul] = cstr(p, structEnd, 'node name');
    p = (nul + 1 + 3) & ~3;
    const node: ParsedNode = { name, props: new Map(), children: [] };
    for (;;) {
      const t = nextToken();
      if (t === FDT_PROP) {
        const len = word();
        const nameOff = word();
        if (nameOff >= sizeStrings) throw new FdtError('property name offset out of range');
        const [pname] = cstr(offStrings + nameOff, offStrings + sizeStrings, 'property name');
        if (p + len > structEnd) throw new FdtError(`property ${pname} value truncated`);
        if (node.props.has(pname)) throw new FdtError(`duplicate property ${pname}`);
        node.props.set(pname, blob.slice(p, p + len));
        p = (p + len + 3) & ~3;
      } else if (t === FDT_BEGIN_NODE) {
        node.children.push(parseNode(depth + 1));
      } else if (t === FDT_END_NODE) {
        return node;
      } else {
        throw new FdtError(`unexpected token 0x${t.toString(16)} at offset ${p - 4}`);
      }
    }
  };

  if (nextToken() !== FDT_BEGIN_NODE) throw new FdtError('structure block does not start with BEGIN_NODE');
  const root = parseNode(0);
  if (nextToken() !== FDT_END) throw new FdtError('structure block not terminated by FDT_END');
  return { version, lastCompVersion, bootCpuidPhys, totalSize, memReserve, root };
}

/** Finds a node by absolute path ("/", "/soc/serial@10000000"). */
export function findNode(root: ParsedNode, path: string): ParsedNode | undefined {
  if (path === '/') return root;
  let cur: ParsedNode | undefined = root;
  for (const part of path.split('/').filter((s) => s.length > 0)) {
    cur = cur.children.find((c) => c.name === part);
    if (cur === undefined) return undefined;
  }
  return cur;
}

/** Visits every node with its absolute path, parents first. */
export function walkNodes(root: ParsedNode, fn: (node: ParsedNode, path: string) => void): void {
  const rec = (n: ParsedNode, path: string): void => {
    fn(n, path);
    for (const c of n.children) rec(c, path === '/' ? `/${c.name}` : `${path}/${c.name}`);
  };
  rec(root, '/');
}

/** Decodes a property as big-endian 32-bit cells. */
export function propU32s(value: Uint8Array): number[] {
  if (value.length % 4 !== 0) throw new FdtError(`value of ${value.length} bytes is not a cell array`);
  const dv = new DataView(value.buffer, value.byteOffset, value.byteLength);
  const out: number[] = [];
  for (let i = 0; i < value.length; i += 4) out.push(dv.getUint32(i));
  return out;
}

/** Decodes a property as a string list (each entry NUL-terminated). */
export function propStrings(value: Uint8Array): string[] {
  if (value.length === 0 || value[value.length - 1] !== 0) throw new FdtError('string value is not NUL-terminated');
  return decoder.decode(value.subarray(0, value.length - 1)).split('\0');
}

/** Decodes a property as a single string. */
export function propString(value: Uint8Array): string {
  const list = propStrings(value);
  if (list.length !== 1) throw new FdtError('value holds more than one string');
  return list[0]!;
}

/**
 * A small builder for device trees: plain immutable node objects, property value encoders
 * (Devicetree Specification v0.4 §2.2.4.2 "Property Values": empty, u32, u64, string,
 * prop-encoded-array, stringlist) and a phandle allocator (§2.3.3).
 *
 * Example:
 *   const ph = new Phandles();
 *   const intc = ph.get('cpu0-intc');
 *   node('', { '#address-cells': prop.u32(2) }, [
 *     node('cpus', {}, [node('cpu@0', { reg: prop.u32(0) }, [
 *       node('interrupt-controller', { phandle: prop.u32(intc), 'interrupt-controller': prop.empty() }),
 *     ])]),
 *   ]);
 */

import { FdtError } from './format.js';

/** One property: a name and its already-encoded big-endian value bytes. */
export interface FdtProp {
  readonly name: string;
  readonly value: Uint8Array;
}

/** One node of the tree handed to the writer. */
export interface FdtNode {
  readonly name: string;
  readonly props: readonly FdtProp[];
  readonly children: readonly FdtNode[];
}

/**
 * Properties in insertion order. `undefined` values are skipped, so optional properties can be
 * written inline: `{ bootargs: cfg.bootargs === undefined ? undefined : prop.string(cfg.bootargs) }`.
 */
export type PropMap = Readonly<Record<string, Uint8Array | undefined>>;

/** A child slot; `undefined`/`false`/`null` entries are dropped (conditional children). */
export type ChildSlot = FdtNode | undefined | false | null;

/** Creates a node. Names are validated by the writer, not here. */
export function node(name: string, props: PropMap | readonly FdtProp[] = {}, children: readonly ChildSlot[] = []): FdtNode {
  const list: FdtProp[] = [];
  if (Array.isArray(props)) {
    list.push(...(props as readonly FdtProp[]));
  } else {
    for (const [k, v] of Object.entries(props as PropMap)) {
      if (v !== undefined) list.push({ name: k, value: v });
    }
  }
  const kids: FdtNode[] = [];
  for (const c of children) if (c) kids.push(c);
  return { name, props: list, children: kids };
}

const U32_MAX = 0xffff_ffff;
const U64_MAX = (1n << 64n) - 1n;

function checkU32(v: number): number {
  if (!Number.isInteger(v) || v < 0 || v > U32_MAX) throw new FdtError(`cell value ${v} is not a u32`);
  return v;
}

function toU64(v: number | bigint): bigint {
  const b = typeof v === 'bigint' ? v : Number.isSafeInteger(v) ? BigInt(v) : NaN;
  if (typeof b !== 'bigint' || b < 0n || b > U64_MAX) throw new FdtError(`value ${v} is not a u64`);
  return b;
}

const encoder = new TextEncoder();

function encodeString(s: string): Uint8Array {
  const bytes = encoder.encode(s);
  if (bytes.includes(0)) throw new FdtError(`string property value contains NUL: ${JSON.stringify(s)}`);
  return bytes;
}

/** Property value encoders (all big-endian, per §2.2.4.2). */
export const prop = {
  /** `<empty>`: a boolean property such as `interrupt-controller`. */
  empty(): Uint8Array {
    return new Uint8Array(0);
  },
  /** One or more 32-bit cells: `<u32 u32 ...>`. */
  u32(...cells: number[]): Uint8Array {
    const out = new Uint8Array(cells.length * 4);
    const dv = new DataView(out.buffer);
    cells.forEach((c, i) => dv.setUint32(i * 4, checkU32(c)));
    return out;
  },
  /** Each value as a 64-bit quantity in two cells (high then low): `reg = <addr size>` with 2/2 cells. */
  u64(...values: Array<number | bigint>): Uint8Array {
    const out = new Uint8Array(values.length * 8);
    const dv = new DataView(out.buffer);
    values.forEach((v, i) => dv.setBigUint64(i * 8, toU64(v)));
    return out;
  },
  /** Cells given as a list (same as u32, for computed arrays). */
  cells(cells: readonly number[]): Uint8Array {
    return prop.u32(...cells);
  },
  /** A NUL-terminated string. */
  string(s: string): Uint8Array {
    const b = encodeString(s);
    const out = new Uint8Array(b.length + 1);
    out.set(b);
    return out;
  },
  /** A `<stringlist>`: each string NUL-terminated, concatenated. */
  strings(...list: string[]): Uint8Array {
    const parts = list.map(encodeString);
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, 0));
    let o = 0;
    for (const p of parts) { out.set(p, o); o += p.length + 1; }
    return out;
  },
  /** Raw bytes (`[xx xx ...]` in dts), copied. */
  bytes(b: Uint8Array): Uint8Array {
    return b.slice();
  },
  /**
   * A `reg`-style list of (address, size) pairs encoded with the parent's `#address-cells`
   * and `#size-cells` (each 1 or 2).
   */
  reg(addressCells: 1 | 2, sizeCells: 0 | 1 | 2, pairs: ReadonlyArray<readonly [number | bigint, number | bigint]>): Uint8Array {
    const cells: number[] = [];
    const push = (v: number | bigint, n: number): void => {
      const b = toU64(v);
      if (n === 1 && b > BigInt(U32_MAX)) throw new FdtError(`value 0x${b.toString(16)} does not fit one cell`);
      if (n === 2) cells.push(Number(b >> 32n));
      if (n >= 1) cells.push(Number(b & 0xffff_ffffn));
    };
    for (const [a, s] of pairs) { push(a, addressCells); push(s, sizeCells); }
    return prop.u32(...cells);
  },
};

/**
 * Hands out phandle values (§2.3.3: unique, non-zero, not 0xffffffff). `get(label)` returns the
 * same number for the same label so nodes can refer to each other before either is built.
 */
export class Phandles {
  private nextValue = 1;
  private readonly byLabel = new Map<string, number>();

  /** A fresh phandle. */
  next(): number {
    const v = this.nextValue++;
    if (v >= U32_MAX) throw new FdtError('phandle space exhausted');
    return v;
  }

  /** The phandle for `label`, allocated on first use. */
  get(label: string): number {
    let v = this.byLabel.get(label);
    if (v === undefined) { v = this.next(); this.byLabel.set(label, v); }
    return v;
  }
}

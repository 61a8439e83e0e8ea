/**
 * A minimal WebAssembly binary writer for the JIT tier: LEB128, the few opcodes the translator emits, and
 * modules of functions that import the core's shared memory (WebAssembly core spec 2.0, §5 binary format).
 * Hand-written rather than binaryen: building a module this way takes microseconds and needs no dependency
 * (see ../shared/design/core-feasibility.md §3).
 */

/** Value types (§5.3.1). */
export const I32 = 0x7f;
export const I64 = 0x7e;

/** Opcodes used by the translator (§5.4). */
export const Op = {
  block: 0x02, loop: 0x03, if: 0x04, end: 0x0b, br: 0x0c, brIf: 0x0d, brTable: 0x0e, return: 0x0f, select: 0x1b,
  localGet: 0x20, localSet: 0x21, localTee: 0x22,
  i32Load: 0x28, i64Load: 0x29, i32Store: 0x36,
  i64Load8S: 0x30, i64Load8U: 0x31, i64Load16S: 0x32, i64Load16U: 0x33, i64Load32S: 0x34, i64Load32U: 0x35,
  i64Store: 0x37, i64Store8: 0x3c, i64Store16: 0x3d, i64Store32: 0x3e,
  i32Const: 0x41, i64Const: 0x42,
  i32Eqz: 0x45, i32LtS: 0x48, i32LtU: 0x49, i32GtS: 0x4a, i32GtU: 0x4b, i32GeS: 0x4e,
  i64Eqz: 0x50, i64Eq: 0x51, i64Ne: 0x52, i64LtS: 0x53, i64LtU: 0x54, i64GtS: 0x55, i64GtU: 0x56, i64GeS: 0x59, i64GeU: 0x5a,
  i32Add: 0x6a, i32Sub: 0x6b, i32And: 0x71, i32Or: 0x72, i32Xor: 0x73, i32Shl: 0x74, i32ShrS: 0x75, i32ShrU: 0x76,
  i64Add: 0x7c, i64Sub: 0x7d, i64Mul: 0x7e, i64And: 0x83, i64Or: 0x84, i64Xor: 0x85,
  i64Shl: 0x86, i64ShrS: 0x87, i64ShrU: 0x88,
  i32WrapI64: 0xa7, i64ExtendI32S: 0xac, i64ExtendI32U: 0xad,
} as const;

/** Appends an unsigned LEB128 number. */
export function uleb(out: number[], v: number): void {
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
}

/** Appends a signed LEB128 number (any 64-bit value, as a bigint). */
export function sleb(out: number[], v: bigint): void {
  for (;;) {
    const b = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (b & 0x40) === 0) || (v === -1n && (b & 0x40) !== 0)) { out.push(b); return; }
    out.push(b | 0x80);
  }
}

/**
 * A function body under construction. Structured control: open() returns a label (the nesting depth it
 * opens) and brTo(label) branches to it from anywhere inside, so callers need not count depths.
 */
export class Code {
  readonly bytes: number[] = [];
  private depth = 0;
  op(...ops: number[]): this { this.bytes.push(...ops); return this; }
  get(i: number): this { this.bytes.push(Op.localGet); uleb(this.bytes, i); return this; }
  set(i: number): this { this.bytes.push(Op.localSet); uleb(this.bytes, i); return this; }
  tee(i: number): this { this.bytes.push(Op.localTee); uleb(this.bytes, i); return this; }
  i32(v: number): this { this.bytes.push(Op.i32Const); sleb(this.bytes, BigInt(v | 0)); return this; }
  i64(v: bigint): this { this.bytes.push(Op.i64Const); sleb(this.bytes, BigInt.asIntN(64, v)); return this; }
  /** A load or store with alignment hint 0 (any alignment is valid) and a constant offset (§5.4.6). */
  mem(opcode: number, offset = 0): this { this.bytes.push(opcode, 0); uleb(this.bytes, offset); return this; }
  /** Branches to a label that open() returned (§5.4.1 br takes the relative depth). */
  brTo(label: number): this { this.bytes.push(Op.br); uleb(this.bytes, this.depth - label); return this; }
  /** br_table over relative depths, with a default (§5.4.1). */
  brTable(depths: readonly number[], dflt: number): this {
    this.bytes.push(Op.brTable);
    uleb(this.bytes, depths.length);
    for (const d of depths) uleb(this.bytes, d);
    uleb(this.bytes, dflt);
    return this;
  }
  /** Opens a block, loop or if with no result; returns its label. */
  open(opcode: number): number { this.bytes.push(opcode, 0x40); return ++this.depth; }
  end(): this { this.bytes.push(Op.end); this.depth--; return this; }
}

/** Appends `items` to `out` (push(...items) overflows the stack for a large function). */
function append(out: number[], items: readonly number[]): void {
  for (let i = 0; i < items.length; i++) out.push(items[i]!);
}

function section(out: number[], id: number, body: number[]): void {
  out.push(id);
  uleb(out, body.length);
  append(out, body);
}

function name(out: number[], s: string): void {
  const b = Buffer.from(s, 'utf8');
  uleb(out, b.length);
  out.push(...b);
}

export interface FunctionSpec {
  params: number[];
  results: number[];
  /** Local declarations after the parameters: [count, type] groups. */
  locals: [number, number][];
  code: Code;
}

/**
 * A module that imports `env.memory` (shared, 1..maxPages pages, matching the core's memory) and exports
 * the functions as `f0`, `f1`, … Functions of one signature share one type entry.
 */
export function moduleWithFunctions(fns: readonly FunctionSpec[], maxPages: number): Uint8Array<ArrayBuffer> {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const sigs: string[] = [];
  const typeOf = fns.map((fn) => {
    const sig = `${fn.params.join(',')}>${fn.results.join(',')}`;
    if (!sigs.includes(sig)) sigs.push(sig);
    return sigs.indexOf(sig);
  });
  const types: number[] = [];
  uleb(types, sigs.length);
  for (const sig of sigs) {
    const fn = fns[typeOf.indexOf(sigs.indexOf(sig))]!;
    types.push(0x60);
    uleb(types, fn.params.length); types.push(...fn.params);
    uleb(types, fn.results.length); types.push(...fn.results);
  }
  section(out, 1, types);
  const imports: number[] = [1];
  name(imports, 'env'); name(imports, 'memory');
  imports.push(0x02, 0x03); // memory, limits: shared with a maximum (threads proposal)
  uleb(imports, 1); uleb(imports, maxPages);
  section(out, 2, imports);
  const funcs: number[] = [];
  uleb(funcs, fns.length);
  for (const t of typeOf) uleb(funcs, t);
  section(out, 3, funcs);
  const exports: number[] = [];
  uleb(exports, fns.length);
  fns.forEach((_, i) => { name(exports, `f${i}`); exports.push(0x00); uleb(exports, i); });
  section(out, 7, exports);
  const code: number[] = [];
  uleb(code, fns.length);
  for (const fn of fns) {
    const body: number[] = [];
    uleb(body, fn.locals.length);
    for (const [count, type] of fn.locals) { uleb(body, count); body.push(type); }
    append(body, fn.code.bytes);
    body.push(Op.end);
    uleb(code, body.length);
    append(code, body);
  }
  section(out, 10, code);
  return new Uint8Array(out);
}

/**
 * The host half of the JIT tier: answers the core's `jitCompile(slot)` import. The block asking is hot; the
 * tier translates it together with the other hot blocks decoded from the same code page into one region
 * function (./translate.ts), compiles and instantiates it, installs it in the core's imported table, and
 * points every block of the region at it (the table index in the block header), so whichever of them runs
 * next enters the region.
 *
 * A page translated again keeps running its previous function until the new one is compiled, which then
 * takes over that function's blocks and its table entry is freed.
 *
 * Each translated page keeps a record: its page generation and the blocks its function holds. A block of
 * the page decoded again (its cache slot was reused) asks at once (PAGEFLAG_JIT) and gets the function if
 * it holds the same block; a block of the page that becomes hot and is not in it makes the page translated
 * again with the old blocks and the new ones. A store to the page (new generation) drops the record.
 * Superseded functions' table entries are reused, so a long-running guest does not grow the table.
 *
 * Functions are compiled in batches: every WebAssembly module costs V8 about 25-35 KiB of host memory
 * however small it is, so a region asking for the first time is queued and its block told to ask again a
 * little later (L.JIT_PENDING); the queue is compiled as one module when BATCH regions wait or the oldest
 * has waited FLUSH_MS.
 */
import * as L from '../../layout/gen/layout.js';
import type { JitPort } from '../host/core.js';
import { parseBlock, translatedOps, translateRegion, type RegionBlock } from './translate.js';
import { moduleWithFunctions, type FunctionSpec } from './wasm.js';

/** Most live functions per VM (a page's current function each); past it, new pages stay interpreted. */
export const MAX_FUNCTIONS = 4096;
/** Regions compiled together in one module at most. */
export const BATCH = 64;
/** Longest a queued region waits for its batch (host ms): meanwhile its blocks are interpreted. */
export const FLUSH_MS = 100;
/**
 * A block joins its page's region once it has run this many times since it was decoded (its warm-up
 * countdown shows it), so that code run once (boot, error paths) is not compiled.
 */
export const REGION_MIN_RUNS = 8;

export interface JitStats extends Record<string, number> {
  /** Region functions compiled. */
  compiled: number;
  /** Requests answered by a page's existing function (a block decoded again). */
  reused: number;
  /** Hot blocks left to the interpreter (their first op is not translated). */
  declined: number;
  /** Host milliseconds spent translating and compiling. */
  compileMs: number;
  /** Modules compiled (each holds up to BATCH functions). */
  modules: number;
  /** Pages with a current function. */
  pages: number;
  /** Bytes of WebAssembly compiled. */
  wasmBytes: number;
}

/**
 * A decoded block as kept in a page record: its op records' bytes, its length in bytes of code, and whether
 * the region can be entered there (it has translated ops).
 */
interface StoredBlock { ops: Buffer; len: number; entry: boolean }

/** A translated (or queued) page: its generation, its blocks by page offset, and its function's index. */
interface PageRecord {
  gen: number;
  blocks: Map<number, StoredBlock>;
  /** Table index of its function; 0 while queued. */
  index: number;
  /**
   * While queued to replace the page's previous function: that function's table index (0 if none). Its
   * blocks keep running it until the new one is installed, instead of falling back to the interpreter.
   */
  replaces: number;
  /** The slots to point at the function once compiled. */
  slots: SlotRef[];
}

/** A block-cache slot and the block it held when its region was built (code address, page generation). */
interface SlotRef { slot: number; host: number; gen: number }

export class JitTier implements JitPort {
  readonly table = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
  readonly stats: JitStats = { compiled: 0, reused: 0, declined: 0, compileMs: 0, modules: 0, pages: 0, wasmBytes: 0 };
  /** Page host address → record. */
  private readonly pages = new Map<number, PageRecord>();
  /** Queued: page host address → function and record. */
  private readonly pending = new Map<number, { fn: FunctionSpec; rec: PageRecord }>();
  private pendingSince = 0;
  /** When the last module was compiled (host ms; -Infinity before the first). */
  private lastFlush = -Infinity;
  /** Table entries whose function was superseded, free for reuse. */
  private readonly free: number[] = [];
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  private readonly batch: number;
  private readonly flushMs: number;

  /**
   * @param blockAt the core's export returning the slot of the valid decoded block at a host address, or 0.
   */
  constructor(private readonly memory: WebAssembly.Memory, private readonly maxPages: number,
    private readonly blockAt: (host: number) => number, opts: { batch?: number; flushMs?: number } = {}) {
    this.dv = new DataView(memory.buffer);
    this.u8 = new Uint8Array(memory.buffer);
    this.batch = opts.batch ?? BATCH;
    this.flushMs = opts.flushMs ?? FLUSH_MS;
  }

  /**
   * The core's jitCompile import: a table index, JIT_PENDING (ask again soon), JIT_COLD (warm up first), or
   * 0 to leave the block to the interpreter.
   */
  compile(slot: number): number {
    const host = this.dv.getUint32(slot, true), gen = this.dv.getUint32(slot + 4, true);
    const page = host - (host % 4096), off = host - page;
    const early = (this.dv.getUint32(slot + L.BLOCK_WARMUP_OFFSET, true) & L.JIT_EARLY) !== 0;
    let rec = this.pages.get(page);
    if (rec !== undefined && rec.gen !== gen) { this.drop(page, rec); rec = undefined; }
    // Asked often (every block decoded again in a translated page): compare in place, allocate nothing.
    const held = rec?.blocks.get(off);
    if (rec !== undefined && held !== undefined && held.len === this.dv.getUint32(slot + 12, true) && held.ops.equals(this.opsView(slot))) {
      if (!held.entry) { this.stats.declined++; return 0; }
      if (rec.index !== 0) { this.stats.reused++; return rec.index; }
      return this.flushIfDue() ? rec.index : L.JIT_PENDING;
    }
    if (early) return L.JIT_COLD; // decoded again in a translated page, but not one of its blocks yet
    const mine = this.stored(slot);
    if (!mine.entry) { this.stats.declined++; return 0; }
    if (rec === undefined && this.pages.size >= MAX_FUNCTIONS) return 0;
    this.dv.setUint32(L.PAGE_HEAT_BASE + (page - L.RAM_HOST_BASE) / 4096 * 4, 0, true); // the core's page count
    // (Re)translate the page: the blocks its function held, and every hot block decoded from it now.
    const next: PageRecord = { gen, blocks: new Map(rec?.blocks), index: 0, replaces: rec === undefined ? 0 : rec.index || rec.replaces, slots: [] };
    for (let o = 0; o < 4096; o += 2) {
      const s = o === off ? slot : this.blockAt(page + o) >>> 0;
      if (s === 0 || (s !== slot && !this.hot(s))) continue;
      const b = o === off ? mine : this.stored(s);
      next.blocks.set(o, b);
      if (b.entry) next.slots.push({ slot: s, host: page + o, gen });
    }
    const t0 = performance.now();
    const fn = translateRegion([...next.blocks].map(([o, b]) => ({ off: o, block: parseBlock(b) })));
    this.stats.compileMs += performance.now() - t0;
    if (fn === undefined) { this.stats.declined++; return 0; }
    this.pages.set(page, next); // supersedes rec (and any queued version of it); rec's function runs on meanwhile
    this.setPageFlag(page);
    if (this.pending.size === 0) this.pendingSince = performance.now();
    this.pending.set(page, { fn, rec: next });
    return this.flushIfDue() ? next.index : L.JIT_PENDING;
  }

  /**
   * Compiles the queue if it is due: full, its oldest entry waited FLUSH_MS, or that entry came after FLUSH_MS
   * without a compile (a lone hot region in a quiet period, such as a program's main loop, is compiled at
   * once; the requests of a burst, such as a boot, still share modules). True if it compiled.
   */
  private flushIfDue(): boolean {
    const now = performance.now();
    const due = this.pending.size >= this.batch || now - this.pendingSince >= this.flushMs ||
      this.pendingSince - this.lastFlush >= this.flushMs;
    if (!due) return false;
    this.flush();
    return true;
  }

  /** Compiles every queued region as one module, installs them and points their blocks at them. */
  private flush(): void {
    const t0 = performance.now();
    const entries = [...this.pending].map(([page, e]) => ({ page, ...e }));
    this.pending.clear();
    const bytes = moduleWithFunctions(entries.map((e) => e.fn), this.maxPages);
    this.stats.wasmBytes += bytes.length;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } });
    entries.forEach(({ page, rec }, i) => {
      const index = this.free.pop() ?? this.table.grow(1);
      this.table.set(index, inst.exports[`f${i}`] as () => unknown);
      rec.index = index;
      for (const s of rec.slots) {
        if (this.dv.getUint32(s.slot, true) !== s.host || this.dv.getUint32(s.slot + 4, true) !== s.gen) continue;
        this.dv.setUint32(s.slot + L.BLOCK_JIT_OFFSET, (L.JIT_COMPILED | index) >>> 0, true);
      }
      rec.slots = []; // only needed until now
      // The new function holds every block of the one it replaces: move the blocks still on the old one.
      if (rec.replaces !== 0) this.retire(page, rec.replaces, (L.JIT_COMPILED | index) >>> 0);
      rec.replaces = 0;
    });
    this.stats.compiled += entries.length;
    this.stats.modules++;
    this.lastFlush = performance.now();
    this.stats.pages = this.pages.size;
    this.stats.compileMs += performance.now() - t0;
  }

  /**
   * Forgets a page's record (its code changed) and frees its functions' table entries (retire).
   */
  private drop(page: number, rec: PageRecord): void {
    this.pages.delete(page);
    this.pending.delete(page);
    for (const index of [rec.index, rec.replaces]) if (index !== 0) this.retire(page, index, undefined);
    this.stats.pages = this.pages.size;
  }

  /**
   * Frees a page's function's table entry for reuse. Every valid block of the page still pointing at it is
   * first moved: to `to` (a function holding it), or back to warming up: once the entry holds another
   * page's function, calling it from this page would run the wrong code.
   */
  private retire(page: number, index: number, to: number | undefined): void {
    const mark = (L.JIT_COMPILED | index) >>> 0;
    for (let o = 0; o < 4096; o += 2) {
      const s = this.blockAt(page + o) >>> 0;
      if (s === 0 || this.dv.getUint32(s + L.BLOCK_JIT_OFFSET, true) !== mark) continue;
      const warm = this.dv.getUint32(s + L.BLOCK_WARMUP_OFFSET, true) & ~L.JIT_EARLY;
      if (to === undefined) this.dv.setUint32(s + L.BLOCK_WARMUP_OFFSET, warm, true);
      this.dv.setUint32(s + L.BLOCK_JIT_OFFSET, to ?? warm, true);
    }
    this.table.set(index, null);
    this.free.push(index);
  }

  private setPageFlag(page: number): void {
    const f = L.PAGE_FLAGS_BASE + (page - L.RAM_HOST_BASE) / 4096;
    this.u8[f] = this.u8[f]! | L.PAGEFLAG_JIT;
  }

  /** The op records of the block in a slot, in place. */
  private opsView(slot: number): Buffer {
    return Buffer.from(this.memory.buffer, slot + L.BLOCK_HEADER_SIZE, this.dv.getUint32(slot + 8, true) * L.OP_SIZE);
  }

  /** The block in a slot as a page record keeps it (a copy). */
  private stored(slot: number): StoredBlock {
    const ops = Buffer.from(this.opsView(slot));
    const len = this.dv.getUint32(slot + 12, true);
    return { ops, len, entry: translatedOps(parseBlock({ ops, len }).recs) > 0 };
  }

  /**
   * Whether the block in `slot` has run REGION_MIN_RUNS times since it was decoded (its countdown shows it,
   * or it was translated, or declined once hot); a block still asking early has not.
   */
  private hot(slot: number): boolean {
    const j = this.dv.getUint32(slot + L.BLOCK_JIT_OFFSET, true);
    const warm = this.dv.getUint32(slot + L.BLOCK_WARMUP_OFFSET, true);
    if ((j & L.JIT_COMPILED) !== 0) return true;
    return (warm & L.JIT_EARLY) === 0 && (j === 0 || j + REGION_MIN_RUNS <= warm);
  }
}

/** The factory the machine passes to the core (CoreOptions.jit). */
export function jitTier(memory: WebAssembly.Memory, pages: number, blockAt: (host: number) => number): JitPort {
  return new JitTier(memory, pages, blockAt);
}

/**
 * The host half of the JIT tier: answers the core's `jitCompile(slot)` import by translating the block
 * (./translate.ts), compiling and instantiating it synchronously, and installing the function in the core's
 * imported table, whose index the core keeps in the block header.
 *
 * Functions are compiled in batches: every WebAssembly module costs V8 about 25-35 KiB of host memory
 * however small it is (1000 one-function modules added ~30 MiB to a VM), so a block asking for the first
 * time is queued and told to ask again a little later (L.JIT_PENDING); the queue is compiled as one module
 * when BATCH blocks wait or its oldest entry has waited FLUSH_MS.
 *
 * Translations depend only on the block's decoded ops (the virtual pc is a parameter), so they are cached
 * by those bytes: a block decoded again (its slot reused, its page rewritten with the same code, the same
 * library mapped in another process) reuses its function. The number of functions is capped; past the cap
 * blocks stay interpreted.
 */
import * as L from '../../layout/gen/layout.js';
import type { JitPort } from '../host/core.js';
import { handledOp, isSelfLoop, joinBlocks, readBlock, translateBlock, type Block } from './translate.js';
import { moduleWithFunctions, type FunctionSpec } from './wasm.js';

/** Most distinct translated blocks per VM (table entries and compiled modules are kept for its lifetime). */
export const MAX_FUNCTIONS = 4096;
/** Most cache entries (translations and declined blocks); past it, declined blocks are not remembered. */
export const MAX_CACHE_ENTRIES = 16384;
/** Blocks compiled together in one module at most. */
export const BATCH = 64;
/** Longest a queued block waits for its batch (host ms): meanwhile it is interpreted. */
export const FLUSH_MS = 100;

export interface JitStats extends Record<string, number> {
  /** Functions compiled and installed. */
  compiled: number;
  /** Requests answered from the cache. */
  reused: number;
  /** Candidate blocks the translator declined (ops it does not handle). */
  declined: number;
  /** Host milliseconds spent translating and compiling. */
  compileMs: number;
  /** Modules compiled (each holds up to BATCH functions). */
  modules: number;
}

export class JitTier implements JitPort {
  readonly table = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
  readonly stats: JitStats = { compiled: 0, reused: 0, declined: 0, compileMs: 0, modules: 0 };
  private readonly cache = new Map<string, number>();
  /** Translated, not yet compiled: key → function. */
  private readonly pending = new Map<string, FunctionSpec>();
  private pendingSince = 0;
  /** Slots whose block is queued: its code address and page generation when it asked, and its key. */
  private readonly pendingSlots = new Map<number, { host: number; gen: number; key: string }>();
  private readonly dv: DataView;

  /**
   * @param blockAt the core's export returning the slot of the valid decoded block at a host address, or 0.
   */
  constructor(private readonly memory: WebAssembly.Memory, private readonly maxPages: number,
    private readonly blockAt: (host: number) => number) {
    this.dv = new DataView(memory.buffer);
  }

  /** The core's jitCompile import: a table index, JIT_PENDING, or 0 to leave the block to the interpreter. */
  compile(slot: number): number {
    // A queued block asks again every few executions: while its slot still holds the same block (same code
    // address and page generation), answer without reading it again.
    const host = this.dv.getUint32(slot, true), gen = this.dv.getUint32(slot + 4, true);
    const asked = this.pendingSlots.get(slot);
    let key: string;
    if (asked !== undefined && asked.host === host && asked.gen === gen && this.pending.has(asked.key)) key = asked.key;
    else {
      const { block, key: k } = this.blockFor(slot);
      key = k;
      const hit = this.cache.get(key);
      if (hit !== undefined) { this.stats.reused++; return hit; }
      if (!this.pending.has(key)) {
        if (this.stats.compiled + this.pending.size >= MAX_FUNCTIONS) return 0;
        const t0 = performance.now();
        const fn = translateBlock(block);
        this.stats.compileMs += performance.now() - t0;
        if (fn === undefined) {
          this.stats.declined++;
          // Remembered so a re-decoded copy is not translated again, up to a bound: a guest that keeps
          // generating new code must not grow host memory without limit.
          if (this.cache.size < MAX_CACHE_ENTRIES) this.cache.set(key, 0);
          return 0;
        }
        if (this.pending.size === 0) this.pendingSince = performance.now();
        this.pending.set(key, fn);
      }
      this.pendingSlots.set(slot, { host, gen, key });
    }
    if (this.pending.size < BATCH && performance.now() - this.pendingSince < FLUSH_MS) return L.JIT_PENDING;
    this.flush();
    return this.cache.get(key) ?? 0;
  }

  /** Compiles every queued function as one module and installs them in the table. */
  private flush(): void {
    const t0 = performance.now();
    const keys = [...this.pending.keys()];
    const bytes = moduleWithFunctions([...this.pending.values()], this.maxPages);
    this.pending.clear();
    this.pendingSlots.clear();
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } });
    const first = this.table.grow(keys.length);
    keys.forEach((key, i) => {
      this.table.set(first + i, inst.exports[`f${i}`] as () => unknown);
      this.cache.set(key, first + i);
    });
    this.stats.compiled += keys.length;
    this.stats.modules++;
    this.stats.compileMs += performance.now() - t0;
  }

  /**
   * The code to translate for the block in `slot`, and its cache key (the decoded ops' bytes): the block
   * itself, or, when the decoder cut it at its op limit and the cached block that continues it branches back
   * to its start, both joined as one loop body (same page, so the page generation the core checks at entry
   * covers both).
   */
  private blockFor(slot: number): { block: Block; key: string } {
    const a = readBlock(this.dv, slot);
    const single = { block: a, key: this.keyOf([[slot, a]]) };
    const last = a.recs.at(-1);
    if (last === undefined || !handledOp(last)) return single;
    const next = this.blockAt(this.dv.getUint32(slot, true) + a.len);
    if (next === 0) return single;
    const b = readBlock(this.dv, next);
    const joined = joinBlocks(a, b);
    return isSelfLoop(joined.recs) ? { block: joined, key: this.keyOf([[slot, a], [next, b]]) } : single;
  }

  /** Cache key: each block's op count and length, then the op records' bytes (unambiguous). */
  private keyOf(parts: [number, Block][]): string {
    const head = parts.map(([, b]) => `${b.recs.length}/${b.len}`).join(',');
    const ops = parts.map(([slot, b]) => Buffer.from(this.memory.buffer, slot + L.BLOCK_HEADER_SIZE, b.recs.length * L.OP_SIZE).toString('latin1'));
    return `${head}|${ops.join('')}`;
  }
}

/** The factory the machine passes to the core (CoreOptions.jit). */
export function jitTier(memory: WebAssembly.Memory, pages: number, blockAt: (host: number) => number): JitPort {
  return new JitTier(memory, pages, blockAt);
}

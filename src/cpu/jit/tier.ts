/**
 * The host half of the JIT tier: answers the core's `jitCompile(slot)` import by translating the block
 * (./translate.ts), compiling and instantiating it synchronously (a one-function module takes ~0.3 ms), and
 * installing the function in the core's imported table, whose index the core keeps in the block header.
 *
 * Translations depend only on the block's decoded ops (the virtual pc is a parameter), so they are cached
 * by those bytes: a block decoded again (its slot reused, its page rewritten with the same code, the same
 * library mapped in another process) reuses its function. The number of functions is capped; past the cap
 * blocks stay interpreted.
 */
import * as L from '../../layout/gen/layout.js';
import type { JitPort } from '../host/core.js';
import { handledOp, isSelfLoop, joinBlocks, readBlock, translateBlock, type Block } from './translate.js';

/** Most distinct translated loops per VM (table entries and compiled modules are kept for its lifetime). */
export const MAX_FUNCTIONS = 4096;

export interface JitStats extends Record<string, number> {
  /** Functions compiled and installed. */
  compiled: number;
  /** Requests answered from the cache. */
  reused: number;
  /** Candidate blocks the translator declined (ops it does not handle). */
  declined: number;
  /** Host milliseconds spent translating and compiling. */
  compileMs: number;
}

export class JitTier implements JitPort {
  readonly table = new WebAssembly.Table({ initial: 1, element: 'anyfunc' });
  readonly stats: JitStats = { compiled: 0, reused: 0, declined: 0, compileMs: 0 };
  private readonly cache = new Map<string, number>();
  private readonly dv: DataView;

  /**
   * @param blockAt the core's export returning the slot of the valid decoded block at a host address, or 0.
   */
  constructor(private readonly memory: WebAssembly.Memory, private readonly maxPages: number,
    private readonly blockAt: (host: number) => number) {
    this.dv = new DataView(memory.buffer);
  }

  /** The core's jitCompile import: a table index, or 0 to leave the block to the interpreter. */
  compile(slot: number): number {
    const block = this.blockFor(slot);
    const key = JSON.stringify(block);
    const hit = this.cache.get(key);
    if (hit !== undefined) { this.stats.reused++; return hit; }
    if (this.stats.compiled >= MAX_FUNCTIONS) return 0;
    const t0 = performance.now();
    const bytes = translateBlock(block, this.maxPages);
    if (bytes === undefined) {
      this.stats.declined++;
      this.cache.set(key, 0);
      return 0;
    }
    const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory: this.memory } });
    const index = this.table.grow(1);
    this.table.set(index, inst.exports['f'] as () => unknown);
    this.cache.set(key, index);
    this.stats.compiled++;
    this.stats.compileMs += performance.now() - t0;
    return index;
  }

  /**
   * The code to translate for the block in `slot`: the block itself, or, when the decoder cut it at its op
   * limit and the cached block that continues it branches back to its start, both joined as one loop body
   * (same page, so the page generation the core checks at entry covers both).
   */
  private blockFor(slot: number): Block {
    const a = readBlock(this.dv, slot);
    const last = a.recs.at(-1);
    if (last === undefined || !handledOp(last)) return a;
    const next = this.blockAt(this.dv.getUint32(slot, true) + a.len);
    if (next === 0) return a;
    const joined = joinBlocks(a, readBlock(this.dv, next));
    return isSelfLoop(joined.recs) ? joined : a;
  }
}

/** The factory the machine passes to the core (CoreOptions.jit). */
export function jitTier(memory: WebAssembly.Memory, pages: number, blockAt: (host: number) => number): JitPort {
  return new JitTier(memory, pages, blockAt);
}

/**
 * SiFive PLIC (platform-level interrupt controller) as on QEMU's virt board.
 *
 * Model (RISC-V PLIC Specification v1.0.0; QEMU hw/intc/sifive_plic.c for the choices the spec
 * leaves open):
 * - Sources 1..numSources-1 with level-triggered inputs ({@link Plic.irqLine}). Each source has
 *   a pending bit: a rising input sets it, a falling input clears it (so a source whose line
 *   drops before it is claimed stops being pending, as in QEMU); claiming clears it and marks
 *   the source claimed (the gateway forwards nothing more until completion); completing clears
 *   the claim and sets pending again at once if the line is still high.
 * - Priorities and thresholds are WARL over 0..numPriorities (7 on virt: low 3 bits kept).
 *   Priority 0 means "never interrupt".
 * - Contexts: 2 per hart, context 2h = hart h M-mode, 2h+1 = S-mode (QEMU's "MS" hart config).
 *   A context's EIP output is high while some source is pending, enabled for it, not claimed
 *   and has priority > the context's threshold.
 * - Claim returns the highest-priority such source (ties: lowest id), or 0; completing an id
 *   that is out of range is ignored (guest error); completing an id that is not claimed is a
 *   no-op, and, as in QEMU, the enable bit is not checked on completion.
 * - Only aligned 32-bit accesses are decoded; anything else is a logged guest error.
 */

import type { IrqLine, MmioDevice, SizeLog2 } from '../../bus/mmio.js';
import { GuestErrors, type LogFn } from '../guest-errors.js';
import {
  CONTEXT_BASE, CONTEXT_CLAIM, CONTEXT_STRIDE, CONTEXT_THRESHOLD, ENABLE_BASE, ENABLE_STRIDE, PENDING_BASE,
  PLIC_DEFAULT_PRIORITIES, PLIC_DEFAULT_SOURCES, PRIORITY_BASE, plicSize,
} from './regs.js';

export type PlicMode = 'M' | 'S';

/** Where the PLIC's per-context outputs go (the hart's mip.MEIP / mip.SEIP). */
export interface PlicOutputs {
  setEip(hart: number, mode: PlicMode, level: boolean): void;
}

export interface PlicConfig {
  /** Number of harts; the PLIC has 2 contexts per hart. */
  readonly harts: number;
  readonly outputs: PlicOutputs;
  /** Number of sources including the reserved source 0. Default 96 (QEMU virt). */
  readonly numSources?: number;
  /** Highest priority value. Default 7 (QEMU virt). */
  readonly numPriorities?: number;
  readonly name?: string;
  readonly log?: LogFn;
}

export class Plic implements MmioDevice {
  readonly name: string;
  readonly errors: GuestErrors;
  /** Bytes of MMIO window the device decodes for its contexts (QEMU virt maps 0x600000). */
  readonly size: number;
  readonly numSources: number;
  readonly numPriorities: number;
  readonly contexts: number;

  private readonly out: PlicOutputs;
  private readonly words: number;
  private readonly priority: Uint32Array;
  private readonly pending: Uint32Array;
  private readonly claimed: Uint32Array;
  private readonly level: Uint32Array;
  private readonly enable: Uint32Array;
  private readonly threshold: Uint32Array;
  private readonly eip: Uint8Array;
  /** Bits that exist in each enable/pending word (source 0 and ids >= numSources read 0). */
  private readonly validMask: Uint32Array;
  private readonly lines: IrqLine[] = [];

  constructor(cfg: PlicConfig) {
    const n = cfg.numSources ?? PLIC_DEFAULT_SOURCES;
    const p = cfg.numPriorities ?? PLIC_DEFAULT_PRIORITIES;
    if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > 7936) throw new RangeError(`plic: bad hart count ${cfg.harts}`);
    if (!Number.isInteger(n) || n < 2 || n > 1024) throw new RangeError(`plic: numSources must be 2..1024, got ${n}`);
    if (!Number.isInteger(p) || p < 1 || p > 0xffff_ffff) throw new RangeError(`plic: bad numPriorities ${p}`);
    this.name = cfg.name ?? 'plic';
    this.errors = new GuestErrors(this.name, cfg.log);
    this.out = cfg.outputs;
    this.numSources = n;
    this.numPriorities = p;
    this.contexts = cfg.harts * 2;
    this.size = plicSize(this.contexts);
    this.words = (n + 31) >>> 5;
    this.priority = new Uint32Array(n);
    this.pending = new Uint32Array(this.words);
    this.claimed = new Uint32Array(this.words);
    this.level = new Uint32Array(this.words);
    this.enable = new Uint32Array(this.words * this.contexts);
    this.threshold = new Uint32Array(this.contexts);
    this.eip = new Uint8Array(this.contexts);
    this.validMask = new Uint32Array(this.words);
    for (let id = 1; id < n; id++) this.validMask[id >>> 5]! |= 1 << (id & 31);
  }

  /** The input line of `source` (1..numSources-1); the same object on every call. */
  irqLine(source: number): IrqLine {
    if (!Number.isInteger(source) || source < 1 || source >= this.numSources) {
      throw new RangeError(`plic: no interrupt source ${source} (valid: 1..${this.numSources - 1})`);
    }
    let l = this.lines[source];
    if (l === undefined) {
      l = { setLevel: (high: boolean) => this.setInput(source, high) };
      this.lines[source] = l;
    }
    return l;
  }

  /** Whether source `id` is currently pending (debug/snapshot helper). */
  isPending(id: number): boolean {
    return (this.pending[id >>> 5]! & (1 << (id & 31))) !== 0;
  }

  read(offset: number, sizeLog2: SizeLog2, _hi: { value: number }): number {
    if (!this.checkAccess(offset, sizeLog2, 'read')) return 0;
    if (offset >= PRIORITY_BASE && offset < PRIORITY_BASE + 4 * this.numSources) {
      return this.priority[(offset - PRIORITY_BASE) >>> 2]!;
    }
    if (offset >= PENDING_BASE && offset < PENDING_BASE + 4 * this.words) {
      return this.pending[(offset - PENDING_BASE) >>> 2]! >>> 0;
    }
    const en = this.enableIndex(offset);
    if (en !== undefined) return en < 0 ? 0 : this.enable[en]! >>> 0;
    const ctx = this.contextReg(offset);
    if (ctx !== undefined) {
      if (ctx.reg === CONTEXT_THRESHOLD) return this.threshold[ctx.ctx]!;
      if (ctx.reg === CONTEXT_CLAIM) return this.claim(ctx.ctx);
      this.errors.report('bad-offset', `read of reserved context register at 0x${offset.toString(16)}`);
      return 0;
    }
    this.errors.report('bad-offset', `read at unimplemented offset 0x${offset.toString(16)}`);
    return 0;
  }

  write(offset: number, sizeLog2: SizeLog2, lo: number, _hi: number): void {
    if (!this.checkAccess(offset, sizeLog2, 'write')) return;
    const v = lo >>> 0;
    if (offset >= PRIORITY_BASE && offset < PRIORITY_BASE + 4 * this.numSources) {
      const id = (offset - PRIORITY_BASE) >>> 2;
      if (id === 0) return; // source 0 does not exist; its priority is hardwired to 0
      const pv = this.warlPriority(v);
      if (pv === undefined) return;
      this.priority[id] = pv;
      this.update();
      return;
    }
    if (offset >= PENDING_BASE && offset < PENDING_BASE + 4 * this.words) {
      this.errors.report('pending-write', `write to read-only pending word at 0x${offset.toString(16)}`);
      return;
    }
    const en = this.enableIndex(offset);
    if (en !== undefined) {
      if (en < 0) {
        this.errors.report('bad-offset', `write to enable word beyond source ${this.numSources - 1} at 0x${offset.toString(16)}`);
        return;
      }
      this.enable[en] = v & this.validMask[en % this.words]!;
      this.update();
      return;
    }
    const ctx = this.contextReg(offset);
    if (ctx !== undefined) {
      if (ctx.reg === CONTEXT_THRESHOLD) {
        const t = this.warlPriority(v);
        if (t !== undefined) { this.threshold[ctx.ctx] = t; this.update(); }
      } else if (ctx.reg === CONTEXT_CLAIM) {
        this.complete(v);
      } else {
        this.errors.report('bad-offset', `write to reserved context register at 0x${offset.toString(16)}`);
      }
      return;
    }
    this.errors.report('bad-offset', `write at unimplemented offset 0x${offset.toString(16)}`);
  }

  private checkAccess(offset: number, sizeLog2: SizeLog2, op: string): boolean {
    if (sizeLog2 === 2 && (offset & 3) === 0) return true;
    this.errors.report('access-size', `${op} of ${1 << sizeLog2} bytes at 0x${offset.toString(16)} (only aligned 32-bit accesses)`);
    return false;
  }

  /** Index into `enable` for an offset in the enable area; -1 for a word beyond the sources. */
  private enableIndex(offset: number): number | undefined {
    if (offset < ENABLE_BASE || offset >= ENABLE_BASE + this.contexts * ENABLE_STRIDE) return undefined;
    const rel = offset - ENABLE_BASE;
    const ctx = Math.floor(rel / ENABLE_STRIDE);
    const word = (rel % ENABLE_STRIDE) >>> 2;
    return word < this.words ? ctx * this.words + word : -1;
  }

  private contextReg(offset: number): { ctx: number; reg: number } | undefined {
    if (offset < CONTEXT_BASE || offset >= CONTEXT_BASE + this.contexts * CONTEXT_STRIDE) return undefined;
    const rel = offset - CONTEXT_BASE;
    return { ctx: Math.floor(rel / CONTEXT_STRIDE), reg: rel % CONTEXT_STRIDE };
  }

  /** QEMU's WARL rule: keep the low bits when numPriorities+1 is a power of two, else ignore illegal values. */
  private warlPriority(v: number): number | undefined {
    const p = this.numPriorities;
    if (((p + 1) & p) === 0) return v & p;
    return v <= p ? v : undefined;
  }

  private setInput(id: number, high: boolean): void {
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    const was = (this.level[w]! & bit) !== 0;
    if (was === high) return; // repeated calls with the same level change nothing
    if (high) {
      this.level[w]! |= bit;
      this.pending[w]! |= bit;
    } else {
      this.level[w]! &= ~bit;
      // QEMU: a level source that drops before it is claimed is no longer pending. (While it is
      // claimed, pending does not matter: completion re-derives it from the line.)
      this.pending[w]! &= ~bit;
    }
    this.update();
  }

  /** Highest-priority pending, enabled, unclaimed source above the context's threshold; 0 if none. */
  private best(ctx: number): number {
    let maxPrio = this.threshold[ctx]!;
    let maxId = 0;
    const base = ctx * this.words;
    for (let w = 0; w < this.words; w++) {
      let bits = this.pending[w]! & ~this.claimed[w]! & this.enable[base + w]!;
      while (bits !== 0) {
        const b = 31 - Math.clz32(bits & -bits);
        bits &= bits - 1;
        const id = (w << 5) | b;
        const prio = this.priority[id]!;
        if (prio > maxPrio) { maxPrio = prio; maxId = id; }
      }
    }
    return maxId;
  }

  private claim(ctx: number): number {
    const id = this.best(ctx);
    if (id !== 0) {
      const w = id >>> 5;
      const bit = 1 << (id & 31);
      this.pending[w]! &= ~bit;
      this.claimed[w]! |= bit;
      this.update();
    }
    return id;
  }

  private complete(id: number): void {
    if (id === 0 || id >= this.numSources) {
      this.errors.report('bad-complete', `completion of nonexistent source ${id}`);
      return;
    }
    const w = id >>> 5;
    const bit = 1 << (id & 31);
    if ((this.claimed[w]! & bit) === 0) return;
    this.claimed[w]! &= ~bit;
    if ((this.level[w]! & bit) !== 0) this.pending[w]! |= bit; // level still high: re-arm at once
    this.update();
  }

  /** Recomputes every context's EIP output and reports changes. */
  private update(): void {
    for (let ctx = 0; ctx < this.contexts; ctx++) {
      const level = this.best(ctx) !== 0 ? 1 : 0;
      if (this.eip[ctx] === level) continue;
      this.eip[ctx] = level;
      this.out.setEip(ctx >>> 1, (ctx & 1) === 0 ? 'M' : 'S', level === 1);
    }
  }
}

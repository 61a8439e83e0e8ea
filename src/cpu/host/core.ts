/**
 * The TypeScript side of the CPU core: instantiates the wasm interpreter over one shared memory that holds
 * CPU state and guest RAM, binds the MMIO imports to a bus, and exposes the small Hart API
 * (run(budget) → exit reason, register/CSR access through the generated layout, interrupt lines).
 */
import { performance } from 'node:perf_hooks';
import * as L from '../../layout/gen/layout.js';
import { WasmGuestMemory } from '../../memory/guest-memory.js';
import type { SizeLog2 } from '../../bus/mmio.js';

/** Why Hart.run() returned (mirrors EXIT_* in src/cpu/assembly/hart.ts). */
export enum ExitReason { Budget = 0, Wfi = 1, Request = 2, Sbi = 3 }

/** What the core needs from the machine for addresses that are not RAM. */
export interface MmioPort {
  /** Returns the low 32 bits, or undefined for an unclaimed address (access fault). hi.value = bits 63:32. */
  read(pa: number, sizeLog2: SizeLog2): number | undefined;
  readonly hi: { value: number };
  /** Returns false for an unclaimed address. */
  write(pa: number, sizeLog2: SizeLog2, lo: number, hi: number): boolean;
}

interface CoreExports {
  run(budget: bigint): number;
  selectHart(n: number): void;
  resetHart(n: number, pc: bigint): void;
  flushHartTlb(): void;
  stateChanged(): void;
  clearReservation(): void;
  unmapWritePage(hostPage: number): void;
  flushBlocks(): void;
  blockAt(host: number): number;
  layoutVersion(): number;
}

/** Largest guest RAM the 4 GiB wasm memory leaves room for. */
export const MAX_RAM_BYTES = Math.min(L.MAX_RAM_PAGES * 4096, 4 * 1024 ** 3 - L.RAM_HOST_BASE - 65536);

export interface CoreOptions {
  ramSize: number;
  harts: number;
  mmio: MmioPort;
  /** The compiled core (build/core.wasm), loaded by the caller (see src/backends/core-wasm.ts). */
  module: WebAssembly.Module;
  /** mtime ticks per second (QEMU virt: 10 MHz). */
  timebaseHz?: number;
  /**
   * The JIT tier (src/cpu/jit/tier.ts), injected by the machine: given the core's memory, its size in pages
   * and the core's blockAt export, returns the table of translated functions and the jitCompile import.
   * Without it every instruction is interpreted.
   */
  jit?: (memory: WebAssembly.Memory, pages: number, blockAt: (host: number) => number) => JitPort;
}

/** What the core needs from a JIT tier. */
export interface JitPort {
  /** Imported by the core as env.table; translated functions are called through it (call_indirect). */
  readonly table: WebAssembly.Table;
  /** The core's jitCompile(slot) import: a table index, JIT_PENDING (ask again later), or 0 to keep interpreting the block. */
  compile(slot: number): number;
  /** Counters for statistics. */
  readonly stats: Readonly<Record<string, number>>;
}

export class Core {
  readonly memory: WebAssembly.Memory;
  readonly guest: WasmGuestMemory;
  readonly harts: number;
  private readonly ex: CoreExports;
  private readonly dv: DataView;
  private readonly u8: Uint8Array;
  private selected = -1;
  private readonly jit: JitPort | undefined;

  constructor(opts: CoreOptions) {
    const { ramSize, harts, mmio } = opts;
    if (!Number.isInteger(harts) || harts < 1 || harts > L.MAX_HARTS) throw new RangeError(`harts must be 1..${L.MAX_HARTS}`);
    if (ramSize % 4096 !== 0 || ramSize <= 0 || ramSize > MAX_RAM_BYTES) throw new RangeError(`RAM size must be a multiple of 4 KiB up to ${MAX_RAM_BYTES} bytes`);
    this.harts = harts;
    const pages = Math.ceil((L.RAM_HOST_BASE + ramSize) / 65536);
    this.memory = new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
    const buf = this.memory.buffer;
    this.dv = new DataView(buf);
    this.u8 = new Uint8Array(buf);
    const sys = L.SYS_BASE;
    const dv = this.dv;
    const jit = opts.jit?.(this.memory, pages, (host) => this.ex.blockAt(host));
    this.jit = jit;
    const imports = {
      env: {
        memory: this.memory,
        table: jit?.table ?? new WebAssembly.Table({ initial: 1, element: 'anyfunc' }),
        jitCompile: (slot: number): number => jit?.compile(slot >>> 0) ?? 0,
        mmioRead: (pa: number, sizeLog2: number): number => {
          const v = mmio.read(pa >>> 0, sizeLog2 as SizeLog2);
          if (v === undefined) { dv.setUint32(sys + L.SYS_MMIO_STATUS, 1, true); return 0; }
          dv.setUint32(sys + L.SYS_MMIO_STATUS, 0, true);
          if (sizeLog2 === 3) dv.setUint32(sys + L.SYS_MMIO_HI, mmio.hi.value >>> 0, true);
          return v | 0;
        },
        mmioWrite: (pa: number, sizeLog2: number, lo: number, hi: number): void => {
          const ok = mmio.write(pa >>> 0, sizeLog2 as SizeLog2, lo >>> 0, hi >>> 0);
          dv.setUint32(sys + L.SYS_MMIO_STATUS, ok ? 0 : 1, true);
        },
        now: (): number => performance.now(),
        abort: (_m: number, _f: number, line: number, col: number): void => {
          throw new Error(`hv core: internal abort at ${line}:${col}`);
        },
      },
    };
    const inst = new WebAssembly.Instance(opts.module, imports);
    this.ex = inst.exports as unknown as CoreExports;
    if (this.ex.layoutVersion() !== L.LAYOUT_VERSION) throw new Error('hv: core.wasm was built from a different layout; rebuild');
    dv.setBigUint64(sys + L.SYS_RAM_SIZE, BigInt(ramSize), true);
    dv.setUint32(sys + L.SYS_NHARTS, harts, true);
    dv.setUint32(sys + L.SYS_JIT_ENABLED, jit !== undefined ? 1 : 0, true);
    dv.setFloat64(sys + L.SYS_TIME_BASE, performance.now(), true);
    dv.setFloat64(sys + L.SYS_TIMEBASE_KHZ, (opts.timebaseHz ?? 10_000_000) / 1000, true);
    this.guest = new WasmGuestMemory(buf, ramSize);
    for (let h = 0; h < harts; h++) this.ex.resetHart(h, BigInt(L.RAM_GUEST_BASE));
    this.selected = -1;
  }

  private hartBase(h: number): number { return L.HARTS_BASE + h * L.HART_STRIDE; }

  private select(h: number): void {
    if (this.selected !== h) {
      this.ex.selectHart(h);
      if (this.harts > 1) this.ex.clearReservation();
      this.selected = h;
    }
  }

  /** Runs hart h for about `budget` instructions. */
  run(h: number, budget: number): ExitReason {
    this.select(h);
    return this.ex.run(BigInt(budget)) as ExitReason;
  }

  resetHart(h: number, pc: bigint): void { this.ex.resetHart(h, pc); this.selected = -1; }

  // ---- register and CSR access through the generated layout ----
  getX(h: number, i: number): bigint { return i === 0 ? 0n : this.dv.getBigUint64(this.hartBase(h) + L.HART_X + i * 8, true); }
  setX(h: number, i: number, v: bigint): void { if (i !== 0) this.dv.setBigUint64(this.hartBase(h) + L.HART_X + i * 8, BigInt.asUintN(64, v), true); }
  getF(h: number, i: number): bigint { return this.dv.getBigUint64(this.hartBase(h) + L.HART_F + i * 8, true); }
  get64(h: number, off: number): bigint { return this.dv.getBigUint64(this.hartBase(h) + off, true); }
  set64(h: number, off: number, v: bigint): void { this.dv.setBigUint64(this.hartBase(h) + off, BigInt.asUintN(64, v), true); }
  get32(h: number, off: number): number { return this.dv.getUint32(this.hartBase(h) + off, true); }
  set32(h: number, off: number, v: number): void { this.dv.setUint32(this.hartBase(h) + off, v >>> 0, true); }
  getPc(h: number): bigint { return this.get64(h, L.HART_PC); }
  setPc(h: number, pc: bigint): void { this.set64(h, L.HART_PC, pc); }
  getPriv(h: number): number { return this.get32(h, L.HART_PRIV); }
  /** Sets privilege (e.g. direct S-mode boot) and recomputes the hart's derived state. */
  setPriv(h: number, p: number): void { this.set32(h, L.HART_PRIV, p); this.select(h); this.ex.stateChanged(); }
  isWaiting(h: number): boolean { return this.get32(h, L.HART_WFI) !== 0; }
  instret(h: number): bigint { return this.get64(h, L.HART_INSTRET); }

  /** Drives device interrupt lines into mip (bits per privileged ISA §3.1.9: MSIP 3, MTIP 7, SEIP 9, MEIP 11, STIP 5). */
  setIrq(h: number, bit: number, level: boolean): void {
    const off = this.hartBase(h) + L.HART_HOST_IP;
    const cur = this.dv.getUint32(off, true);
    const nv = level ? cur | (1 << bit) : cur & ~(1 << bit);
    if (nv !== cur) this.dv.setUint32(off, nv >>> 0, true);
  }
  /** Whether hart h has an interrupt pending and enabled in mie (what ends WFI). */
  hasWakeup(h: number): boolean {
    const b = this.hartBase(h);
    const mip = this.dv.getBigUint64(b + L.HART_MIP, true) | this.dv.getBigUint64(b + L.HART_HOST_IP, true);
    return (mip & this.dv.getBigUint64(b + L.HART_MIE, true)) !== 0n;
  }
  flushTlb(h: number): void { this.select(h); this.ex.flushHartTlb(); }
  /** Empties the decoded-block cache (every block is decoded again when next run). */
  flushBlocks(): void { this.ex.flushBlocks(); }

  // ---- machine-wide fields ----
  /** Asks the running hart to return at the next block boundary (from an MMIO handler). */
  requestExit(): void { this.dv.setUint32(L.SYS_BASE + L.SYS_EXIT_REQUEST, 1, true); }
  clearExitRequest(): void { this.dv.setUint32(L.SYS_BASE + L.SYS_EXIT_REQUEST, 0, true); }
  exitRequested(): boolean { return this.dv.getUint32(L.SYS_BASE + L.SYS_EXIT_REQUEST, true) !== 0; }
  setSbiMode(on: boolean): void { this.dv.setUint32(L.SYS_BASE + L.SYS_SBI_MODE, on ? 1 : 0, true); }

  /** mtime as the core computes it (10 MHz ticks since creation, plus an offset). */
  mtime(): bigint {
    const base = this.dv.getFloat64(L.SYS_BASE + L.SYS_TIME_BASE, true);
    const khz = this.dv.getFloat64(L.SYS_BASE + L.SYS_TIMEBASE_KHZ, true);
    const t = Math.max(0, Math.floor((performance.now() - base) * khz));
    return BigInt(t) + this.dv.getBigUint64(L.SYS_BASE + L.SYS_MTIME_OFFSET, true);
  }
  /** Host milliseconds (performance.now clock) at which mtime reaches `ticks`. */
  mtimeToHostMs(ticks: bigint): number {
    const base = this.dv.getFloat64(L.SYS_BASE + L.SYS_TIME_BASE, true);
    const khz = this.dv.getFloat64(L.SYS_BASE + L.SYS_TIMEBASE_KHZ, true);
    const off = this.dv.getBigUint64(L.SYS_BASE + L.SYS_MTIME_OFFSET, true);
    return base + Number(ticks - off) / khz;
  }
  /** Adjusts mtime so that it reads `ticks` now. */
  setMtime(ticks: bigint): void {
    const cur = this.mtime() - this.dv.getBigUint64(L.SYS_BASE + L.SYS_MTIME_OFFSET, true);
    this.dv.setBigUint64(L.SYS_BASE + L.SYS_MTIME_OFFSET, BigInt.asUintN(64, ticks - cur), true);
  }

  /**
   * Watches a 64-bit RAM word (HTIF tohost): a guest store to it makes run() return ExitReason.Request
   * and watchValue() reports what was written.
   */
  watch(addr: number): void {
    if (!this.guest.isRam(addr, 8)) throw new RangeError('watched address is not in RAM');
    this.dv.setBigUint64(L.SYS_BASE + L.SYS_WATCH_ADDR, BigInt(addr), true);
    const page = Math.floor((addr - L.RAM_GUEST_BASE) / 4096);
    this.u8[L.PAGE_FLAGS_BASE + page] = this.u8[L.PAGE_FLAGS_BASE + page]! | L.PAGEFLAG_WATCH;
    this.ex.unmapWritePage(L.RAM_HOST_BASE + page * 4096);
  }
  watchValue(): bigint { return this.dv.getBigUint64(L.SYS_BASE + L.SYS_WATCH_VALUE, true); }
  clearWatchValue(): void { this.dv.setBigUint64(L.SYS_BASE + L.SYS_WATCH_VALUE, 0n, true); }

  stats(): { blocksDecoded: bigint; codeInvalidations: bigint; tlbMisses: bigint; tlbFlushes: bigint; jitRetired: bigint; jit: Record<string, number> } {
    return {
      jit: { ...this.jit?.stats },
      tlbFlushes: this.dv.getBigUint64(L.SYS_BASE + L.SYS_STAT_TLB_FLUSHES, true),
      blocksDecoded: this.dv.getBigUint64(L.SYS_BASE + L.SYS_STAT_BLOCKS_DECODED, true),
      codeInvalidations: this.dv.getBigUint64(L.SYS_BASE + L.SYS_STAT_CODE_INVALIDATIONS, true),
      tlbMisses: this.dv.getBigUint64(L.SYS_BASE + L.SYS_STAT_TLB_MISSES, true),
      jitRetired: this.dv.getBigUint64(L.SYS_BASE + L.SYS_STAT_JIT_RETIRED, true),
    };
  }
}

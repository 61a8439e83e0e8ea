/**
 * Guest physical memory as seen by everything outside the CPU core: loaders, devices, virtqueues.
 *
 * RAM lives inside the core's WebAssembly memory at RAM_HOST_BASE; this class is the only
 * way TypeScript code reaches it. Every access is bounds-checked against guest RAM and throws
 * GuestMemoryError otherwise, so a guest-supplied address can never reach host memory outside
 * the guest's RAM. Writes invalidate translated code on the pages they touch (the core keeps a
 * per-page "holds decoded code" flag and a generation counter in the same memory).
 */
import {
  RAM_HOST_BASE, RAM_GUEST_BASE, PAGE_FLAGS_BASE, PAGE_GEN_BASE, PAGEFLAG_CODE, PAGEFLAG_JIT, MAX_RAM_PAGES,
} from '../layout/gen/layout.js';

export class GuestMemoryError extends Error {
  constructor(readonly addr: number, readonly len: number) {
    super(`guest memory access outside RAM: 0x${addr.toString(16)}+${len}`);
  }
}

export interface GuestMemory {
  /** First guest-physical address of RAM. */
  readonly ramBase: number;
  /** Bytes of RAM. */
  readonly ramSize: number;
  /** True when [addr, addr+len) lies entirely inside RAM. */
  isRam(addr: number, len: number): boolean;
  read(addr: number, len: number): Uint8Array;
  write(addr: number, data: Uint8Array): void;
  fill(addr: number, len: number, value: number): void;
  read8(addr: number): number;
  read16(addr: number): number;
  read32(addr: number): number;
  read64(addr: number): bigint;
  write8(addr: number, v: number): void;
  write16(addr: number, v: number): void;
  write32(addr: number, v: number): void;
  write64(addr: number, v: bigint): void;
  /**
   * A zero-copy view for reading (valid until the memory is replaced). Do not write through it:
   * use write() or writableView() so translated code is invalidated.
   */
  view(addr: number, len: number): Uint8Array;
  /** A zero-copy view for writing; code on the covered pages is invalidated first. */
  writableView(addr: number, len: number): Uint8Array;
}

export class WasmGuestMemory implements GuestMemory {
  readonly ramBase = RAM_GUEST_BASE;
  private readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly gen: Uint32Array;

  constructor(readonly buffer: ArrayBufferLike, readonly ramSize: number) {
    if (ramSize <= 0 || ramSize % 4096 !== 0 || ramSize / 4096 > MAX_RAM_PAGES) throw new RangeError(`bad RAM size ${ramSize}`);
    if (RAM_HOST_BASE + ramSize > buffer.byteLength) throw new RangeError('wasm memory too small for guest RAM');
    this.u8 = new Uint8Array(buffer);
    this.dv = new DataView(buffer);
    this.gen = new Uint32Array(buffer, PAGE_GEN_BASE, MAX_RAM_PAGES);
  }

  isRam(addr: number, len: number): boolean {
    return Number.isInteger(addr) && Number.isInteger(len) && len >= 0 &&
      addr >= this.ramBase && addr + len <= this.ramBase + this.ramSize;
  }

  /** Host offset of a checked guest range. */
  private off(addr: number, len: number): number {
    if (!this.isRam(addr, len)) throw new GuestMemoryError(addr, len);
    return addr - this.ramBase + RAM_HOST_BASE;
  }

  /** Invalidates decoded code on the pages of a range about to be written. */
  private touch(addr: number, len: number): void {
    if (len === 0) return;
    const first = Math.floor((addr - this.ramBase) / 4096);
    const last = Math.floor((addr - this.ramBase + len - 1) / 4096);
    for (let p = first; p <= last; p++) {
      const f = PAGE_FLAGS_BASE + p;
      if (this.u8[f]! & PAGEFLAG_CODE) {
        this.u8[f] = this.u8[f]! & ~(PAGEFLAG_CODE | PAGEFLAG_JIT);
        this.gen[p] = (this.gen[p]! + 1) >>> 0;
      }
    }
  }

  read(addr: number, len: number): Uint8Array { const o = this.off(addr, len); return this.u8.slice(o, o + len); }
  view(addr: number, len: number): Uint8Array { const o = this.off(addr, len); return this.u8.subarray(o, o + len); }
  writableView(addr: number, len: number): Uint8Array { const o = this.off(addr, len); this.touch(addr, len); return this.u8.subarray(o, o + len); }
  write(addr: number, data: Uint8Array): void { const o = this.off(addr, data.length); this.touch(addr, data.length); this.u8.set(data, o); }
  fill(addr: number, len: number, value: number): void { const o = this.off(addr, len); this.touch(addr, len); this.u8.fill(value, o, o + len); }
  read8(addr: number): number { return this.u8[this.off(addr, 1)]!; }
  read16(addr: number): number { return this.dv.getUint16(this.off(addr, 2), true); }
  read32(addr: number): number { return this.dv.getUint32(this.off(addr, 4), true); }
  read64(addr: number): bigint { return this.dv.getBigUint64(this.off(addr, 8), true); }
  write8(addr: number, v: number): void { const o = this.off(addr, 1); this.touch(addr, 1); this.u8[o] = v; }
  write16(addr: number, v: number): void { const o = this.off(addr, 2); this.touch(addr, 2); this.dv.setUint16(o, v, true); }
  write32(addr: number, v: number): void { const o = this.off(addr, 4); this.touch(addr, 4); this.dv.setUint32(o, v >>> 0, true); }
  write64(addr: number, v: bigint): void { const o = this.off(addr, 8); this.touch(addr, 8); this.dv.setBigUint64(o, BigInt.asUintN(64, v), true); }
}

/**
 * The bus room: the narrow doors between the CPU and devices.
 *
 * A device sees offsets, never addresses: the board's memory-map table decides where each
 * device lives (architecture guide §8.3). Accesses are at most 8 bytes; 64-bit values cross
 * as two 32-bit halves so the wasm core never has to box a BigInt on the MMIO path.
 */

/** Access width as log2 of the byte count: 0 = 1 byte, 1 = 2, 2 = 4, 3 = 8. */
export type SizeLog2 = 0 | 1 | 2 | 3;

/** A memory-mapped device: a pure register machine addressed by offset within its window. */
export interface MmioDevice {
  /** Short name used in logs and metrics (e.g. "uart0"). */
  readonly name: string;
  /**
   * Reads `1 << sizeLog2` bytes at `offset`. Returns the low 32 bits; for 8-byte reads
   * the high 32 bits are returned through `hi.value`.
   */
  read(offset: number, sizeLog2: SizeLog2, hi: { value: number }): number;
  /** Writes `1 << sizeLog2` bytes at `offset`; `hi` holds bits 63:32 of an 8-byte write. */
  write(offset: number, sizeLog2: SizeLog2, lo: number, hi: number): void;
}

/** One interrupt line: a device drives it high or low; the receiver (PLIC, hart) decides. */
export interface IrqLine {
  setLevel(high: boolean): void;
}

/** An IrqLine that ignores everything (unconnected pin). */
export const NO_IRQ: IrqLine = { setLevel() {} };

interface Mapping { base: number; size: number; dev: MmioDevice }

/**
 * Dispatches physical addresses to devices. Ranges never overlap (checked on add).
 * Addresses are guest-physical and below 2^32 on the virt board's MMIO area.
 */
export class MmioBus {
  private maps: Mapping[] = [];
  private last: Mapping | undefined;
  /** Set by read(); meaningful only for 8-byte reads. */
  readonly hi = { value: 0 };

  add(base: number, size: number, dev: MmioDevice): void {
    for (const m of this.maps) {
      if (base < m.base + m.size && m.base < base + size) {
        throw new Error(`bus: ${dev.name} at 0x${base.toString(16)} overlaps ${m.dev.name} at 0x${m.base.toString(16)}`);
      }
    }
    this.maps.push({ base, size, dev });
    this.maps.sort((a, b) => a.base - b.base);
  }

  find(addr: number): Mapping | undefined {
    const l = this.last;
    if (l !== undefined && addr >= l.base && addr < l.base + l.size) return l;
    for (const m of this.maps) {
      if (addr >= m.base && addr < m.base + m.size) { this.last = m; return m; }
    }
    return undefined;
  }

  /** Returns undefined when no device claims the address (the CPU raises an access fault). */
  read(addr: number, sizeLog2: SizeLog2): number | undefined {
    const m = this.find(addr);
    if (m === undefined || addr + (1 << sizeLog2) > m.base + m.size) return undefined;
    this.hi.value = 0;
    return m.dev.read(addr - m.base, sizeLog2, this.hi);
  }

  /** Returns false when no device claims the address. */
  write(addr: number, sizeLog2: SizeLog2, lo: number, hi: number): boolean {
    const m = this.find(addr);
    if (m === undefined || addr + (1 << sizeLog2) > m.base + m.size) return false;
    m.dev.write(addr - m.base, sizeLog2, lo, hi);
    return true;
  }

  list(): ReadonlyArray<{ base: number; size: number; name: string }> {
    return this.maps.map((m) => ({ base: m.base, size: m.size, name: m.dev.name }));
  }
}

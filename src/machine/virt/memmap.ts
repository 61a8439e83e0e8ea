/**
 * The memory map of hv's QEMU-virt-compatible board: the one table that both device placement
 * (MmioBus) and the device tree (fdt.ts) are built from. Addresses, sizes and PLIC interrupt
 * numbers are QEMU's (hw/riscv/virt.c virt_memmap[], include/hw/riscv/virt.h), so guests built
 * for `qemu-system-riscv64 -M virt` find devices where they expect them.
 *
 *   0x0000_0000 ┌───────────────────────┐
 *               │ (unmapped: debug/MROM)│
 *   0x0010_0000 ├ test / syscon  4 KiB  │ sifive,test0: poweroff / reboot / fail
 *   0x0010_1000 ├ goldfish RTC   4 KiB  │ PLIC irq 11
 *   0x0200_0000 ├ CLINT         64 KiB  │ msip @0, mtimecmp @0x4000, mtime @0xbff8
 *   0x0c00_0000 ├ PLIC           6 MiB  │ 96 sources, 2 contexts per hart
 *   0x1000_0000 ├ UART0 (16550A) 256 B  │ PLIC irq 10
 *   0x1000_1000 ├ virtio-mmio 0..7      │ 4 KiB each, PLIC irqs 1..8
 *   0x1000_9000 ├ (unmapped: fw_cfg, flash, PCIe in QEMU; not provided by hv)
 *   0x8000_0000 ├ DRAM                  │ size = machine RAM
 *               └───────────────────────┘
 */

/** One region of the map. */
export interface MemMapEntry {
  /** Short name; also the device's name on the bus and in logs. */
  readonly name: string;
  readonly base: number;
  /** Bytes; 0 for DRAM (its size is the machine's RAM size). */
  readonly size: number;
  /** PLIC source number of the device's interrupt line, if it has one. */
  readonly irq?: number;
}

/** QEMU's VIRT_CPUS_MAX (1 << VIRT_CPUS_MAX_BITS); the PLIC window is sized for it. */
export const VIRT_CPUS_MAX = 512;
/** Number of virtio-mmio transports (QEMU VIRTIO_COUNT). */
export const VIRTIO_COUNT = 8;
/** `timebase-frequency` of /cpus: mtime and the `time` CSR tick at 10 MHz. */
export const VIRT_TIMEBASE_FREQ = 10_000_000;
/** UART input clock (`clock-frequency` of the serial node), 3.6864 MHz. */
export const VIRT_UART_CLOCK_FREQ = 0x38_4000;

/** PLIC geometry on virt (QEMU VIRT_IRQCHIP_NUM_SOURCES / _NUM_PRIO_BITS, VIRT_PLIC_*). */
export const VIRT_PLIC = {
  numSources: 96,
  numPriorities: 7,
  priorityBase: 0x0,
  pendingBase: 0x1000,
  enableBase: 0x2000,
  enableStride: 0x80,
  contextBase: 0x20_0000,
  contextStride: 0x1000,
} as const;

/** Size of a PLIC window for `contexts` contexts (QEMU VIRT_PLIC_SIZE). */
export function virtPlicSize(contexts: number): number {
  return VIRT_PLIC.contextBase + contexts * VIRT_PLIC.contextStride;
}

/** The fixed regions of the board, by role. */
export const VIRT_MEMMAP = {
  test: { name: 'test', base: 0x10_0000, size: 0x1000 },
  rtc: { name: 'rtc', base: 0x10_1000, size: 0x1000, irq: 11 },
  clint: { name: 'clint', base: 0x200_0000, size: 0x1_0000 },
  // QEMU sizes the PLIC for VIRT_CPUS_MAX harts × 2 contexts = 0x600000, whatever -smp says.
  plic: { name: 'plic', base: 0xc00_0000, size: virtPlicSize(VIRT_CPUS_MAX * 2) },
  uart0: { name: 'uart0', base: 0x1000_0000, size: 0x100, irq: 10 },
  virtio: { name: 'virtio', base: 0x1000_1000, size: 0x1000, irq: 1 },
  dram: { name: 'dram', base: 0x8000_0000, size: 0 },
} as const satisfies Record<string, MemMapEntry>;

/** Placement of virtio-mmio transport `n` (0..7): base 0x10001000 + n*0x1000, PLIC irq 1 + n. */
export function virtioSlot(n: number): MemMapEntry {
  if (!Number.isInteger(n) || n < 0 || n >= VIRTIO_COUNT) {
    throw new RangeError(`virt: virtio slot must be 0..${VIRTIO_COUNT - 1}, got ${n}`);
  }
  const v = VIRT_MEMMAP.virtio;
  return { name: `virtio${n}`, base: v.base + n * v.size, size: v.size, irq: v.irq + n };
}

/** Every MMIO device region (not DRAM), virtio slots expanded, sorted by address. */
export function virtMmioRegions(): MemMapEntry[] {
  const m = VIRT_MEMMAP;
  const list: MemMapEntry[] = [m.test, m.rtc, m.clint, m.plic, m.uart0];
  for (let n = 0; n < VIRTIO_COUNT; n++) list.push(virtioSlot(n));
  return list.sort((a, b) => a.base - b.base);
}

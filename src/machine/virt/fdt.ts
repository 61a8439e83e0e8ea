/**
 * Device tree for hv's virt board, generated from the memory-map table (memmap.ts) following
 * QEMU's hw/riscv/virt.c conventions (node names, compatible strings, reg/interrupt encoding),
 * so that Linux, OpenSBI and U-Boot see the same board they see under `qemu -M virt`.
 *
 * Deliberate differences from QEMU 7.2's DTB (see the report in fdt.test.ts for checks):
 * - Only devices hv provides: no pmu, fw-cfg, flash, platform-bus or PCIe nodes; virtio_mmio
 *   nodes only for populated slots, listed in ascending address order (QEMU lists all eight,
 *   highest first), so slot 0 is probed first and becomes vda.
 * - `riscv,isa` describes what hv implements; `riscv,isa-base` and `riscv,isa-extensions` (the
 *   newer binding, emitted by QEMU >= 8.2) are included as well.
 * - `riscv,ndev` is 95 (the highest usable source, as QEMU >= 8.0 emits; 7.2 wrote 96).
 * - Each cpu interrupt-controller gets `#address-cells = <0>` (dtc's interrupt_provider check,
 *   warned about in QEMU's output).
 * - `linux,initrd-start/end` are 64-bit values (2 cells), as newer QEMU writes them.
 * - `rng-seed` is 64 bytes (QEMU: 32).
 */

import { node, prop, Phandles, type FdtNode } from '../../fdt/builder.js';
import { writeFdt } from '../../fdt/writer.js';
import {
  VIRT_CPUS_MAX, VIRT_MEMMAP, VIRT_PLIC, VIRT_TIMEBASE_FREQ, VIRT_UART_CLOCK_FREQ, VIRTIO_COUNT, virtioSlot,
} from './memmap.js';

/** The ISA extensions hv's core implements, in canonical order (single letters first). */
export const HV_ISA_EXTENSIONS: readonly string[] = ['i', 'm', 'a', 'f', 'd', 'c', 'zicntr', 'zicsr', 'zifencei', 'zihpm'];

export interface VirtDtbConfig {
  /** Number of harts, 1..512. */
  readonly harts: number;
  /** RAM size in bytes (placed at 0x80000000). */
  readonly ramSize: number | bigint;
  /** Kernel command line (/chosen/bootargs). */
  readonly bootargs?: string;
  /** Physical range of the initrd (end exclusive), for /chosen/linux,initrd-start/end. */
  readonly initrd?: { readonly start: number | bigint; readonly end: number | bigint };
  /** Populated virtio-mmio slots (0..7); only these get nodes. */
  readonly virtioSlots?: readonly number[];
  /** /chosen/rng-seed bytes; 64 random bytes when omitted (pass fixed bytes in tests). */
  readonly rngSeed?: Uint8Array;
  /** Overrides {@link HV_ISA_EXTENSIONS}. */
  readonly isaExtensions?: readonly string[];
  /** `mmu-type` of each cpu. Default "riscv,sv48" (hv implements Sv39 and Sv48). */
  readonly mmuType?: string;
  /** Pad the blob to at least this many bytes so firmware can edit it in place. */
  readonly minTotalSize?: number;
}

/** IRQ numbers on the hart-local interrupt controller (mip bits). */
const IRQ_M_SOFT = 3;
const IRQ_M_TIMER = 7;
const IRQ_S_EXT = 9;
const IRQ_M_EXT = 11;

const hex = (n: number): string => n.toString(16);

function checkConfig(cfg: VirtDtbConfig): void {
  if (!Number.isInteger(cfg.harts) || cfg.harts < 1 || cfg.harts > VIRT_CPUS_MAX) {
    throw new RangeError(`virt: harts must be 1..${VIRT_CPUS_MAX}, got ${cfg.harts}`);
  }
  const ram = BigInt(cfg.ramSize);
  if (ram <= 0n || ram > (1n << 64n) - BigInt(VIRT_MEMMAP.dram.base)) throw new RangeError(`virt: bad ramSize ${cfg.ramSize}`);
  const slots = cfg.virtioSlots ?? [];
  if (new Set(slots).size !== slots.length) throw new RangeError('virt: duplicate virtio slot');
  for (const s of slots) {
    if (!Number.isInteger(s) || s < 0 || s >= VIRTIO_COUNT) throw new RangeError(`virt: virtio slot must be 0..${VIRTIO_COUNT - 1}, got ${s}`);
  }
  if (cfg.initrd !== undefined && BigInt(cfg.initrd.end) < BigInt(cfg.initrd.start)) {
    throw new RangeError('virt: initrd end is below its start');
  }
}

/** The ISA string for `riscv,isa`: "rv64" + single-letter extensions + "_"-joined multi-letter ones. */
export function isaString(exts: readonly string[]): string {
  const single = exts.filter((e) => e.length === 1).join('');
  const multi = exts.filter((e) => e.length > 1);
  return `rv64${single}${multi.map((e) => `_${e}`).join('')}`;
}

/** Builds the board's device tree as a node tree (see {@link buildVirtDtb} for the blob). */
export function buildVirtTree(cfg: VirtDtbConfig): FdtNode {
  checkConfig(cfg);
  const m = VIRT_MEMMAP;
  const ph = new Phandles();
  const harts = Array.from({ length: cfg.harts }, (_, i) => i);
  const cpuPh = harts.map((h) => ph.get(`cpu${h}`));
  const intcPh = harts.map((h) => ph.get(`cpu${h}-intc`));
  const plicPh = ph.get('plic');
  const testPh = ph.get('test');
  const exts = cfg.isaExtensions ?? HV_ISA_EXTENSIONS;
  const reg = (base: number | bigint, size: number | bigint): Uint8Array => prop.reg(2, 2, [[base, size]]);

  const cpus = node('cpus', {
    '#address-cells': prop.u32(1),
    '#size-cells': prop.u32(0),
    'timebase-frequency': prop.u32(VIRT_TIMEBASE_FREQ),
  }, [
    ...harts.map((h) => node(`cpu@${hex(h)}`, {
      device_type: prop.string('cpu'),
      reg: prop.u32(h),
      status: prop.string('okay'),
      compatible: prop.string('riscv'),
      'riscv,isa': prop.string(isaString(exts)),
      'riscv,isa-base': prop.string('rv64i'),
      'riscv,isa-extensions': prop.strings(...exts),
      'mmu-type': prop.string(cfg.mmuType ?? 'riscv,sv48'),
      phandle: prop.u32(cpuPh[h]!),
    }, [
      node('interrupt-controller', {
        '#interrupt-cells': prop.u32(1),
        '#address-cells': prop.u32(0),
        'interrupt-controller': prop.empty(),
        compatible: prop.string('riscv,cpu-intc'),
        phandle: prop.u32(intcPh[h]!),
      }),
    ])),
    node('cpu-map', {}, [
      node('cluster0', {}, harts.map((h) => node(`core${h}`, { cpu: prop.u32(cpuPh[h]!) }))),
    ]),
  ]);

  const chosen = node('chosen', {
    bootargs: cfg.bootargs === undefined ? undefined : prop.string(cfg.bootargs),
    'stdout-path': prop.string(`/soc/serial@${hex(m.uart0.base)}`),
    'linux,initrd-start': cfg.initrd === undefined ? undefined : prop.u64(cfg.initrd.start),
    'linux,initrd-end': cfg.initrd === undefined ? undefined : prop.u64(cfg.initrd.end),
    'rng-seed': prop.bytes(cfg.rngSeed ?? globalThis.crypto.getRandomValues(new Uint8Array(64))),
  });

  const memory = node(`memory@${hex(m.dram.base)}`, {
    device_type: prop.string('memory'),
    reg: reg(m.dram.base, BigInt(cfg.ramSize)),
  });

  const sysconAction = (name: string, value: number): FdtNode => node(name, {
    compatible: prop.string(`syscon-${name}`),
    regmap: prop.u32(testPh),
    offset: prop.u32(0),
    value: prop.u32(value),
  });

  const plicIrq = (irq: number): Record<string, Uint8Array> => ({
    'interrupt-parent': prop.u32(plicPh),
    interrupts: prop.u32(irq),
  });

  const virtio = [...(cfg.virtioSlots ?? [])].sort((a, b) => a - b).map((n) => {
    const s = virtioSlot(n);
    return node(`virtio_mmio@${hex(s.base)}`, { compatible: prop.string('virtio,mmio'), reg: reg(s.base, s.size), ...plicIrq(s.irq!) });
  });

  const soc = node('soc', {
    '#address-cells': prop.u32(2),
    '#size-cells': prop.u32(2),
    compatible: prop.string('simple-bus'),
    ranges: prop.empty(),
  }, [
    node(`test@${hex(m.test.base)}`, {
      compatible: prop.strings('sifive,test1', 'sifive,test0', 'syscon'),
      reg: reg(m.test.base, m.test.size),
      phandle: prop.u32(testPh),
    }),
    node(`rtc@${hex(m.rtc.base)}`, { compatible: prop.string('google,goldfish-rtc'), reg: reg(m.rtc.base, m.rtc.size), ...plicIrq(m.rtc.irq) }),
    node(`clint@${hex(m.clint.base)}`, {
      compatible: prop.strings('sifive,clint0', 'riscv,clint0'),
      reg: reg(m.clint.base, m.clint.size),
      'interrupts-extended': prop.cells(harts.flatMap((h) => [intcPh[h]!, IRQ_M_SOFT, intcPh[h]!, IRQ_M_TIMER])),
    }),
    node(`plic@${hex(m.plic.base)}`, {
      '#interrupt-cells': prop.u32(1),
      '#address-cells': prop.u32(0),
      compatible: prop.strings('sifive,plic-1.0.0', 'riscv,plic0'),
      'interrupt-controller': prop.empty(),
      'interrupts-extended': prop.cells(harts.flatMap((h) => [intcPh[h]!, IRQ_M_EXT, intcPh[h]!, IRQ_S_EXT])),
      reg: reg(m.plic.base, m.plic.size),
      'riscv,ndev': prop.u32(VIRT_PLIC.numSources - 1),
      phandle: prop.u32(plicPh),
    }),
    node(`serial@${hex(m.uart0.base)}`, {
      compatible: prop.string('ns16550a'),
      reg: reg(m.uart0.base, m.uart0.size),
      'clock-frequency': prop.u32(VIRT_UART_CLOCK_FREQ),
      ...plicIrq(m.uart0.irq),
    }),
    ...virtio,
  ]);

  return node('', {
    '#address-cells': prop.u32(2),
    '#size-cells': prop.u32(2),
    compatible: prop.string('riscv-virtio'),
    model: prop.string('riscv-virtio,qemu'),
  }, [chosen, cpus, memory, sysconAction('poweroff', 0x5555), sysconAction('reboot', 0x7777), soc]);
}

/** Builds the board's DTB blob. */
export function buildVirtDtb(cfg: VirtDtbConfig): Uint8Array {
  const opts = cfg.minTotalSize === undefined ? {} : { minTotalSize: cfg.minTotalSize };
  return writeFdt(buildVirtTree(cfg), opts);
}

/**
 * Where the virt board puts boot payloads, following QEMU's hw/riscv/boot.c so guests see the same layout:
 * firmware at the start of DRAM; the kernel at the next 2 MiB boundary after the firmware (or at DRAM + 2 MiB
 * with hv's built-in SBI); the initrd at kernel + min(RAM/2, 128 MiB); the DTB 2 MiB-aligned below the end
 * of DRAM (or below 3 GiB); OpenSBI's fw_dynamic info (a2) just below the DTB.
 */
import type { GuestMemory } from '../../memory/guest-memory.js';
import { inspectElf, isElf, type ElfImage } from '../../boot/elf.js';
import { isLinuxImage, parseLinuxImage } from '../../boot/linux-image.js';
import { BootError } from '../../boot/errors.js';
import { VIRT_MEMMAP } from './memmap.js';

export interface BootFile { data: Uint8Array; name: string }

export type BootPayload =
  /** `--bios none --kernel FILE.elf`: a bare ELF started in M-mode at its entry. */
  | { kind: 'bare'; kernel: BootFile }
  /** A Linux kernel (Image or ELF), with hv's built-in SBI (no firmware) or with firmware in M-mode. */
  | { kind: 'linux'; kernel: BootFile; initrd?: BootFile; bootargs: string; firmware?: BootFile };

export interface BootPlan {
  /** 'sbi': hart 0 enters the kernel in S-mode, ECALLs go to the built-in SBI; 'mmode': harts start in M-mode. */
  readonly mode: 'sbi' | 'mmode';
  readonly entry: number;
  readonly bootargs?: string;
  readonly initrd?: { start: number; end: number };
  /** HTIF tohost / fromhost of a bare ELF. */
  readonly watch?: number;
  readonly fromhost?: number;
  /** Writes the payload into RAM. */
  load(mem: GuestMemory): void;
  /** Guest-physical address for a DTB of `size` bytes. */
  dtbAddress(size: number): number;
  /** For OpenSBI fw_dynamic: writes struct fw_dynamic_info and returns its address (a2). */
  firmwareInfo?(dtbAddr: number): number;
}

const MiB = 1024 * 1024;
const RAM_BASE = VIRT_MEMMAP.dram.base;
const alignUp = (v: number, a: number): number => Math.ceil(v / a) * a;
const alignDown = (v: number, a: number): number => Math.floor(v / a) * a;

/** QEMU riscv_compute_fdt_addr: 2 MiB-aligned, below min(end of DRAM, 3 GiB). */
function fdtAddress(ramSize: number, size: number): number {
  const end = Math.min(RAM_BASE + ramSize, 3072 * MiB);
  return alignDown(end - size, 2 * MiB);
}

interface Loaded { start: number; end: number; write(mem: GuestMemory): void; entry: number; elf?: ElfImage }

/** Places a kernel or firmware file at `at` (raw/Image) or at its ELF physical addresses. */
function placeBinary(file: BootFile, at: number, ramSize: number, kind: 'kernel' | 'firmware'): Loaded {
  const ram = { base: RAM_BASE, size: ramSize };
  if (isElf(file.data)) {
    const elf = inspectElf(file.data, { name: file.name, ram });
    return {
      start: elf.lowAddress, end: elf.highAddress, entry: elf.entry, elf,
      write: (mem) => {
        for (const s of elf.segments) {
          if (s.fileSize > 0) mem.write(s.paddr, file.data.subarray(s.offset, s.offset + s.fileSize));
          if (s.memSize > s.fileSize) mem.fill(s.paddr + s.fileSize, s.memSize - s.fileSize, 0);
        }
      },
    };
  }
  let size = file.data.length;
  if (kind === 'kernel') {
    if (!isLinuxImage(file.data)) throw new BootError(file.name, 'not-image', 'not a RISC-V Linux Image or ELF file');
    size = parseLinuxImage(file.data, file.name).memSize;
  }
  if (file.data.length === 0) throw new BootError(file.name, 'placement', 'file is empty');
  if (at + size > RAM_BASE + ramSize) {
    throw new BootError(file.name, 'placement', `${kind} needs ${size} bytes at 0x${at.toString(16)}, beyond the end of RAM (0x${(RAM_BASE + ramSize).toString(16)}); give the VM more memory`);
  }
  return { start: at, end: at + size, entry: at, write: (mem) => mem.write(at, file.data) };
}

export function placeBoot(p: BootPayload, mem: GuestMemory, _harts: number): BootPlan {
  const ramSize = mem.ramSize;
  if (p.kind === 'bare') {
    if (!isElf(p.kernel.data)) throw new BootError(p.kernel.name, 'not-elf', 'not an ELF file (--bios none runs a bare ELF)');
    const k = placeBinary(p.kernel, RAM_BASE, ramSize, 'firmware');
    const tohost = k.elf?.symbolAddress('tohost');
    const fromhost = k.elf?.symbolAddress('fromhost');
    return {
      mode: 'mmode', entry: k.entry,
      ...(tohost !== undefined ? { watch: tohost } : {}),
      ...(fromhost !== undefined ? { fromhost } : {}),
      load: (m) => k.write(m),
      dtbAddress: (size) => fdtAddress(ramSize, size),
    };
  }
  const fw = p.firmware ? placeBinary(p.firmware, RAM_BASE, ramSize, 'firmware') : undefined;
  const kernelAt = fw ? alignUp(fw.end, 2 * MiB) : RAM_BASE + 2 * MiB;
  const k = placeBinary(p.kernel, kernelAt, ramSize, 'kernel');
  if (fw && k.start < fw.end) throw new BootError(p.kernel.name, 'placement', 'kernel overlaps the firmware');
  let initrd: { start: number; end: number } | undefined;
  if (p.initrd) {
    const start = alignUp(Math.max(k.entry + Math.min(ramSize / 2, 128 * MiB), k.end), 4096);
    const end = start + p.initrd.data.length;
    if (end > fdtAddress(ramSize, 64 * 1024)) {
      throw new BootError(p.initrd.name, 'placement', `initrd (${p.initrd.data.length} bytes) does not fit in RAM above the kernel; give the VM more memory`);
    }
    initrd = { start, end };
  }
  const initrdData = p.initrd?.data;
  const fwInfo = fw ? (dtbAddr: number): number => {
    // struct fw_dynamic_info (OpenSBI include/sbi/fw_dynamic.h), version 2, all fields unsigned long.
    const at = dtbAddr - 64;
    const b = new DataView(new ArrayBuffer(48));
    b.setBigUint64(0, 0x4942534fn, true);       // magic "OSBI"
    b.setBigUint64(8, 2n, true);                // version
    b.setBigUint64(16, BigInt(k.entry), true);  // next_addr
    b.setBigUint64(24, 1n, true);               // next_mode = S
    b.setBigUint64(32, 0n, true);               // options
    b.setBigUint64(40, (1n << 64n) - 1n, true); // boot_hart = any (-1)
    mem.write(at, new Uint8Array(b.buffer));
    return at;
  } : undefined;
  return {
    mode: fw ? 'mmode' : 'sbi',
    entry: fw ? fw.entry : k.entry,
    bootargs: p.bootargs,
    ...(initrd ? { initrd } : {}),
    load: (m) => {
      fw?.write(m);
      k.write(m);
      if (initrd && initrdData) m.write(initrd.start, initrdData);
    },
    dtbAddress: (size) => fdtAddress(ramSize, size),
    ...(fwInfo ? { firmwareInfo: fwInfo } : {}),
  };
}

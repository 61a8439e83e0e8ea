/**
 * Tests for the ELF64 kernel loader: hand-built ELF images for every validation path, and a
 * real ELF linked by the RISC-V cross toolchain when it is installed.
 */
import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectElf, loadElf, isElf, EM_RISCV, PF_R, PF_W, PF_X, type ElfImage } from './elf.js';
import { BootError, type BootErrorCode } from './errors.js';
import { UserError } from '../base/errors.js';
import type { GuestMemory } from '../memory/guest-memory.js';

const RAM_BASE = 0x8000_0000;
const RAM_SIZE = 1 << 20; // 1 MiB is plenty for these images
const RAM = { base: RAM_BASE, size: RAM_SIZE };

// ---------------------------------------------------------------------------------------------
// A tiny ELF64 writer: header, program headers, segment bytes, then .strtab/.symtab and the
// section header table. It records where everything went so tests can corrupt single fields.

interface SegSpec {
  type?: number;
  paddr: bigint | number;
  vaddr?: bigint | number;
  data?: Uint8Array;
  memsz?: bigint | number;
  flags?: number;
}
interface SymSpec { name: string; value: bigint | number; bind?: number; type?: number; shndx?: number; size?: number }
interface ElfSpec {
  entry: bigint | number;
  segments: SegSpec[];
  symbols?: SymSpec[];
  type?: number;
  machine?: number;
}
interface BuiltElf {
  bytes: Uint8Array;
  dv: DataView;
  phoff: number;
  /** Offset of the data of segment i. */
  segOffsets: number[];
  shoff: number;
  symtabOff: number;
  strtabOff: number;
}

const align = (n: number, a: number) => Math.ceil(n / a) * a;

function buildElf(spec: ElfSpec): BuiltElf {
  const phoff = 64;
  let off = phoff + 56 * spec.segments.length;
  const segOffsets: number[] = [];
  for (const s of spec.segments) {
    off = align(off, 8);
    segOffsets.push(off);
    off += s.data?.length ?? 0;
  }
  const syms = spec.symbols ?? [];
  const strParts: number[] = [0];
  const nameOffs: number[] = [];
  for (const s of syms) {
    nameOffs.push(strParts.length);
    strParts.push(...new TextEncoder().encode(s.name), 0);
  }
  const strtabOff = align(off, 8);
  const symtabOff = align(strtabOff + strParts.length, 8);
  const symtabSize = 24 * (syms.length + 1);
  const shoff = align(symtabOff + symtabSize, 8);
  const withSections = spec.symbols !== undefined;
  const total = withSections ? shoff + 64 * 3 : off;
  const bytes = new Uint8Array(total);
  const dv = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, spec.type ?? 2, true);
  dv.setUint16(18, spec.machine ?? EM_RISCV, true);
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(spec.entry), true);
  dv.setBigUint64(32, BigInt(phoff), true);
  dv.setBigUint64(40, withSections ? BigInt(shoff) : 0n, true);
  dv.setUint32(48, 0x5, true); // RVC, double-float ABI
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, spec.segments.length, true);
  dv.setUint16(58, withSections ? 64 : 0, true);
  dv.setUint16(60, withSections ? 3 : 0, true);
  dv.setUint16(62, withSections ? 2 : 0, true);
  spec.segments.forEach((s, i) => {
    const o = phoff + 56 * i;
    const len = s.data?.length ?? 0;
    dv.setUint32(o, s.type ?? 1, true);
    dv.setUint32(o + 4, s.flags ?? PF_R | PF_X, true);
    dv.setBigUint64(o + 8, BigInt(segOffsets[i]!), true);
    dv.setBigUint64(o + 16, BigInt(s.vaddr ?? s.paddr), true);
    dv.setBigUint64(o + 24, BigInt(s.paddr), true);
    dv.setBigUint64(o + 32, BigInt(len), true);
    dv.setBigUint64(o + 40, BigInt(s.memsz ?? len), true);
    dv.setBigUint64(o + 48, 8n, true);
    if (s.data) bytes.set(s.data, segOffsets[i]!);
  });
  if (withSections) {
    bytes.set(strParts, strtabOff);
    syms.forEach((s, i) => {
      const o = symtabOff + 24 * (i + 1);
      dv.setUint32(o, nameOffs[i]!, true);
      bytes[o + 4] = ((s.bind ?? 1) << 4) | (s.type ?? 1);
      dv.setUint16(o + 6, s.shndx ?? 1, true);
      dv.setBigUint64(o + 8, BigInt(s.value), true);
      dv.setBigUint64(o + 16, BigInt(s.size ?? 8), true);
    });
    // Section 0 is the null section; 1 = .symtab (link → 2), 2 = .strtab.
    const sh = (i: number, type: number, offset: number, size: number, link: number, entsize: number) => {
      const o = shoff + 64 * i;
      dv.setUint32(o + 4, type, true);
      dv.setBigUint64(o + 24, BigInt(offset), true);
      dv.setBigUint64(o + 32, BigInt(size), true);
      dv.setUint32(o + 40, link, true);
      dv.setBigUint64(o + 56, BigInt(entsize), true);
    };
    sh(1, 2, symtabOff, symtabSize, 2, 24);
    sh(2, 3, strtabOff, strParts.length, 0, 0);
  }
  return { bytes, dv, phoff, segOffsets, shoff, symtabOff, strtabOff };
}

/** Code bytes (any content will do; the loader never decodes them). */
const code = (n: number, seed = 1) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);

/** A typical bare-metal test program: text at RAM base, tohost on its own page, bss after. */
function goodSpec(): ElfSpec {
  return {
    entry: RAM_BASE,
    segments: [
      { paddr: RAM_BASE, data: code(0x100), flags: PF_R | PF_X },
      { paddr: RAM_BASE + 0x1000, data: code(0x20, 9), memsz: 0x1000, flags: PF_R | PF_W },
    ],
    symbols: [
      { name: '_start', value: RAM_BASE, type: 2 },
      { name: 'tohost', value: RAM_BASE + 0x1000 },
      { name: 'fromhost', value: RAM_BASE + 0x1040 },
    ],
  };
}

function expectBootError(fn: () => unknown, code: BootErrorCode, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BootError, `expected BootError, got ${String(e)}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    assert.ok(!e.message.includes('\n'), 'messages are one line');
    return true;
  });
}

const inspect = (bytes: Uint8Array) => inspectElf(bytes, { name: 'kernel.elf', ram: RAM });

/** A plain-array GuestMemory (the loader must work with any implementation of the interface). */
class ArrayMemory implements GuestMemory {
  readonly ramBase = RAM_BASE;
  readonly ramSize = RAM_SIZE;
  readonly bytes = new Uint8Array(RAM_SIZE);
  private readonly dv = new DataView(this.bytes.buffer);
  isRam(addr: number, len: number): boolean { return addr >= this.ramBase && len >= 0 && addr + len <= this.ramBase + this.ramSize; }
  private off(addr: number, len: number): number {
    if (!this.isRam(addr, len)) throw new RangeError(`outside RAM: 0x${addr.toString(16)}+${len}`);
    return addr - this.ramBase;
  }
  read(addr: number, len: number): Uint8Array { const o = this.off(addr, len); return this.bytes.slice(o, o + len); }
  view(addr: number, len: number): Uint8Array { const o = this.off(addr, len); return this.bytes.subarray(o, o + len); }
  writableView(addr: number, len: number): Uint8Array { return this.view(addr, len); }
  write(addr: number, data: Uint8Array): void { this.bytes.set(data, this.off(addr, data.length)); }
  fill(addr: number, len: number, value: number): void { const o = this.off(addr, len); this.bytes.fill(value, o, o + len); }
  read8(addr: number): number { return this.bytes[this.off(addr, 1)]!; }
  read16(addr: number): number { return this.dv.getUint16(this.off(addr, 2), true); }
  read32(addr: number): number { return this.dv.getUint32(this.off(addr, 4), true); }
  read64(addr: number): bigint { return this.dv.getBigUint64(this.off(addr, 8), true); }
  write8(addr: number, v: number): void { this.bytes[this.off(addr, 1)] = v; }
  write16(addr: number, v: number): void { this.dv.setUint16(this.off(addr, 2), v, true); }
  write32(addr: number, v: number): void { this.dv.setUint32(this.off(addr, 4), v >>> 0, true); }
  write64(addr: number, v: bigint): void { this.dv.setBigUint64(this.off(addr, 8), BigInt.asUintN(64, v), true); }
}

function newMemory(): ArrayMemory {
  return new ArrayMemory();
}

// ---------------------------------------------------------------------------------------------

describe('inspectElf: valid files', () => {
  test('reports entry, segments, extent and symbols', () => {
    const img = inspect(buildElf(goodSpec()).bytes);
    assert.equal(img.name, 'kernel.elf');
    assert.equal(img.type, 'exec');
    assert.equal(img.flags, 0x5);
    assert.equal(img.entry, RAM_BASE);
    assert.equal(img.entryVirtual, BigInt(RAM_BASE));
    assert.equal(img.segments.length, 2);
    assert.deepEqual(img.segments.map((s) => [s.index, s.paddr, s.fileSize, s.memSize, s.flags]), [
      [0, RAM_BASE, 0x100, 0x100, PF_R | PF_X],
      [1, RAM_BASE + 0x1000, 0x20, 0x1000, PF_R | PF_W],
    ]);
    assert.equal(img.lowAddress, RAM_BASE);
    assert.equal(img.highAddress, RAM_BASE + 0x2000);
    assert.equal(img.symbolAddress('tohost'), RAM_BASE + 0x1000);
    assert.equal(img.symbolAddress('fromhost'), RAM_BASE + 0x1040);
    assert.equal(img.symbols.get('_start')?.type, 2);
    assert.equal(img.symbolAddress('missing'), undefined);
  });

  test('isElf looks only at the magic', () => {
    assert.equal(isElf(buildElf(goodSpec()).bytes), true);
    assert.equal(isElf(Uint8Array.of(0x7f, 0x45, 0x4c)), false);
    assert.equal(isElf(new TextEncoder().encode('MZ\0\0')), false);
  });

  test('a stripped file (no section headers) has no symbols', () => {
    const spec = goodSpec();
    delete spec.symbols;
    const img = inspect(buildElf(spec).bytes);
    assert.equal(img.symbols.size, 0);
    assert.equal(img.symbolAddress('tohost'), undefined);
  });

  test('the default name is "kernel"', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(18, 62, true);
    expectBootError(() => inspectElf(b.bytes, { ram: RAM }), 'elf-machine', 'kernel: machine 62 (x86-64) is not RISC-V');
  });

  test('entry and symbols are translated when p_vaddr differs from p_paddr', () => {
    const VA = 0xffff_ffff_8000_0000n;
    const img = inspect(buildElf({
      entry: VA + 0x10n,
      segments: [{ paddr: RAM_BASE + 0x8_0000, vaddr: VA, data: code(0x100), memsz: 0x2000 }],
      symbols: [{ name: 'tohost', value: VA + 0x1008n }, { name: 'elsewhere', value: 0x1234 }],
    }).bytes);
    assert.equal(img.entry, RAM_BASE + 0x8_0000 + 0x10);
    assert.equal(img.entryVirtual, VA + 0x10n);
    assert.equal(img.segments[0]!.vaddr, VA);
    assert.equal(img.symbolAddress('tohost'), RAM_BASE + 0x8_0000 + 0x1008);
    assert.equal(img.symbolAddress('elsewhere'), undefined);
  });

  test('ET_DYN linked at a RAM address is accepted', () => {
    const spec = goodSpec();
    spec.type = 3;
    assert.equal(inspect(buildElf(spec).bytes).type, 'dyn');
  });

  test('non-LOAD program headers and empty LOAD segments are ignored', () => {
    const spec = goodSpec();
    spec.segments.push({ type: 0x6474e551 /* PT_GNU_STACK */, paddr: 0, flags: PF_R | PF_W });
    spec.segments.push({ paddr: 0x10, memsz: 0 }); // empty, outside RAM: harmless
    const img = inspect(buildElf(spec).bytes);
    assert.equal(img.segments.length, 2);
  });

  test('a global symbol wins over a local one of the same name; undefined and section symbols are skipped', () => {
    const spec = goodSpec();
    spec.symbols = [
      { name: 'dup', value: RAM_BASE + 4, bind: 0 },
      { name: 'dup', value: RAM_BASE + 8, bind: 1 },
      { name: 'dup', value: RAM_BASE + 12, bind: 1 },
      { name: 'undef', value: 0, shndx: 0 },
      { name: 'sect', value: RAM_BASE, type: 3 },
      { name: 'file.c', value: 0, type: 4, shndx: 0xfff1 },
      { name: 'abs', value: 42, shndx: 0xfff1 },
    ];
    const img = inspect(buildElf(spec).bytes);
    assert.equal(img.symbols.get('dup')?.value, BigInt(RAM_BASE + 8));
    assert.equal(img.symbols.has('undef'), false);
    assert.equal(img.symbols.has('sect'), false);
    assert.equal(img.symbols.has('file.c'), false);
    assert.equal(img.symbols.get('abs')?.value, 42n);
  });

  test('accepts a Uint8Array that is a window into a larger buffer', () => {
    const b = buildElf(goodSpec()).bytes;
    const big = new Uint8Array(b.length + 100);
    big.set(b, 37);
    assert.equal(inspect(big.subarray(37, 37 + b.length)).entry, RAM_BASE);
  });
});

describe('inspectElf: identification errors', () => {
  test('not an ELF file', () => {
    expectBootError(() => inspect(new Uint8Array(0)), 'not-elf', 'kernel.elf: not an ELF file');
    expectBootError(() => inspect(new TextEncoder().encode('#!/bin/sh\necho hi\n')), 'not-elf', 'kernel.elf: not an ELF file');
    expectBootError(() => inspect(Uint8Array.of(0x7f, 0x45, 0x4c)), 'not-elf', 'kernel.elf: not an ELF file');
  });
  test('truncated header', () => {
    const b = buildElf(goodSpec()).bytes.subarray(0, 40);
    expectBootError(() => inspect(b), 'truncated', 'kernel.elf: file is truncated (40 bytes, shorter than the 64-byte ELF header)');
    expectBootError(() => inspect(b.subarray(0, 5)), 'truncated', 'kernel.elf: file is truncated (EI_DATA at offset 0x5 runs past the end)');
  });
  test('32-bit ELF', () => {
    // An ELF32 header is 52 bytes; the class is reported, not the short length.
    const short = buildElf(goodSpec()).bytes.slice(0, 52);
    short[4] = 1;
    expectBootError(() => inspect(short), 'elf-class', 'kernel.elf: ELF class 32 is not supported (need 64-bit RISC-V)');
    const b = buildElf(goodSpec());
    b.bytes[4] = 1;
    expectBootError(() => inspect(b.bytes), 'elf-class', 'kernel.elf: ELF class 32 is not supported (need 64-bit RISC-V)');
    b.bytes[4] = 7;
    expectBootError(() => inspect(b.bytes), 'elf-class', 'kernel.elf: invalid ELF class 7 (need 64-bit RISC-V)');
  });
  test('big-endian or invalid data encoding', () => {
    const b = buildElf(goodSpec());
    b.bytes[5] = 2;
    expectBootError(() => inspect(b.bytes), 'elf-endian', /big-endian ELF is not supported/);
    b.bytes[5] = 0;
    expectBootError(() => inspect(b.bytes), 'elf-endian', 'kernel.elf: invalid ELF data encoding 0');
  });
  test('ELF version', () => {
    const b = buildElf(goodSpec());
    b.bytes[6] = 2;
    expectBootError(() => inspect(b.bytes), 'elf-version', 'kernel.elf: unsupported ELF version 2');
    b.bytes[6] = 1;
    b.dv.setUint32(20, 0, true);
    expectBootError(() => inspect(b.bytes), 'elf-version', 'kernel.elf: unsupported ELF version 0');
  });
  test('wrong machine', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(18, 62, true);
    expectBootError(() => inspect(b.bytes), 'elf-machine', 'kernel.elf: machine 62 (x86-64) is not RISC-V');
    b.dv.setUint16(18, 183, true);
    expectBootError(() => inspect(b.bytes), 'elf-machine', 'kernel.elf: machine 183 (AArch64) is not RISC-V');
    b.dv.setUint16(18, 9999, true);
    expectBootError(() => inspect(b.bytes), 'elf-machine', 'kernel.elf: machine 9999 is not RISC-V');
  });
  test('not an executable', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(16, 1, true);
    expectBootError(() => inspect(b.bytes), 'elf-type', /relocatable object file \(\.o\), not an executable; link it first$/);
    b.dv.setUint16(16, 4, true);
    expectBootError(() => inspect(b.bytes), 'elf-type', 'kernel.elf: is a core dump, not an executable');
    b.dv.setUint16(16, 0, true);
    expectBootError(() => inspect(b.bytes), 'elf-type', 'kernel.elf: ELF type 0 is not an executable');
  });
});

describe('inspectElf: program header errors', () => {
  test('no program headers', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(56, 0, true);
    expectBootError(() => inspect(b.bytes), 'no-segments', 'kernel.elf: has no program headers, so there is nothing to load');
  });
  test('extended numbering', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(56, 0xffff, true);
    expectBootError(() => inspect(b.bytes), 'program-headers', /extended program header numbering/);
  });
  test('program header entry too small', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(54, 32, true);
    expectBootError(() => inspect(b.bytes), 'program-headers', 'kernel.elf: program header size 32 is too small (need 56)');
  });
  test('program headers past the end of the file', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(32, BigInt(b.bytes.length - 60), true);
    expectBootError(() => inspect(b.bytes), 'program-headers', /program headers \(2 at offset 0x[0-9a-f]+\) extend past the end of the file/);
    b.dv.setBigUint64(32, 0xffff_ffff_ffff_fff0n, true); // would wrap in 64-bit arithmetic
    expectBootError(() => inspect(b.bytes), 'program-headers', /extend past the end of the file/);
  });
  test('dynamically linked program (PT_INTERP)', () => {
    const interp = new TextEncoder().encode('/lib/ld-linux-riscv64-lp64d.so.1\0');
    const spec = goodSpec();
    spec.segments.unshift({ type: 3, paddr: 0, data: interp, flags: PF_R });
    expectBootError(() => inspect(buildElf(spec).bytes), 'elf-dynamic',
      'kernel.elf: is a dynamically linked program (it asks for /lib/ld-linux-riscv64-lp64d.so.1), not a bare-metal kernel');
    const spec2 = goodSpec();
    spec2.segments.unshift({ type: 3, paddr: 0, data: Uint8Array.of(1, 2, 0), flags: PF_R });
    expectBootError(() => inspect(buildElf(spec2).bytes), 'elf-dynamic', 'kernel.elf: is a dynamically linked program, not a bare-metal kernel');
  });
  test('file size larger than memory size', () => {
    const spec = goodSpec();
    spec.segments[0]!.memsz = 0x80;
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment', 'kernel.elf: segment 0: file size 0x100 is larger than its memory size 0x80');
  });
  test('segment data past the end of the file', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(b.phoff + 56 + 32, 0x10000n, true); // p_filesz of segment 1
    b.dv.setBigUint64(b.phoff + 56 + 40, 0x10000n, true);
    expectBootError(() => inspect(b.bytes), 'truncated', /^kernel\.elf: file is truncated \(segment 1 needs bytes 0x[0-9a-f]+\.\.0x[0-9a-f]+, the file has 0x[0-9a-f]+\)$/);
    const c = buildElf(goodSpec());
    c.dv.setBigUint64(c.phoff + 8, 0xffff_ffff_ffff_ff00n, true); // p_offset near 2^64
    expectBootError(() => inspect(c.bytes), 'truncated', /segment 0 needs bytes/);
  });
  test('a bss-only segment may point past the end of the file', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(b.phoff + 56 + 8, 0xffff_ffffn, true); // p_offset of segment 1
    b.dv.setBigUint64(b.phoff + 56 + 32, 0n, true); // p_filesz = 0
    const img = inspect(b.bytes);
    assert.equal(img.segments[1]!.fileSize, 0);
    assert.equal(img.segments[1]!.memSize, 0x1000);
  });
  test('segment wrapping around the address space', () => {
    const spec = goodSpec();
    spec.segments[1] = { paddr: 0xffff_ffff_ffff_f000n, memsz: 0x2000, flags: PF_R | PF_W };
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment',
      'kernel.elf: segment 1 at 0xfffffffffffff000 with size 0x2000 wraps around the end of the address space');
    const spec2 = goodSpec();
    spec2.segments[1] = { paddr: RAM_BASE + 0x1000, vaddr: 0xffff_ffff_ffff_ff00n, memsz: 0x1000 };
    expectBootError(() => inspect(buildElf(spec2).bytes), 'segment', /wraps around the end of the address space/);
  });
  test('segment outside RAM', () => {
    const spec: ElfSpec = { entry: 0x1000, segments: [{ paddr: 0x1000, data: code(0x1000) }] };
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment-outside-ram',
      'kernel.elf: segment 0x1000..0x2000 lies outside RAM (0x80000000..0x80100000)');
  });
  test('segment running off the end of RAM', () => {
    const spec = goodSpec();
    spec.segments[1]!.memsz = RAM_SIZE;
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment-outside-ram',
      'kernel.elf: segment 0x80001000..0x80101000 lies outside RAM (0x80000000..0x80100000)');
  });
  test('position-independent file linked at 0 gets a hint', () => {
    const spec: ElfSpec = { type: 3, entry: 0, segments: [{ paddr: 0, data: code(0x100) }] };
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment-outside-ram',
      /lies outside RAM \(0x80000000\.\.0x80100000\); hv does not relocate position-independent ELFs, link it at its load address$/);
  });
  test('overlapping segments', () => {
    const spec = goodSpec();
    spec.segments.push({ paddr: RAM_BASE + 0x80, data: code(0x10) });
    expectBootError(() => inspect(buildElf(spec).bytes), 'segment-overlap',
      'kernel.elf: segments 0 (0x80000000..0x80000100) and 2 (0x80000080..0x80000090) overlap');
  });
  test('no loadable segments', () => {
    const spec: ElfSpec = { entry: RAM_BASE, segments: [{ type: 4 /* PT_NOTE */, paddr: 0, data: code(8) }, { paddr: RAM_BASE, memsz: 0 }] };
    expectBootError(() => inspect(buildElf(spec).bytes), 'no-segments', 'kernel.elf: has no loadable segments');
  });
  test('entry point outside every segment', () => {
    const spec = goodSpec();
    spec.entry = RAM_BASE + 0x8000;
    expectBootError(() => inspect(buildElf(spec).bytes), 'entry', 'kernel.elf: entry point 0x80008000 is not inside any loaded segment');
    spec.entry = 0;
    expectBootError(() => inspect(buildElf(spec).bytes), 'entry', 'kernel.elf: entry point 0x0 is not inside any loaded segment');
  });
  test('misaligned entry point', () => {
    const spec = goodSpec();
    spec.entry = RAM_BASE + 3;
    expectBootError(() => inspect(buildElf(spec).bytes), 'entry', 'kernel.elf: entry point 0x80000003 is not 2-byte aligned');
  });
});

describe('inspectElf: section and symbol table errors', () => {
  test('section header entry too small', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(58, 40, true);
    expectBootError(() => inspect(b.bytes), 'section-headers', 'kernel.elf: section header size 40 is too small (need 64)');
  });
  test('section headers past the end of the file', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(40, BigInt(b.bytes.length), true);
    expectBootError(() => inspect(b.bytes), 'section-headers', /section headers at offset 0x[0-9a-f]+ lie past the end of the file/);
    const c = buildElf(goodSpec());
    c.dv.setUint16(60, 200, true);
    expectBootError(() => inspect(c.bytes), 'section-headers', /section headers \(200 at offset 0x[0-9a-f]+\) extend past the end of the file/);
  });
  test('extended section count (e_shnum = 0) is read from section 0', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint16(60, 0, true);
    b.dv.setBigUint64(b.shoff + 32, 3n, true);
    assert.equal(inspect(b.bytes).symbolAddress('tohost'), RAM_BASE + 0x1000);
    b.dv.setBigUint64(b.shoff + 32, 1n << 40n, true);
    expectBootError(() => inspect(b.bytes), 'section-headers', /extend past the end of the file/);
  });
  const symtabHdr = (b: BuiltElf) => b.shoff + 64;
  test('bad symbol entry size', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(symtabHdr(b) + 56, 16n, true);
    expectBootError(() => inspect(b.bytes), 'symbols', 'kernel.elf: symbol table is damaged (entry size 16, expected 24)');
  });
  test('symbol table past the end of the file', () => {
    const b = buildElf(goodSpec());
    b.dv.setBigUint64(symtabHdr(b) + 32, 24n * 1000n, true);
    expectBootError(() => inspect(b.bytes), 'symbols', 'kernel.elf: symbol table is damaged (it extends past the end of the file)');
  });
  test('missing or wrong string table', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint32(symtabHdr(b) + 40, 7, true);
    expectBootError(() => inspect(b.bytes), 'symbols', 'kernel.elf: symbol table is damaged (string table index 7 does not exist)');
    b.dv.setUint32(symtabHdr(b) + 40, 1, true); // points at itself
    expectBootError(() => inspect(b.bytes), 'symbols', 'kernel.elf: symbol table is damaged (section 1 is not a string table)');
    const c = buildElf(goodSpec());
    c.dv.setBigUint64(c.shoff + 128 + 32, 1n << 20n, true); // .strtab size
    expectBootError(() => inspect(c.bytes), 'symbols', 'kernel.elf: symbol table is damaged (its string table extends past the end of the file)');
  });
  test('symbol names outside the string table or unterminated', () => {
    const b = buildElf(goodSpec());
    b.dv.setUint32(b.symtabOff + 24, 0x5000, true);
    expectBootError(() => inspect(b.bytes), 'symbols', 'kernel.elf: symbol table is damaged (symbol 1 has name offset 0x5000 outside the string table)');
    const c = buildElf(goodSpec());
    const strSize = Number(c.dv.getBigUint64(c.shoff + 128 + 32, true));
    c.bytes[c.strtabOff + strSize - 1] = 0x41; // drop the final NUL
    expectBootError(() => inspect(c.bytes), 'symbols', 'kernel.elf: symbol table is damaged (symbol 3 has an unterminated name)');
  });
});

describe('BootError', () => {
  test('is a UserError with exit status 2, a file and a code', () => {
    try {
      inspect(new Uint8Array(4));
      assert.fail('should throw');
    } catch (e) {
      assert.ok(e instanceof UserError);
      assert.ok(e instanceof BootError);
      assert.equal(e.exitStatus, 2);
      assert.equal(e.name, 'BootError');
      assert.equal((e as BootError).file, 'kernel.elf');
      assert.equal((e as BootError).detail, 'not an ELF file');
    }
  });
  test('a nonsensical RAM window is a programming error, not a BootError', () => {
    assert.throws(() => inspectElf(buildElf(goodSpec()).bytes, { ram: { base: 0, size: 0 } }), RangeError);
  });
});

describe('loadElf', () => {
  test('copies segments to their physical addresses and zeroes bss', () => {
    const mem = newMemory();
    mem.fill(RAM_BASE, RAM_SIZE, 0xaa);
    const spec = goodSpec();
    const img = loadElf(buildElf(spec).bytes, mem, { name: 'kernel.elf' });
    assert.equal(img.entry, RAM_BASE);
    assert.deepEqual(mem.read(RAM_BASE, 0x100), spec.segments[0]!.data);
    assert.equal(mem.read8(RAM_BASE + 0x100), 0xaa, 'bytes after a segment without bss are untouched');
    assert.deepEqual(mem.read(RAM_BASE + 0x1000, 0x20), spec.segments[1]!.data);
    assert.ok(mem.read(RAM_BASE + 0x1020, 0x1000 - 0x20).every((b) => b === 0), 'bss is zeroed');
    assert.equal(mem.read8(RAM_BASE + 0x2000), 0xaa, 'bytes after bss are untouched');
    assert.equal(img.symbolAddress('tohost'), RAM_BASE + 0x1000);
  });

  test('writes nothing when the file is invalid', () => {
    const mem = newMemory();
    mem.fill(RAM_BASE, RAM_SIZE, 0xaa);
    const spec = goodSpec();
    spec.entry = RAM_BASE + 0x9000; // the segments are fine; the entry point is not
    expectBootError(() => loadElf(buildElf(spec).bytes, mem, { name: 'kernel.elf' }), 'entry', /entry point/);
    assert.ok(mem.read(RAM_BASE, 0x2000).every((b) => b === 0xaa));
  });

  test('uses the RAM window of the memory it loads into', () => {
    const spec = goodSpec();
    spec.segments[1]!.memsz = 0x20_0000;
    expectBootError(() => loadElf(buildElf(spec).bytes, newMemory()), 'segment-outside-ram',
      'kernel: segment 0x80001000..0x80201000 lies outside RAM (0x80000000..0x80100000)');
  });
});

// ---------------------------------------------------------------------------------------------
// A real ELF from the cross toolchain, cross-checked against binutils.

const CROSS = 'riscv64-linux-gnu-';
const haveCross = spawnSync(`${CROSS}gcc`, ['--version'], { stdio: 'ignore' }).status === 0;

describe('a real ELF built with riscv64-linux-gnu-gcc', { skip: haveCross ? false : `${CROSS}gcc is not installed` }, () => {
  let dir = '';
  let elf: Uint8Array = new Uint8Array(0);
  let image: ElfImage | undefined;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  };

  test('build', () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-elf-'));
    writeFileSync(join(dir, 'start.S'), [
      '  .section .text.init, "ax"',
      '  .globl _start',
      '_start:',
      '  la t0, counter',
      '  ld t1, 0(t0)',
      '  addi t1, t1, 1',
      '  sd t1, 0(t0)',
      '  li t2, 1',
      '  la t3, tohost',
      '  sd t2, 0(t3)',
      '1: j 1b',
      '  .section .tohost, "aw", @progbits',
      '  .align 6',
      '  .globl tohost',
      'tohost: .dword 0',
      '  .align 6',
      '  .globl fromhost',
      'fromhost: .dword 0',
      '  .data',
      'message: .asciz "hello from hv"',
      '  .bss',
      '  .globl counter',
      'counter: .space 4096',
      '',
    ].join('\n'));
    writeFileSync(join(dir, 'link.ld'), [
      'OUTPUT_ARCH(riscv)',
      'ENTRY(_start)',
      'SECTIONS {',
      '  . = 0x80000000;',
      '  .text.init : { *(.text.init) }',
      '  .text : { *(.text) }',
      '  . = ALIGN(0x1000);',
      '  .tohost : { *(.tohost) }',
      '  . = ALIGN(0x1000);',
      '  .data : { *(.data) }',
      '  .bss : { *(.bss) }',
      '}',
      '',
    ].join('\n'));
    run(`${CROSS}gcc`, ['-march=rv64gc', '-mabi=lp64d', '-nostdlib', '-nostartfiles', '-static',
      '-Wl,--build-id=none', '-T', 'link.ld', '-o', 'test.elf', 'start.S']);
    elf = readFileSync(join(dir, 'test.elf'));
  });

  test('inspectElf agrees with readelf and nm', () => {
    image = inspectElf(elf, { name: 'test.elf', ram: RAM });
    const header = run(`${CROSS}readelf`, ['-h', 'test.elf']);
    const entry = Number.parseInt(/Entry point address:\s+0x([0-9a-f]+)/.exec(header)![1]!, 16);
    assert.equal(image.entry, entry);
    const nm = run(`${CROSS}nm`, ['test.elf']);
    for (const sym of ['_start', 'tohost', 'fromhost', 'counter']) {
      const m = new RegExp(`^([0-9a-f]+) \\w ${sym}$`, 'm').exec(nm);
      assert.ok(m, `nm lists ${sym}`);
      assert.equal(image.symbolAddress(sym), Number.parseInt(m[1]!, 16), sym);
    }
    const loads = run(`${CROSS}readelf`, ['-lW', 'test.elf']).split('\n').filter((l) => /^\s+LOAD\s/.test(l));
    const sizedLoads = loads.filter((l) => Number.parseInt(l.trim().split(/\s+/)[5]!, 16) > 0);
    assert.equal(image.segments.length, sizedLoads.length);
  });

  test('loadElf reproduces objcopy -O binary and zeroes bss', () => {
    run(`${CROSS}objcopy`, ['-O', 'binary', 'test.elf', 'test.bin']);
    const bin = readFileSync(join(dir, 'test.bin'));
    const mem = newMemory();
    mem.fill(RAM_BASE, RAM_SIZE, 0x5a);
    const img = loadElf(elf, mem, { name: 'test.elf' });
    assert.equal(img.lowAddress, RAM_BASE);
    // objcopy fills gaps between sections with zeros; the loader leaves gaps untouched, so
    // compare only the bytes that belong to a segment.
    for (const s of img.segments) {
      const from = s.paddr - RAM_BASE;
      const fileEnd = Math.min(s.fileSize, bin.length - from);
      assert.deepEqual(mem.read(s.paddr, fileEnd), new Uint8Array(bin.subarray(from, from + fileEnd)), `segment ${s.index}`);
    }
    const counter = img.symbolAddress('counter')!;
    assert.ok(mem.read(counter, 4096).every((b) => b === 0), 'bss zeroed');
  });

  after(() => { if (dir !== '') rmSync(dir, { recursive: true, force: true }); });
});

/**
 * ELF64 loader for bare-metal RISC-V kernels (`hv run --bios none --kernel FILE.elf`).
 *
 * The file is untrusted input: every header field is checked before it is used, all 64-bit
 * arithmetic is done in BigInt so nothing wraps, and nothing is written to guest memory until
 * the whole file has been validated. Spec: System V ABI (ELF-64 Object File Format 1.5) and
 * the RISC-V ELF psABI (EM_RISCV = 243).
 *
 * Placement follows QEMU's `load_elf()` as used by the riscv `virt` board with `-bios none`:
 * each PT_LOAD segment is copied to its *physical* address p_paddr, the part of p_memsz beyond
 * p_filesz (bss) is zeroed, and the entry point is e_entry, translated from virtual to
 * physical when it lies in an executable segment whose p_vaddr differs from p_paddr.
 *
 * `inspectElf` validates without touching memory, so the CLI can refuse a bad kernel before it
 * builds a VM; `loadElf` validates again and then copies the segments through GuestMemory.
 */
import type { GuestMemory } from '../memory/guest-memory.js';
import { BootError, type BootErrorCode } from './errors.js';

/** ELF e_machine value for RISC-V. */
export const EM_RISCV = 243;

const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const; // "\x7fELF"
const EHDR_SIZE = 64;
const PHDR_MIN_SIZE = 56;
const SHDR_MIN_SIZE = 64;
const SYM_SIZE = 24;
const PN_XNUM = 0xffff;

const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;

const PT_LOAD = 1;
const PT_INTERP = 3;
/** Segment permission flags (p_flags). */
export const PF_X = 1;
export const PF_W = 2;
export const PF_R = 4;

const SHT_SYMTAB = 2;
const SHT_STRTAB = 3;
const SHN_UNDEF = 0;
const STT_SECTION = 3;
const STT_FILE = 4;
const STB_LOCAL = 0;

const U64_LIMIT = 1n << 64n;

/** Names of common e_machine values, so a wrong-architecture file is named in the error. */
const MACHINE_NAMES: Readonly<Record<number, string>> = {
  2: 'SPARC', 3: 'x86', 8: 'MIPS', 20: 'PowerPC', 21: 'PowerPC64', 22: 'S/390', 40: 'ARM',
  42: 'SuperH', 43: 'SPARC64', 50: 'IA-64', 62: 'x86-64', 183: 'AArch64', 243: 'RISC-V',
  247: 'BPF', 258: 'LoongArch',
};

/** A loadable (PT_LOAD) segment with a non-zero memory size. Addresses are guest-physical. */
export interface ElfSegment {
  /** Index of the program header in the file. */
  readonly index: number;
  /** Guest-physical load address (p_paddr). */
  readonly paddr: number;
  /** Link-time virtual address (p_vaddr); may exceed 2^53, hence BigInt. */
  readonly vaddr: bigint;
  /** File offset of the initialised bytes. */
  readonly offset: number;
  /** Bytes copied from the file. */
  readonly fileSize: number;
  /** Bytes occupied in memory; [fileSize, memSize) is zero-filled (bss). */
  readonly memSize: number;
  /** PF_R / PF_W / PF_X bits. */
  readonly flags: number;
}

/** A defined symbol from `.symtab`. */
export interface ElfSymbol {
  readonly name: string;
  /** st_value: a link-time (virtual) address for code and data symbols. */
  readonly value: bigint;
  readonly size: bigint;
  /** STT_* (0 NOTYPE, 1 OBJECT, 2 FUNC, …). */
  readonly type: number;
  /** STB_* (0 LOCAL, 1 GLOBAL, 2 WEAK). */
  readonly bind: number;
  /** Section index (st_shndx). */
  readonly section: number;
}

/** What `inspectElf` learned about a valid kernel ELF. */
export interface ElfImage {
  /** Display name used in error messages. */
  readonly name: string;
  readonly type: 'exec' | 'dyn';
  /** e_flags (for RISC-V: bit 0 RVC, bits 2:1 float ABI, bit 3 RVE, bit 4 TSO). */
  readonly flags: number;
  /** Guest-physical address where the hart starts. */
  readonly entry: number;
  /** e_entry as written in the file (a virtual address). */
  readonly entryVirtual: bigint;
  /** PT_LOAD segments with memSize > 0, in file order. */
  readonly segments: readonly ElfSegment[];
  /** Lowest guest-physical address written by the loader. */
  readonly lowAddress: number;
  /** One past the highest guest-physical address written by the loader. */
  readonly highAddress: number;
  /** Defined symbols by name (global/weak binding wins over local for duplicate names). */
  readonly symbols: ReadonlyMap<string, ElfSymbol>;
  /**
   * Guest-physical address of a symbol, translated through the PT_LOAD segment that contains
   * its value (so it is right even when p_vaddr ≠ p_paddr). Undefined when the symbol does not
   * exist or lies in no loaded segment.
   */
  symbolAddress(name: string): number | undefined;
}

/** Guest RAM window the segments must fit in. */
export interface RamWindow {
  readonly base: number;
  readonly size: number;
}

export interface InspectElfOptions {
  /** Name shown in error messages, normally the path the user gave. Default "kernel". */
  readonly name?: string;
  /** Guest RAM; every segment must lie inside it. */
  readonly ram: RamWindow;
}

export interface LoadElfOptions {
  /** Name shown in error messages, normally the path the user gave. Default "kernel". */
  readonly name?: string;
}

const hex = (v: number | bigint): string => `0x${v.toString(16)}`;

/** True when the buffer starts with the ELF magic (the file may still be invalid). */
export function isElf(data: Uint8Array): boolean {
  return data.length >= 4 && ELF_MAGIC.every((b, i) => data[i] === b);
}

/** Bounds-checked little-endian reader over the file. */
class Reader {
  private readonly dv: DataView;
  constructor(readonly data: Uint8Array, private readonly fail: (code: BootErrorCode, detail: string) => never) {
    this.dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  }
  get length(): number { return this.data.length; }
  private check(off: number, len: number, what: string): void {
    if (off + len > this.data.length) this.fail('truncated', `file is truncated (${what} at offset ${hex(off)} runs past the end)`);
  }
  u8(off: number, what: string): number { this.check(off, 1, what); return this.data[off]!; }
  u16(off: number, what: string): number { this.check(off, 2, what); return this.dv.getUint16(off, true); }
  u32(off: number, what: string): number { this.check(off, 4, what); return this.dv.getUint32(off, true); }
  u64(off: number, what: string): bigint { this.check(off, 8, what); return this.dv.getBigUint64(off, true); }
}

interface RawSegment {
  index: number; type: number; flags: number;
  offset: bigint; vaddr: bigint; paddr: bigint; filesz: bigint; memsz: bigint;
}

/**
 * Validates a RISC-V ELF64 kernel without loading it.
 * @throws BootError describing the first problem found.
 */
export function inspectElf(data: Uint8Array, options: InspectElfOptions): ElfImage {
  const name = options.name ?? 'kernel';
  const fail = (code: BootErrorCode, detail: string): never => { throw new BootError(name, code, detail); };
  const { ram } = options;
  if (!Number.isSafeInteger(ram.base) || !Number.isSafeInteger(ram.size) || ram.base < 0 || ram.size <= 0) {
    throw new RangeError(`inspectElf: bad RAM window base=${ram.base} size=${ram.size}`);
  }

  // --- ELF identification and header -------------------------------------------------------
  if (!isElf(data)) fail('not-elf', 'not an ELF file');
  const r = new Reader(data, fail);
  const elfClass = r.u8(4, 'EI_CLASS');
  if (elfClass === 1) fail('elf-class', 'ELF class 32 is not supported (need 64-bit RISC-V)');
  if (elfClass !== 2) fail('elf-class', `invalid ELF class ${elfClass} (need 64-bit RISC-V)`);
  const elfData = r.u8(5, 'EI_DATA');
  if (elfData === 2) fail('elf-endian', 'big-endian ELF is not supported (RISC-V is little-endian)');
  if (elfData !== 1) fail('elf-endian', `invalid ELF data encoding ${elfData}`);
  const identVersion = r.u8(6, 'EI_VERSION');
  if (identVersion !== 1) fail('elf-version', `unsupported ELF version ${identVersion}`);
  if (data.length < EHDR_SIZE) fail('truncated', `file is truncated (${data.length} bytes, shorter than the 64-byte ELF header)`);

  const eType = r.u16(16, 'e_type');
  const eMachine = r.u16(18, 'e_machine');
  const eVersion = r.u32(20, 'e_version');
  const eEntry = r.u64(24, 'e_entry');
  const ePhoff = r.u64(32, 'e_phoff');
  const eShoff = r.u64(40, 'e_shoff');
  const eFlags = r.u32(48, 'e_flags');
  const ePhentsize = r.u16(54, 'e_phentsize');
  const ePhnum = r.u16(56, 'e_phnum');
  const eShentsize = r.u16(58, 'e_shentsize');
  const eShnum = r.u16(60, 'e_shnum');

  if (eMachine !== EM_RISCV) {
    const known = MACHINE_NAMES[eMachine];
    fail('elf-machine', `machine ${eMachine}${known ? ` (${known})` : ''} is not RISC-V`);
  }
  if (eType === ET_REL) fail('elf-type', 'is a relocatable object file (.o), not an executable; link it first');
  if (eType === ET_CORE) fail('elf-type', 'is a core dump, not an executable');
  if (eType !== ET_EXEC && eType !== ET_DYN) fail('elf-type', `ELF type ${eType} is not an executable`);
  if (eVersion !== 1) fail('elf-version', `unsupported ELF version ${eVersion}`);

  // --- Program headers -----------------------------------------------------------------------
  if (ePhnum === PN_XNUM) fail('program-headers', 'uses extended program header numbering, which is not supported');
  if (ePhnum === 0) fail('no-segments', 'has no program headers, so there is nothing to load');
  if (ePhentsize < PHDR_MIN_SIZE) fail('program-headers', `program header size ${ePhentsize} is too small (need ${PHDR_MIN_SIZE})`);
  const phEnd = ePhoff + BigInt(ePhentsize) * BigInt(ePhnum);
  if (phEnd > BigInt(data.length)) {
    fail('program-headers', `program headers (${ePhnum} at offset ${hex(ePhoff)}) extend past the end of the file (${data.length} bytes)`);
  }
  const phoff = Number(ePhoff);

  const raw: RawSegment[] = [];
  for (let i = 0; i < ePhnum; i++) {
    const o = phoff + i * ePhentsize;
    raw.push({
      index: i,
      type: r.u32(o, 'p_type'),
      flags: r.u32(o + 4, 'p_flags'),
      offset: r.u64(o + 8, 'p_offset'),
      vaddr: r.u64(o + 16, 'p_vaddr'),
      paddr: r.u64(o + 24, 'p_paddr'),
      filesz: r.u64(o + 32, 'p_filesz'),
      memsz: r.u64(o + 40, 'p_memsz'),
    });
  }

  if (raw.some((p) => p.type === PT_INTERP)) {
    const interp = raw.find((p) => p.type === PT_INTERP)!;
    let what = '';
    if (interp.filesz > 0n && interp.filesz < 256n && interp.offset + interp.filesz <= BigInt(data.length)) {
      const bytes = data.subarray(Number(interp.offset), Number(interp.offset + interp.filesz));
      const text = new TextDecoder('latin1').decode(bytes).replace(/\0.*$/s, '');
      if (/^[\x20-\x7e]+$/.test(text)) what = ` (it asks for ${text})`;
    }
    fail('elf-dynamic', `is a dynamically linked program${what}, not a bare-metal kernel`);
  }

  const ramBase = BigInt(ram.base);
  const ramEnd = ramBase + BigInt(ram.size);
  const ramText = `RAM (${hex(ramBase)}..${hex(ramEnd)})`;
  const segments: ElfSegment[] = [];
  for (const p of raw) {
    if (p.type !== PT_LOAD) continue;
    const tag = `segment ${p.index}`;
    if (p.filesz > p.memsz) fail('segment', `${tag}: file size ${hex(p.filesz)} is larger than its memory size ${hex(p.memsz)}`);
    if (p.filesz > 0n && p.offset + p.filesz > BigInt(data.length)) {
      fail('truncated', `file is truncated (${tag} needs bytes ${hex(p.offset)}..${hex(p.offset + p.filesz)}, the file has ${hex(data.length)})`);
    }
    if (p.paddr + p.memsz > U64_LIMIT || p.vaddr + p.memsz > U64_LIMIT) {
      fail('segment', `${tag} at ${hex(p.paddr)} with size ${hex(p.memsz)} wraps around the end of the address space`);
    }
    if (p.memsz === 0n) continue;
    if (p.paddr < ramBase || p.paddr + p.memsz > ramEnd) {
      const hint = eType === ET_DYN ? '; hv does not relocate position-independent ELFs, link it at its load address' : '';
      fail('segment-outside-ram', `segment ${hex(p.paddr)}..${hex(p.paddr + p.memsz)} lies outside ${ramText}${hint}`);
    }
    segments.push({
      index: p.index, paddr: Number(p.paddr), vaddr: p.vaddr, offset: Number(p.offset),
      fileSize: Number(p.filesz), memSize: Number(p.memsz), flags: p.flags,
    });
  }
  if (segments.length === 0) fail('no-segments', 'has no loadable segments');

  const byAddr = [...segments].sort((a, b) => a.paddr - b.paddr);
  for (let i = 1; i < byAddr.length; i++) {
    const a = byAddr[i - 1]!;
    const b = byAddr[i]!;
    if (b.paddr < a.paddr + a.memSize) {
      fail('segment-overlap', `segments ${a.index} (${hex(a.paddr)}..${hex(a.paddr + a.memSize)}) and ${b.index} (${hex(b.paddr)}..${hex(b.paddr + b.memSize)}) overlap`);
    }
  }
  const lowAddress = byAddr[0]!.paddr;
  const highAddress = Math.max(...segments.map((s) => s.paddr + s.memSize));

  // --- Entry point (QEMU's virtual → physical adjustment) -------------------------------------
  let entryPhys = eEntry;
  for (const p of raw) {
    if (p.type === PT_LOAD && p.flags & PF_X && p.vaddr !== p.paddr && eEntry >= p.vaddr && eEntry < p.vaddr + p.filesz) {
      entryPhys = eEntry - p.vaddr + p.paddr;
      break;
    }
  }
  if (!segments.some((s) => entryPhys >= BigInt(s.paddr) && entryPhys < BigInt(s.paddr + s.memSize))) {
    fail('entry', `entry point ${hex(eEntry)} is not inside any loaded segment`);
  }
  if (entryPhys % 2n !== 0n) fail('entry', `entry point ${hex(eEntry)} is not 2-byte aligned`);
  const entry = Number(entryPhys);

  // --- Symbols -----------------------------------------------------------------------------
  const symbols = readSymbols(r, eShoff, eShentsize, eShnum, fail);

  return {
    name,
    type: eType === ET_EXEC ? 'exec' : 'dyn',
    flags: eFlags,
    entry,
    entryVirtual: eEntry,
    segments,
    lowAddress,
    highAddress,
    symbols,
    symbolAddress(sym: string): number | undefined {
      const s = symbols.get(sym);
      if (s === undefined) return undefined;
      for (const seg of segments) {
        if (s.value >= seg.vaddr && s.value < seg.vaddr + BigInt(seg.memSize)) {
          return seg.paddr + Number(s.value - seg.vaddr);
        }
      }
      return undefined;
    },
  };
}

/** Reads `.symtab` (SHT_SYMTAB) with its linked string table. A stripped file has no symbols. */
function readSymbols(
  r: Reader, shoff: bigint, shentsize: number, shnumField: number,
  fail: (code: BootErrorCode, detail: string) => never,
): Map<string, ElfSymbol> {
  const symbols = new Map<string, ElfSymbol>();
  if (shoff === 0n) return symbols;
  if (shentsize < SHDR_MIN_SIZE) fail('section-headers', `section header size ${shentsize} is too small (need ${SHDR_MIN_SIZE})`);
  if (shoff + BigInt(shentsize) > BigInt(r.length)) {
    fail('section-headers', `section headers at offset ${hex(shoff)} lie past the end of the file (${r.length} bytes)`);
  }
  const base = Number(shoff);
  // e_shnum == 0 with a section table means "the count is in section 0's sh_size".
  let shnum = BigInt(shnumField);
  if (shnum === 0n) shnum = r.u64(base + 32, 'sh_size');
  if (shoff + BigInt(shentsize) * shnum > BigInt(r.length)) {
    fail('section-headers', `section headers (${shnum} at offset ${hex(shoff)}) extend past the end of the file (${r.length} bytes)`);
  }
  const count = Number(shnum);
  const sh = (i: number) => {
    const o = base + i * shentsize;
    return {
      type: r.u32(o + 4, 'sh_type'),
      offset: r.u64(o + 24, 'sh_offset'),
      size: r.u64(o + 32, 'sh_size'),
      link: r.u32(o + 40, 'sh_link'),
      entsize: r.u64(o + 56, 'sh_entsize'),
    };
  };
  let symtabIndex = -1;
  for (let i = 0; i < count; i++) {
    if (sh(i).type === SHT_SYMTAB) { symtabIndex = i; break; }
  }
  if (symtabIndex < 0) return symbols;
  const symtab = sh(symtabIndex);
  const bad = (detail: string): never => fail('symbols', `symbol table is damaged (${detail})`);
  if (symtab.entsize !== BigInt(SYM_SIZE)) bad(`entry size ${symtab.entsize}, expected ${SYM_SIZE}`);
  if (symtab.offset + symtab.size > BigInt(r.length)) bad('it extends past the end of the file');
  if (symtab.link === 0 || symtab.link >= count) bad(`string table index ${symtab.link} does not exist`);
  const strtab = sh(symtab.link);
  if (strtab.type !== SHT_STRTAB) bad(`section ${symtab.link} is not a string table`);
  if (strtab.offset + strtab.size > BigInt(r.length)) bad('its string table extends past the end of the file');

  const strOff = Number(strtab.offset);
  const strSize = Number(strtab.size);
  const strings = r.data.subarray(strOff, strOff + strSize);
  const decoder = new TextDecoder('utf-8');
  const nsyms = Number(symtab.size / BigInt(SYM_SIZE));
  const symOff = Number(symtab.offset);
  for (let i = 1; i < nsyms; i++) { // entry 0 is the reserved null symbol
    const o = symOff + i * SYM_SIZE;
    const nameOff = r.u32(o, 'st_name');
    const info = r.u8(o + 4, 'st_info');
    const shndx = r.u16(o + 6, 'st_shndx');
    const type = info & 0xf;
    const bind = info >> 4;
    if (nameOff === 0 || shndx === SHN_UNDEF || type === STT_SECTION || type === STT_FILE) continue;
    if (nameOff >= strSize) bad(`symbol ${i} has name offset ${hex(nameOff)} outside the string table`);
    const end = strings.indexOf(0, nameOff);
    if (end < 0) bad(`symbol ${i} has an unterminated name`);
    const symName = decoder.decode(strings.subarray(nameOff, end));
    const prev = symbols.get(symName);
    if (prev !== undefined && !(prev.bind === STB_LOCAL && bind !== STB_LOCAL)) continue;
    symbols.set(symName, {
      name: symName, value: r.u64(o + 8, 'st_value'), size: r.u64(o + 16, 'st_size'), type, bind, section: shndx,
    });
  }
  return symbols;
}

/**
 * Validates a RISC-V ELF64 kernel and copies its PT_LOAD segments into guest RAM at their
 * physical addresses, zeroing each segment's bss part. Nothing is written unless the whole
 * file is valid.
 * @returns the image description (entry point, symbols) for the caller to start the hart.
 * @throws BootError for a malformed or unsuitable file.
 */
export function loadElf(data: Uint8Array, mem: GuestMemory, options: LoadElfOptions = {}): ElfImage {
  const image = inspectElf(data, { name: options.name ?? 'kernel', ram: { base: mem.ramBase, size: mem.ramSize } });
  for (const seg of image.segments) {
    if (seg.fileSize > 0) mem.write(seg.paddr, data.subarray(seg.offset, seg.offset + seg.fileSize));
    if (seg.memSize > seg.fileSize) mem.fill(seg.paddr + seg.fileSize, seg.memSize - seg.fileSize, 0);
  }
  return image;
}

/**
 * Parser for the RISC-V Linux kernel `Image` header (the raw, uncompressed kernel that
 * `make Image` writes to arch/riscv/boot/Image; Debian's kernel is such an Image with an
 * EFI/PE stub in front). Spec: Linux Documentation/arch/riscv/boot-image-header.rst.
 *
 * The 64-byte header, all fields little-endian:
 *
 * | offset | field       | meaning                                                    |
 * | ------ | ----------- | ---------------------------------------------------------- |
 * | 0x00   | code0 (u32) | executable code; "MZ" in its low half when there is an EFI stub |
 * | 0x04   | code1 (u32) | executable code                                            |
 * | 0x08   | text_offset | load offset from the start of RAM (u64)                    |
 * | 0x10   | image_size  | bytes the kernel occupies in memory, bss included (u64)    |
 * | 0x18   | flags       | bit 0: 1 = big-endian kernel (u64)                         |
 * | 0x20   | version     | header version: major in bits 31:16, minor in 15:0 (u32)   |
 * | 0x24   | res1        | reserved (u32)                                             |
 * | 0x28   | res2        | reserved (u64)                                             |
 * | 0x30   | magic       | "RISCV\0\0\0" (deprecated since version 0.2) (u64)        |
 * | 0x38   | magic2      | "RSC\x05" (since version 0.2) (u32)                        |
 * | 0x3c   | res3        | offset of the PE/COFF header when there is an EFI stub (u32) |
 *
 * Input is untrusted: the parser only reads inside the buffer and rejects implausible values.
 */
import { BootError, type BootErrorCode } from './errors.js';
import { isElf } from './elf.js';

/** Size of the header at the start of the Image. */
export const LINUX_IMAGE_HEADER_SIZE = 64;
const MAGIC = 'RISCV\0\0\0';
const MAGIC2 = 'RSC\x05';
/** No real kernel is anywhere near this big; a larger value means a corrupt header. */
const MAX_IMAGE_SIZE = 1 << 30;
/** text_offset is a small offset into RAM (0x200000 for RV64, 0x400000 for RV32). */
const MAX_TEXT_OFFSET = 1 << 30;

/** What the header of a RISC-V Linux Image says. */
export interface LinuxImageInfo {
  /** Offset from the (2 MiB-aligned) start of RAM at which the kernel expects to be loaded. */
  readonly textOffset: number;
  /** Bytes the kernel occupies in memory, bss included (image_size). */
  readonly imageSize: number;
  /** Length of the file. */
  readonly fileSize: number;
  /** Bytes to reserve in RAM: the larger of imageSize and fileSize (a signed file may carry trailing data). */
  readonly memSize: number;
  /** Raw flags field. */
  readonly flags: bigint;
  /** Header version. */
  readonly version: { readonly major: number; readonly minor: number };
  /** True when the current magic "RSC\x05" at 0x38 is present. */
  readonly hasMagic2: boolean;
  /** True when the deprecated magic "RISCV" at 0x30 is present. */
  readonly hasLegacyMagic: boolean;
  /** True when the Image starts with an EFI/PE stub ("MZ" + a valid PE header offset). */
  readonly efiStub: boolean;
  /** File offset of the "PE\0\0" signature when efiStub is true. */
  readonly peOffset: number | undefined;
}

const ascii = (data: Uint8Array, off: number, len: number): string =>
  String.fromCharCode(...data.subarray(off, off + len));

/** True when the buffer carries a RISC-V Image magic (the header may still be invalid). */
export function isLinuxImage(data: Uint8Array): boolean {
  return data.length >= LINUX_IMAGE_HEADER_SIZE &&
    (ascii(data, 0x38, 4) === MAGIC2 || ascii(data, 0x30, 8) === MAGIC);
}

/**
 * Parses and validates the header of a RISC-V Linux Image.
 * @param name display name used in error messages (normally the path the user gave).
 * @throws BootError when the file is not a usable RISC-V Image.
 */
export function parseLinuxImage(data: Uint8Array, name = 'Image'): LinuxImageInfo {
  const fail = (code: BootErrorCode, detail: string): never => { throw new BootError(name, code, detail); };

  if (data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b) {
    fail('not-image', 'is gzip-compressed; decompress it first (for example: zcat Image.gz > Image)');
  }
  if (isElf(data)) fail('not-image', 'is an ELF file (vmlinux?), not a RISC-V Linux Image');
  if (data.length >= 8 && ascii(data, 0, 2) === 'MZ' && ascii(data, 4, 4) === 'zimg') {
    const comp = data.length >= 0x20 ? ascii(data, 0x18, 8).replace(/\0.*$/s, '') : '';
    const what = /^[a-z0-9]+$/.test(comp) ? ` (${comp})` : '';
    fail('not-image', `is a compressed EFI zboot kernel${what}; hv needs the uncompressed Image`);
  }
  if (data.length < LINUX_IMAGE_HEADER_SIZE) {
    fail('truncated', `file is truncated (${data.length} bytes, shorter than the 64-byte RISC-V Image header)`);
  }
  const hasMagic2 = ascii(data, 0x38, 4) === MAGIC2;
  const hasLegacyMagic = ascii(data, 0x30, 8) === MAGIC;
  if (!hasMagic2 && !hasLegacyMagic) fail('not-image', 'not a RISC-V Linux Image (no "RSC\\x05" magic at offset 0x38)');

  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const textOffset = dv.getBigUint64(0x08, true);
  const imageSize = dv.getBigUint64(0x10, true);
  const flags = dv.getBigUint64(0x18, true);
  const version = dv.getUint32(0x20, true);
  const major = version >>> 16;
  const minor = version & 0xffff;

  if (flags & 1n) fail('image-header', 'is a big-endian kernel; hv runs little-endian RISC-V only');
  if (major !== 0) fail('image-header', `header version ${major}.${minor} is not supported (need 0.x)`);
  if (textOffset > BigInt(MAX_TEXT_OFFSET) || textOffset % 4096n !== 0n) {
    fail('image-header', `text_offset 0x${textOffset.toString(16)} is not a plausible load offset (need a 4 KiB-aligned value below 1 GiB)`);
  }
  if (imageSize === 0n) fail('image-header', 'header gives an image size of 0');
  if (imageSize > BigInt(MAX_IMAGE_SIZE)) fail('image-header', `header gives an implausible image size of 0x${imageSize.toString(16)} bytes`);

  let efiStub = false;
  let peOffset: number | undefined;
  if (ascii(data, 0, 2) === 'MZ') {
    const pe = dv.getUint32(0x3c, true);
    if (pe >= LINUX_IMAGE_HEADER_SIZE && pe + 4 <= data.length && ascii(data, pe, 4) === 'PE\0\0') {
      efiStub = true;
      peOffset = pe;
    }
  }

  const size = Number(imageSize);
  return {
    textOffset: Number(textOffset),
    imageSize: size,
    fileSize: data.length,
    memSize: Math.max(size, data.length),
    flags,
    version: { major, minor },
    hasMagic2,
    hasLegacyMagic,
    efiStub,
    peOffset,
  };
}

/** Tests for the RISC-V Linux Image header parser. */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseLinuxImage, isLinuxImage, LINUX_IMAGE_HEADER_SIZE } from './linux-image.js';
import { BootError, type BootErrorCode } from './errors.js';

interface ImageSpec {
  size?: number;
  code0?: number;
  textOffset?: bigint;
  imageSize?: bigint;
  flags?: bigint;
  version?: number;
  magic?: boolean;
  magic2?: boolean;
  peOffset?: number;
}

/** Builds an Image whose header matches what Linux v6.x emits for RV64 (version 0.2). */
function makeImage(spec: ImageSpec = {}): Uint8Array {
  const bytes = new Uint8Array(spec.size ?? 0x1000);
  const dv = new DataView(bytes.buffer);
  dv.setUint32(0, spec.code0 ?? 0x0000_006f, true); // j . (any code will do)
  dv.setUint32(4, 0x0000_0013, true); // nop
  dv.setBigUint64(0x08, spec.textOffset ?? 0x20_0000n, true);
  dv.setBigUint64(0x10, spec.imageSize ?? 0x2000n, true);
  dv.setBigUint64(0x18, spec.flags ?? 0n, true);
  dv.setUint32(0x20, spec.version ?? 2, true);
  if (spec.magic ?? true) bytes.set(new TextEncoder().encode('RISCV\0\0\0'), 0x30);
  if (spec.magic2 ?? true) bytes.set([0x52, 0x53, 0x43, 0x05], 0x38);
  if (spec.peOffset !== undefined) {
    dv.setUint32(0x3c, spec.peOffset, true);
    if (spec.peOffset + 4 <= bytes.length) bytes.set([0x50, 0x45, 0, 0], spec.peOffset);
  }
  return bytes;
}

function expectBootError(fn: () => unknown, code: BootErrorCode, message: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof BootError, `expected BootError, got ${String(e)}`);
    assert.equal(e.code, code, `code of "${e.message}"`);
    if (typeof message === 'string') assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

describe('parseLinuxImage', () => {
  test('parses a version 0.2 header', () => {
    const info = parseLinuxImage(makeImage(), 'Image');
    assert.deepEqual(info, {
      textOffset: 0x20_0000, imageSize: 0x2000, fileSize: 0x1000, memSize: 0x2000, flags: 0n,
      version: { major: 0, minor: 2 }, hasMagic2: true, hasLegacyMagic: true, efiStub: false, peOffset: undefined,
    });
    assert.equal(LINUX_IMAGE_HEADER_SIZE, 64);
  });

  test('accepts either magic alone', () => {
    assert.equal(parseLinuxImage(makeImage({ magic: false })).hasLegacyMagic, false);
    const old = parseLinuxImage(makeImage({ magic2: false, version: 1 }));
    assert.equal(old.hasMagic2, false);
    assert.deepEqual(old.version, { major: 0, minor: 1 });
  });

  test('detects an EFI/PE stub', () => {
    const info = parseLinuxImage(makeImage({ code0: 0x5a4d | (0x1234 << 16), peOffset: 0x40 }));
    assert.equal(info.efiStub, true);
    assert.equal(info.peOffset, 0x40);
    // "MZ" without a PE signature where res3 points is just code, not a stub.
    const noPe = parseLinuxImage(makeImage({ code0: 0x5a4d, peOffset: 0x10_0000 }));
    assert.equal(noPe.efiStub, false);
    assert.equal(noPe.peOffset, undefined);
  });

  test('a file longer than image_size (e.g. a signed kernel) reserves the file length', () => {
    const info = parseLinuxImage(makeImage({ size: 0x3000, imageSize: 0x2000n }));
    assert.equal(info.imageSize, 0x2000);
    assert.equal(info.memSize, 0x3000);
  });

  test('isLinuxImage', () => {
    assert.equal(isLinuxImage(makeImage()), true);
    assert.equal(isLinuxImage(makeImage({ magic: false })), true);
    assert.equal(isLinuxImage(makeImage({ magic: false, magic2: false })), false);
    assert.equal(isLinuxImage(new Uint8Array(10)), false);
  });

  test('works on a window into a larger buffer', () => {
    const img = makeImage();
    const big = new Uint8Array(img.length + 3);
    big.set(img, 3);
    assert.equal(parseLinuxImage(big.subarray(3)).textOffset, 0x20_0000);
  });

  test('rejects compressed and ELF kernels with a hint', () => {
    expectBootError(() => parseLinuxImage(Uint8Array.of(0x1f, 0x8b, 8, 0), 'Image.gz'), 'not-image',
      'Image.gz: is gzip-compressed; decompress it first (for example: zcat Image.gz > Image)');
    expectBootError(() => parseLinuxImage(Uint8Array.of(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1), 'vmlinux'), 'not-image',
      'vmlinux: is an ELF file (vmlinux?), not a RISC-V Linux Image');
    const zboot = new Uint8Array(0x40);
    zboot.set(new TextEncoder().encode('MZ\0\0zimg'));
    zboot.set(new TextEncoder().encode('zstd\0'), 0x18);
    expectBootError(() => parseLinuxImage(zboot, 'vmlinuz'), 'not-image',
      'vmlinuz: is a compressed EFI zboot kernel (zstd); hv needs the uncompressed Image');
  });

  test('rejects files without the magic or too short', () => {
    expectBootError(() => parseLinuxImage(makeImage({ magic: false, magic2: false })), 'not-image',
      'Image: not a RISC-V Linux Image (no "RSC\\x05" magic at offset 0x38)');
    expectBootError(() => parseLinuxImage(new Uint8Array(0)), 'truncated', 'Image: file is truncated (0 bytes, shorter than the 64-byte RISC-V Image header)');
    expectBootError(() => parseLinuxImage(makeImage().subarray(0, 63)), 'truncated', /63 bytes/);
  });

  test('rejects implausible header fields', () => {
    expectBootError(() => parseLinuxImage(makeImage({ flags: 1n })), 'image-header', 'Image: is a big-endian kernel; hv runs little-endian RISC-V only');
    expectBootError(() => parseLinuxImage(makeImage({ version: (1 << 16) | 0 })), 'image-header', 'Image: header version 1.0 is not supported (need 0.x)');
    expectBootError(() => parseLinuxImage(makeImage({ textOffset: 0x123n })), 'image-header', /text_offset 0x123 is not a plausible load offset/);
    expectBootError(() => parseLinuxImage(makeImage({ textOffset: 1n << 40n })), 'image-header', /text_offset 0x10000000000/);
    expectBootError(() => parseLinuxImage(makeImage({ imageSize: 0n })), 'image-header', 'Image: header gives an image size of 0');
    expectBootError(() => parseLinuxImage(makeImage({ imageSize: 1n << 63n })), 'image-header', /implausible image size of 0x8000000000000000 bytes/);
  });
});

const CROSS = 'riscv64-linux-gnu-';
const haveCross = spawnSync(`${CROSS}ld`, ['--version'], { stdio: 'ignore' }).status === 0;

test('parses a header assembled like arch/riscv/kernel/head.S', { skip: haveCross ? false : `${CROSS}binutils are not installed` }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-image-'));
  try {
    writeFileSync(join(dir, 'head.S'), [
      '  .option rvc',
      '_start:',
      '  c.li s4, -13', // the EFI stub's "MZ"
      '  j _start_kernel',
      '  .balign 8',
      '  .dword 0x200000',
      '  .dword _end - _start',
      '  .dword 0',
      '  .word (0 << 16) | 2',
      '  .word 0',
      '  .dword 0',
      '  .ascii "RISCV\\0\\0\\0"',
      '  .ascii "RSC\\x05"',
      '  .word pe_header - _start',
      'pe_header:',
      '  .ascii "PE\\0\\0"',
      '  .balign 16',
      '_start_kernel:',
      '  j _start_kernel',
      '  .balign 4096',
      '_end:',
      '',
    ].join('\n'));
    const run = (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, `${cmd} failed: ${r.stderr}`);
    };
    run(`${CROSS}as`, ['-march=rv64gc', '-o', 'head.o', 'head.S']);
    run(`${CROSS}ld`, ['--no-relax', '-Ttext=0x80200000', '-e', '_start', '-o', 'vmlinux', 'head.o']);
    run(`${CROSS}objcopy`, ['-O', 'binary', 'vmlinux', 'Image']);
    const info = parseLinuxImage(readFileSync(join(dir, 'Image')));
    assert.equal(info.textOffset, 0x20_0000);
    assert.equal(info.imageSize, 4096);
    assert.deepEqual(info.version, { major: 0, minor: 2 });
    assert.equal(info.efiStub, true);
    assert.equal(info.peOffset, 0x40);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

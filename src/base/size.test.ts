/** Tests for QEMU-style size parsing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSize, formatSize } from './size.js';
import { UserError } from './errors.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

test('units are powers of 1024, case-insensitive, with optional "iB"', () => {
  assert.equal(parseSize('64K'), 64 * KiB);
  assert.equal(parseSize('64k'), 64 * KiB);
  assert.equal(parseSize('512M'), 512 * MiB);
  assert.equal(parseSize('512MiB'), 512 * MiB);
  assert.equal(parseSize('1G'), GiB);
  assert.equal(parseSize('1g'), GiB);
  assert.equal(parseSize('2T'), 2 * 1024 * GiB);
  assert.equal(parseSize('4096B'), 4096);
  assert.equal(parseSize(' 1G '), GiB, 'surrounding blanks are ignored');
});

test('a bare number is in the default unit (bytes unless told)', () => {
  assert.equal(parseSize('2048'), 2048);
  assert.equal(parseSize('2048', { defaultUnit: 'M' }), 2 * GiB, 'like QEMU -m 2048');
  assert.equal(parseSize('2048B', { defaultUnit: 'M' }), 2048, 'an explicit B overrides the default');
  assert.equal(parseSize('1', { defaultUnit: 'G' }), GiB);
});

test('fractions are fine when they come to whole bytes', () => {
  assert.equal(parseSize('1.5G'), 1.5 * GiB);
  assert.equal(parseSize('0.5K'), 512);
  assert.equal(parseSize('1.25', { defaultUnit: 'M' }), 1.25 * MiB);
  assert.equal(parseSize('1.0B'), 1);
});

function rejects(text: string, message: string, opts = {}) {
  assert.throws(() => parseSize(text, opts), (e: unknown) => {
    assert.ok(e instanceof UserError, String(e));
    assert.equal(e.message, message);
    assert.equal(e.exitStatus, 2);
    return true;
  });
}

test('rejects junk, zero, negatives and fractions of bytes with clear messages', () => {
  const m = { what: 'memory size', defaultUnit: 'M' as const };
  rejects('', 'invalid memory size "": expected a number such as 512M or 2G', m);
  rejects('   ', 'invalid memory size "   ": expected a number such as 512M or 2G', m);
  rejects('lots', 'invalid memory size "lots": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('0x100', 'invalid memory size "0x100": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('1e9', 'invalid memory size "1e9": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('12Q', 'invalid memory size "12Q": unknown unit "Q" (use K, M, G or T)', m);
  rejects('512MB', 'invalid memory size "512MB": unknown unit "MB" (use K, M, G or T)', m);
  rejects('1BiB', 'invalid memory size "1BiB": unknown unit "BiB" (use K, M, G or T)', m);
  rejects('512 M', 'invalid memory size "512 M": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('.5G', 'invalid memory size ".5G": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('1.G', 'invalid memory size "1.G": expected a number with an optional unit K, M, G or T (for example 512M or 2G)', m);
  rejects('0', 'invalid memory size "0": must be greater than zero', m);
  rejects('0.0G', 'invalid memory size "0.0G": must be greater than zero', m);
  rejects('-1G', 'invalid memory size "-1G": must be a positive size', m);
  rejects('0.3K', 'invalid memory size "0.3K": is not a whole number of bytes', m);
  rejects('1.5B', 'invalid memory size "1.5B": is not a whole number of bytes', m);
  rejects('99999999T', 'invalid memory size "99999999T": is too large', m);
  rejects('x', 'invalid size "x": expected a number with an optional unit K, M, G or T (for example 512M or 2G)');
});

test('formatSize', () => {
  assert.equal(formatSize(512 * MiB), '512 MiB');
  assert.equal(formatSize(1.5 * GiB), '1.5 GiB');
  assert.equal(formatSize(2 * GiB), '2 GiB');
  assert.equal(formatSize(64 * KiB), '64 KiB');
  assert.equal(formatSize(4095), '4095 bytes');
  assert.equal(formatSize(GiB + 1), `${GiB + 1} bytes`);
});

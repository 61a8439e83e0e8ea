/** Tests of the balloon's host page reclaim (native madvise helper and its zero-fill fallback). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hostPageReclaimer } from './page-reclaim.js';
import { loadNativeHelper } from './native.js';

function rssBytes(): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const MiB = 1024 * 1024;

test('the fallback zero-fills and reports nothing released', () => {
  const r = hostPageReclaimer({ forceFallback: true });
  assert.equal(r.reclaims, false);
  const v = new Uint8Array(8192).fill(7);
  assert.equal(r.discard(v.subarray(4096)), 0);
  assert.equal(v[4095], 7);
  assert.equal(v[4096], 0);
  assert.equal(v[8191], 0);
});

test('the native helper releases pages of a shared WebAssembly.Memory: RSS drops and the range reads zero', { skip: loadNativeHelper() === null ? 'native helper not built' : false }, () => {
  const r = hostPageReclaimer();
  assert.equal(r.reclaims, true);
  const mem = new WebAssembly.Memory({ initial: 2048, maximum: 2048, shared: true }); // 128 MiB
  const u8 = new Uint8Array(mem.buffer);
  for (let i = 0; i < u8.length; i += 4096) u8[i] = 0x5a;
  const before = rssBytes();
  const view = u8.subarray(16 * MiB, 16 * MiB + 96 * MiB);
  assert.equal(r.discard(view), 96 * MiB);
  const after = rssBytes();
  assert.ok(before - after >= 90 * MiB, `RSS ${before / MiB} → ${after / MiB} MiB`);
  for (let i = 16 * MiB; i < 112 * MiB; i += 4096 * 7) assert.equal(u8[i], 0);
  assert.equal(u8[16 * MiB - 4096], 0x5a);
  assert.equal(u8[112 * MiB], 0x5a);
  // An unaligned sub-page range is zero-filled (nothing released).
  u8.fill(1, 200, 300);
  assert.equal(r.discard(u8.subarray(200, 300)), 0);
  assert.equal(u8[250], 0);
});

/** Tests of the 4-byte length-prefixed frame stream codec (passt / QEMU -netdev stream / hv switch). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeFrame, FrameDecoder, PREFIX_BYTES } from './framing.js';

function frames(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, k) => Uint8Array.from({ length: 14 + ((k * 397) % 1600) }, (_, i) => (i + k * 7) & 0xff));
}

function decodeAll(chunks: Uint8Array[], max = 65550): { got: Uint8Array[]; dec: FrameDecoder } {
  const got: Uint8Array[] = [];
  const dec = new FrameDecoder((f) => got.push(Uint8Array.from(f)), { maxFrame: max });
  for (const c of chunks) dec.push(c);
  return { got, dec };
}

test('encodeFrame: big-endian 32-bit length, then the frame', () => {
  const e = encodeFrame(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]));
  assert.deepEqual([...e.subarray(0, PREFIX_BYTES)], [0, 0, 0, 15]);
  assert.equal(e.length, 19);
  assert.equal(encodeFrame(new Uint8Array(65550)).readUInt32BE(0), 65550);
});

test('FrameDecoder: many frames in one chunk, and the same stream cut at every possible place', () => {
  const fs = frames(6);
  const stream = Buffer.concat(fs.map(encodeFrame));
  assert.deepEqual(decodeAll([stream]).got, fs);
  for (let cut = 1; cut < stream.length; cut += 7) {
    const { got, dec } = decodeAll([stream.subarray(0, cut), stream.subarray(cut)]);
    assert.deepEqual(got, fs, `cut at ${cut}`);
    assert.equal(dec.buffered, 0);
  }
  // One byte at a time.
  assert.deepEqual(decodeAll([...stream].map((b) => Uint8Array.of(b))).got, fs);
});

test('FrameDecoder: oversized frames are skipped without being buffered (even across chunks); runts too', () => {
  const good = frames(2);
  const huge = new Uint8Array(70000).fill(0xee);
  const stream = Buffer.concat([encodeFrame(good[0]!), encodeFrame(huge), encodeFrame(new Uint8Array(5)), encodeFrame(new Uint8Array(0)), encodeFrame(good[1]!)]);
  for (const step of [stream.length, 1000, 3]) {
    const chunks: Uint8Array[] = [];
    for (let o = 0; o < stream.length; o += step) chunks.push(stream.subarray(o, o + step));
    let maxBuffered = 0;
    const got: Uint8Array[] = [];
    const dec = new FrameDecoder((f) => got.push(Uint8Array.from(f)), { maxFrame: 65550 });
    for (const c of chunks) { dec.push(c); maxBuffered = Math.max(maxBuffered, dec.buffered); }
    assert.deepEqual(got, good, `step ${step}`);
    assert.equal(dec.oversized, 1);
    assert.equal(dec.runts, 2);
    assert.ok(maxBuffered <= 1600, `never buffers the oversized frame (max ${maxBuffered})`);
  }
});

test('FrameDecoder: a hostile 4 GiB length prefix just skips the rest of the stream', () => {
  const { got, dec } = decodeAll([Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]), new Uint8Array(100000)]);
  assert.equal(got.length, 0);
  assert.equal(dec.oversized, 1);
  assert.equal(dec.buffered, 0);
});

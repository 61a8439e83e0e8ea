/** Token buckets and the disk and NIC rate limiters (src/vm/rate-limit.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket, RateLimiter, limitDisk, limitNic, type DiskCounters } from './rate-limit.js';
import type { Disk } from '../machine/virt/disks.js';
import type { Nic } from '../machine/virt/net.js';

test('token bucket: full at start, refills linearly, burst spent first, oversize requests wait for a full bucket', () => {
  let now = 0;
  const b = new TokenBucket({ size: 1000, refillTimeMs: 100, oneTimeBurst: 500 }, () => now);
  assert.equal(b.delayFor(1500), 0);
  b.take(1500); // 500 burst + 1000 tokens
  assert.equal(b.delayFor(100), 10);
  now = 50;
  assert.equal(b.delayFor(500), 0);
  b.take(500);
  assert.equal(b.delayFor(5000), 100, 'more than the bucket holds: wait until it is full');
  now = 150;
  assert.equal(b.delayFor(5000), 0);
  assert.equal(new TokenBucket({ size: 0, refillTimeMs: 1 }).delayFor(1e12), 0, 'size 0 = unlimited');
});

test('rate limiter: 10 MiB/s holds, and a live change takes effect at once', async () => {
  const MiB = 1 << 20;
  const rl = new RateLimiter({ bandwidth: { size: MiB, refillTimeMs: 100 } });
  const t0 = performance.now();
  for (let i = 0; i < 48; i++) await rl.consume(64 * 1024); // 3 MiB: 1 MiB at once, 2 MiB at 10 MiB/s
  const ms = performance.now() - t0;
  // Lower bound: the rate holds. Upper bound loose: timers fire late on a busy host.
  assert.ok(ms > 180 && ms < 600, `3 MiB at 10 MiB/s with a 1 MiB bucket took ${ms.toFixed(0)} ms`);
  rl.update({ bandwidth: { size: 4 * MiB, refillTimeMs: 100 } });
  const t1 = performance.now();
  for (let i = 0; i < 48; i++) await rl.consume(64 * 1024);
  assert.ok(performance.now() - t1 < 100, 'the new, larger bucket admits 3 MiB at once');
  assert.ok(rl.throttledMs > 150, `throttled ${rl.throttledMs.toFixed(0)} ms`);
  rl.update(undefined);
  assert.equal(rl.limited, false);
});

test('ops bucket and the disk wrapper count and delay requests', async () => {
  const calls: string[] = [];
  const backend = {
    capacity: 1 << 20, readOnly: false, serial: 's', canDiscard: false, canWriteZeroes: false, description: 'fake',
    read: async (o: number, d: Uint8Array) => { calls.push(`r${o}:${d.length}`); },
    write: async (o: number, s: Uint8Array) => { calls.push(`w${o}:${s.length}`); },
    flush: async () => { calls.push('f'); }, discard: async () => {}, writeZeroes: async () => {}, close: async () => { calls.push('c'); },
  };
  const disk = { id: 'd0', backend, format: 'raw', chain: ['x'] } as unknown as Disk;
  const counters: DiskCounters = { readBytes: 0, writeBytes: 0, ops: 0 };
  const rl = new RateLimiter({ ops: { size: 10, refillTimeMs: 100 } });
  const d = limitDisk(disk, rl, counters);
  assert.equal(d.backend.capacity, 1 << 20);
  const t0 = performance.now();
  for (let i = 0; i < 15; i++) await d.backend.read(i * 512, new Uint8Array(512));
  await d.backend.write(0, new Uint8Array(4096));
  await d.backend.close();
  const ms = performance.now() - t0;
  assert.ok(ms > 45 && ms < 400, `16 ops at 100 ops/s with a bucket of 10 took ${ms.toFixed(0)} ms`);
  assert.deepEqual(counters, { readBytes: 15 * 512, writeBytes: 4096, ops: 16 });
  assert.equal(calls.at(-1), 'c');
});

test('NIC limiter: transmit back-pressure with drain, receive held until tokens return, live update', async () => {
  const sent: Uint8Array[] = [];
  let innerFrame: ((f: Uint8Array) => void) | undefined;
  const receiving: boolean[] = [];
  const inner = {
    send: (f: Uint8Array) => { sent.push(f); return true; },
    onFrame: (cb: (f: Uint8Array) => void) => { innerFrame = cb; },
    onDrain: () => {},
    setReceiving: (on: boolean) => { receiving.push(on); },
    close: () => {},
  };
  const counters = { rxBytes: 0, txBytes: 0, rxFrames: 0, txFrames: 0 };
  // 10 frames of 1000 bytes per 100 ms; the bucket holds 2000 bytes.
  const l = limitNic({ backend: inner, mac: new Uint8Array(6) } as unknown as Nic, { bandwidth: { size: 2000, refillTimeMs: 20 } }, counters);
  let drained = 0;
  l.nic.backend.onDrain!(() => { drained++; });
  const got: Uint8Array[] = [];
  l.nic.backend.onFrame((f) => got.push(f));
  assert.equal(l.nic.backend.send(new Uint8Array(1000)), true);
  assert.equal(l.nic.backend.send(new Uint8Array(1000)), true);
  assert.equal(l.nic.backend.send(new Uint8Array(1000)), false, 'over the limit: congested, frame accepted');
  assert.equal(sent.length, 2);
  for (let i = 0; i < 4; i++) innerFrame!(new Uint8Array(1000));
  assert.equal(got.length, 2, 'two frames fit the bucket; the rest wait');
  assert.equal(receiving.at(-1), false, 'the real backend is asked to stop reading');
  await waitUntil(() => sent.length === 3 && drained === 1 && got.length === 4);
  assert.equal(receiving.at(-1), true);
  assert.deepEqual(counters, { rxBytes: 4000, txBytes: 3000, rxFrames: 4, txFrames: 3 });
  l.update(undefined);
  for (let i = 0; i < 20; i++) assert.equal(l.nic.backend.send(new Uint8Array(1000)), true, 'no limit after update');
  assert.ok(l.throttledMs() > 0);
});

async function waitUntil(f: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !f(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(f(), 'condition not reached in 500 ms');
}

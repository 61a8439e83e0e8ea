/** Tests of virtio-balloon (virtio 1.2 §5.5) through the transport with the driver-side mock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../../tests/fakes/virtio-rig.js';
import { VirtioBalloon, type BalloonStats } from './device.js';
import * as B from './regs.js';
import * as R from '../regs.js';
import { bit } from '../device.js';

/** A reclaimer that zero-fills and records what it was given (as [guest offset into view buffer, len]). */
function recorder(released = true) {
  const calls: number[] = [];
  return { calls, discard: (v: Uint8Array) => { v.fill(0); calls.push(v.length); return released ? v.length : 0; } };
}

function setup(opts: { accept?: bigint; released?: boolean } = {}) {
  const rec = recorder(opts.released ?? true);
  const stats: BalloonStats[] = [];
  const dev = new VirtioBalloon({ reclaimer: rec, onStats: (s) => stats.push(s) });
  const rig = virtioRig(dev);
  rig.driver.init(opts.accept !== undefined ? { accept: opts.accept } : {});
  return { ...rig, dev, rec, stats, drv: rig.driver };
}

function pfnList(drv: ReturnType<typeof setup>['drv'], pfns: number[]): number {
  const a = drv.alloc(4 * pfns.length, 4);
  pfns.forEach((p, i) => drv.mem.write32(a + 4 * i, p));
  return a;
}

test('balloon: device ID 5, features STATS_VQ | DEFLATE_ON_OOM | PAGE_REPORTING, four queues, 16-byte config', () => {
  const { drv } = setup();
  assert.equal(drv.r32(R.DEVICE_ID), 5);
  assert.equal(drv.deviceFeatures() & 0xffffffn, bit(1) | bit(2) | bit(5));
  assert.equal(drv.queueCount, 4);
});

test('balloon: setTarget updates num_pages, bumps the generation and raises a config interrupt; actual is driver-writable', () => {
  const { drv, dev, transport } = setup();
  const gen = drv.r32(R.CONFIG_GENERATION);
  dev.setTarget(32768);
  assert.equal(drv.cfg(B.CFG_NUM_PAGES, 4), 32768);
  assert.equal(drv.r32(R.CONFIG_GENERATION), gen + 1);
  assert.equal(drv.ackInterrupt(), R.INT_CONFIG);
  drv.cfgWrite(B.CFG_ACTUAL, 4, 1000);
  assert.equal(dev.actual, 1000);
  drv.cfgWrite(B.CFG_NUM_PAGES, 4, 1);
  assert.equal(dev.target, 32768);
  assert.equal(transport.errors.byKind.get('config-readonly'), 1);
  assert.throws(() => dev.setTarget(-1), RangeError);
});

test('balloon: inflate zeroes and reclaims pages, batching contiguous PFNs; bad PFNs are counted and skipped', () => {
  const { drv, dev, rec, transport } = setup();
  const base = drv.alloc(5 * 4096, 4096);
  drv.mem.fill(base, 5 * 4096, 0xaa);
  const pfn0 = base / 4096;
  const list = [pfn0, pfn0 + 1, pfn0 + 2, pfn0 + 4, 0x10, 0xffffffff];
  const a = pfnList(drv, list);
  const q = drv.queue(0);
  q.add([{ addr: a, len: 4 * list.length }]);
  q.kick();
  assert.equal(q.takeUsed().length, 1);
  assert.deepEqual(rec.calls, [3 * 4096, 4096]);
  for (const p of [0, 1, 2, 4]) assert.equal(drv.mem.read8(base + p * 4096 + 100), 0);
  assert.equal(drv.mem.read8(base + 3 * 4096), 0xaa, 'a page not in the list keeps its contents');
  assert.equal(dev.metrics.inflatedPages, 4);
  assert.equal(dev.metrics.badPfns, 2);
  assert.equal(dev.metrics.reclaimedBytes, 4 * 4096);
  assert.equal(transport.errors.byKind.get('bad-pfn'), 2);
});

test('balloon: without the native helper bytes are counted as zeroed only', () => {
  const { drv, dev } = setup({ released: false });
  const base = drv.alloc(4096, 4096);
  drv.queue(0).add([{ addr: pfnList(drv, [base / 4096]), len: 4 }]);
  drv.queue(0).kick();
  assert.equal(dev.metrics.reclaimedBytes, 0);
  assert.equal(dev.metrics.zeroedOnlyBytes, 4096);
});

test('balloon: deflate returns buffers and counts pages', () => {
  const { drv, dev, rec } = setup();
  drv.queue(1).add([{ addr: pfnList(drv, [1, 2, 3]), len: 12 }]);
  drv.queue(1).kick();
  assert.equal(drv.queue(1).takeUsed().length, 1);
  assert.equal(dev.metrics.deflatedPages, 3);
  assert.equal(rec.calls.length, 0);
});

test('balloon: stats buffer is held, parsed and returned on requestStats()', () => {
  const { drv, dev, stats } = setup();
  assert.equal(dev.requestStats(), false);
  const q = drv.queue(2);
  const buf = drv.alloc(20);
  drv.mem.write16(buf, 4); drv.mem.write64(buf + 2, 123456n);      // freeMemory
  drv.mem.write16(buf + 10, 5); drv.mem.write64(buf + 12, 999999n); // totalMemory
  q.add([{ addr: buf, len: 20 }]);
  q.kick();
  assert.equal(q.takeUsed().length, 0, 'held by the device');
  assert.equal(stats.length, 1);
  assert.equal(dev.stats.values['freeMemory'], 123456n);
  assert.equal(dev.stats.values['totalMemory'], 999999n);
  assert.equal(dev.requestStats(), true);
  assert.equal(q.takeUsed().length, 1, 'returned so the driver refills it');
});

test('balloon: free-page reporting discards the whole pages of writable buffers and returns them with length 0', () => {
  const { drv, dev, rec } = setup();
  const base = drv.alloc(8 * 4096, 4096);
  drv.mem.fill(base, 8 * 4096, 0x55);
  const q = drv.queue(3);
  q.add([{ addr: base, len: 4 * 4096, write: true }, { addr: base + 4 * 4096 + 100, len: 2 * 4096, write: true }]);
  q.kick();
  assert.deepEqual(q.takeUsed().map((u) => u.len), [0]);
  assert.deepEqual(rec.calls, [4 * 4096, 4096]);
  assert.equal(drv.mem.read8(base + 4096), 0);
  assert.equal(drv.mem.read8(base + 4 * 4096 + 100), 0x55, 'partial page kept');
  assert.equal(drv.mem.read8(base + 5 * 4096 + 10), 0);
  assert.equal(dev.metrics.reportedBytes, 5 * 4096);
});

test('balloon: without STATS_VQ the reporting queue is queue 2 (queues numbered as negotiated)', () => {
  const { drv, dev } = setup({ accept: ~bit(B.VIRTIO_BALLOON_F_STATS_VQ) });
  const base = drv.alloc(4096, 4096);
  drv.queue(2).add([{ addr: base, len: 4096, write: true }]);
  drv.queue(2).kick();
  assert.equal(dev.metrics.reportedBytes, 4096);
});

test('balloon: reset keeps the host target and clears actual', () => {
  const { drv, dev } = setup();
  dev.setTarget(100);
  drv.cfgWrite(B.CFG_ACTUAL, 4, 50);
  drv.init();
  assert.equal(drv.cfg(B.CFG_NUM_PAGES, 4), 100);
  assert.equal(drv.cfg(B.CFG_ACTUAL, 4), 0);
});

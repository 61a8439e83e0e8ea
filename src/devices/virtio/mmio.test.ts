/** Tests of the virtio-mmio transport (virtio 1.2 §4.2.2) and split virtqueues (§2.7) with the driver-side mock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../tests/fakes/virtio-rig.js';
import { EchoDevice, ECHO_DEVICE_ID } from '../../../tests/fakes/virtio-echo.js';
import * as R from './regs.js';
import {
  STATUS_ACKNOWLEDGE, STATUS_DRIVER, STATUS_FEATURES_OK, STATUS_DRIVER_OK, STATUS_DEVICE_NEEDS_RESET,
  VIRTIO_F_VERSION_1, VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_RING_EVENT_IDX, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE,
  VIRTQ_DESC_F_INDIRECT, VIRTQ_AVAIL_F_NO_INTERRUPT, VIRTQ_USED_F_NO_NOTIFY, bit, type VirtioDevice,
} from './device.js';

function rig(dev = new EchoDevice()) {
  const r = virtioRig(dev);
  return { ...r, dev, drv: r.driver };
}

const NO_EVENT_IDX = ~bit(VIRTIO_F_RING_EVENT_IDX);

/** Writes `data` to a fresh buffer and returns [readable, writable] bufs for an echo of data.length bytes. */
function echoBufs(drv: ReturnType<typeof rig>['drv'], data: Uint8Array) {
  const src = drv.alloc(data.length), dst = drv.alloc(data.length);
  drv.mem.write(src, data);
  return { src, dst, bufs: [{ addr: src, len: data.length }, { addr: dst, len: data.length, write: true }] };
}

test('identification registers: magic, version 2, device and vendor IDs, no SHM regions', () => {
  const { drv } = rig();
  assert.equal(drv.r32(R.MAGIC_VALUE), 0x74726976);
  assert.equal(drv.r32(R.VERSION), 2);
  assert.equal(drv.r32(R.DEVICE_ID), ECHO_DEVICE_ID);
  assert.equal(drv.r32(R.VENDOR_ID), 0x554d4551);
  drv.w32(R.SHM_SEL, 0);
  assert.equal(drv.r32(R.SHM_LEN_LOW), 0xffffffff);
  assert.equal(drv.r32(R.SHM_LEN_HIGH), 0xffffffff);
});

test('device features: VERSION_1, INDIRECT_DESC, EVENT_IDX and the device bits', () => {
  const { drv } = rig();
  const f = drv.deviceFeatures();
  assert.equal(f, bit(VIRTIO_F_VERSION_1) | bit(VIRTIO_F_RING_INDIRECT_DESC) | bit(VIRTIO_F_RING_EVENT_IDX) | 1n);
  drv.w32(R.DEVICE_FEATURES_SEL, 7);
  assert.equal(drv.r32(R.DEVICE_FEATURES), 0);
});

test('handshake: FEATURES_OK refused without VERSION_1 or with unknown bits; accepted otherwise', () => {
  const { drv, transport } = rig();
  assert.equal(drv.init({ accept: ~bit(VIRTIO_F_VERSION_1) }), false);
  assert.equal(drv.status() & STATUS_FEATURES_OK, 0);
  assert.equal(transport.errors.byKind.get('bad-features'), 1);
  // A driver that accepts a bit that was not offered.
  drv.w32(R.STATUS, 0);
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
  drv.w32(R.DRIVER_FEATURES_SEL, 1); drv.w32(R.DRIVER_FEATURES, 1 | (1 << 9));
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK);
  assert.equal(drv.status() & STATUS_FEATURES_OK, 0);
  assert.equal(drv.init(), true);
  assert.equal(drv.status(), STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_FEATURES_OK | STATUS_DRIVER_OK);
  assert.equal(transport.features, drv.features);
});

test('status writes out of order, clearing bits or setting NEEDS_RESET are ignored and counted', () => {
  const { drv, transport, dev } = rig();
  drv.w32(R.STATUS, STATUS_DRIVER); // DRIVER without ACKNOWLEDGE
  assert.equal(drv.status(), 0);
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE);
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK); // DRIVER_OK before FEATURES_OK
  assert.equal(drv.status(), STATUS_ACKNOWLEDGE);
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE | STATUS_DEVICE_NEEDS_RESET);
  assert.equal(drv.status(), STATUS_ACKNOWLEDGE);
  drv.init();
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE); // clears bits
  assert.equal(drv.status() & STATUS_DRIVER_OK, STATUS_DRIVER_OK);
  assert.equal(dev.activations, 1);
  assert.ok((transport.errors.byKind.get('status-order') ?? 0) >= 4);
});

test('register access rules: 32-bit only; write-only registers read 0; DriverFeatures only before FEATURES_OK', () => {
  const { drv, transport } = rig();
  const hi = { value: 0 };
  assert.equal(transport.read(R.MAGIC_VALUE, 0, hi), 0);
  assert.equal(transport.read(R.MAGIC_VALUE + 2, 1, hi), 0);
  transport.write(R.STATUS, 0, 1, 0);
  assert.equal(drv.status(), 0);
  assert.equal(drv.r32(R.QUEUE_NOTIFY), 0);
  assert.equal(drv.r32(0x0f0), 0);
  assert.equal(transport.errors.byKind.get('bad-access'), 3);
  drv.init();
  const before = transport.features;
  drv.w32(R.DRIVER_FEATURES_SEL, 0); drv.w32(R.DRIVER_FEATURES, 0);
  assert.equal(transport.features, before);
  assert.ok(transport.errors.byKind.get('state')! >= 1);
});

test('queue setup: QueueNumMax per queue, 0 past the last; registers locked while ready; reset clears ready', () => {
  const { drv, transport } = rig(new EchoDevice(64));
  drv.w32(R.QUEUE_SEL, 1);
  assert.equal(drv.r32(R.QUEUE_NUM_MAX), 64);
  drv.w32(R.QUEUE_SEL, 2);
  assert.equal(drv.r32(R.QUEUE_NUM_MAX), 0);
  drv.init({ driverOk: false });
  drv.w32(R.QUEUE_SEL, 0);
  assert.equal(drv.r32(R.QUEUE_READY), 1);
  const errs = transport.errors.count;
  drv.w32(R.QUEUE_NUM, 8);
  drv.w32(R.QUEUE_DESC_LOW, 0);
  assert.equal(transport.errors.count, errs + 2);
  drv.w32(R.STATUS, 0);
  assert.equal(drv.r32(R.QUEUE_READY), 0);
  assert.equal(drv.status(), 0);
});

for (const [what, patch] of [
  ['a size that is not a power of two', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_NUM, 12)],
  ['a size above QueueNumMax', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_NUM, 32)],
  ['a size of 0', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_NUM, 0)],
  ['a misaligned descriptor table', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_DESC_LOW, d.mem.ramBase + 8)],
  ['a misaligned used ring', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_DEVICE_LOW, d.mem.ramBase + 2)],
  ['a descriptor table outside RAM', (d: ReturnType<typeof rig>['drv']) => { d.w32(R.QUEUE_DESC_LOW, 0x1000); d.w32(R.QUEUE_DESC_HIGH, 0); }],
  ['a driver area above 4 GiB', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_DRIVER_HIGH, 1)],
  ['a device area straddling the end of RAM', (d: ReturnType<typeof rig>['drv']) => d.w32(R.QUEUE_DEVICE_LOW, d.mem.ramBase + d.mem.ramSize - 64)],
] as const) {
  test(`QueueReady with ${what} sets DEVICE_NEEDS_RESET`, () => {
    const { drv, transport } = rig();
    drv.init({ driverOk: false, queues: 0 });
    drv.w32(R.QUEUE_SEL, 0);
    drv.w32(R.QUEUE_NUM, 16);
    const base = drv.alloc(4096, 4096);
    drv.w32(R.QUEUE_DESC_LOW, base); drv.w32(R.QUEUE_DRIVER_LOW, base + 1024); drv.w32(R.QUEUE_DEVICE_LOW, base + 2048);
    patch(drv);
    drv.w32(R.QUEUE_READY, 1);
    assert.equal(drv.r32(R.QUEUE_READY), 0);
    assert.ok(drv.status() & STATUS_DEVICE_NEEDS_RESET);
    assert.equal(transport.needsResetCount, 1);
    assert.equal(transport.errors.byKind.get('bad-queue-setup'), 1);
  });
}

test('echo through a direct chain: used element, length, interrupt and ACK', () => {
  const { drv, irq, dev } = rig();
  drv.init();
  const data = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const { dst, bufs } = echoBufs(drv, data);
  const q = drv.queue(0);
  const head = q.add(bufs)!;
  q.kick();
  assert.deepEqual(q.takeUsed(), [{ id: head, len: 9 }]);
  assert.deepEqual(drv.mem.read(dst, 9), data);
  assert.equal(irq.level, true);
  assert.equal(drv.ackInterrupt(), R.INT_VRING);
  assert.equal(irq.level, false);
  assert.equal(dev.activations, 1);
});

test('chains split across many segments, readable and writable', () => {
  const { drv } = rig();
  drv.init();
  const data = Uint8Array.from({ length: 100 }, (_, i) => i);
  const src = drv.alloc(100), dst = drv.alloc(100);
  drv.mem.write(src, data);
  const q = drv.queue(0);
  q.add([{ addr: src, len: 30 }, { addr: src + 30, len: 70 }, { addr: dst, len: 1, write: true }, { addr: dst + 1, len: 50, write: true }, { addr: dst + 51, len: 49, write: true }]);
  q.kick();
  assert.equal(q.takeUsed()[0]!.len, 100);
  assert.deepEqual(drv.mem.read(dst, 100), data);
});

test('indirect descriptors are followed when negotiated', () => {
  const { drv } = rig();
  drv.init();
  const data = new TextEncoder().encode('indirect!');
  const { dst, bufs } = echoBufs(drv, data);
  const q = drv.queue(0);
  const head = q.add(bufs, { indirect: true })!;
  q.kick();
  assert.deepEqual(q.takeUsed(), [{ id: head, len: data.length }]);
  assert.deepEqual(drv.mem.read(dst, data.length), data);
});

test('indirect descriptor without the feature: DEVICE_NEEDS_RESET', () => {
  const { drv, transport } = rig();
  drv.init({ accept: ~bit(VIRTIO_F_RING_INDIRECT_DESC) });
  const { bufs } = echoBufs(drv, new Uint8Array(4));
  drv.queue(0).add(bufs, { indirect: true });
  drv.queue(0).kick();
  assert.ok(drv.status() & STATUS_DEVICE_NEEDS_RESET);
  assert.equal(transport.errors.byKind.get('indirect-not-negotiated'), 1);
});

test('NO_INTERRUPT suppresses the used-buffer interrupt (no EVENT_IDX); NO_NOTIFY is set while polling', () => {
  const { drv, irq } = rig();
  drv.init({ accept: NO_EVENT_IDX });
  const q = drv.queue(0);
  q.setAvailFlags(VIRTQ_AVAIL_F_NO_INTERRUPT);
  q.add(echoBufs(drv, new Uint8Array(4)).bufs);
  q.kick();
  assert.equal(q.takeUsed().length, 1);
  assert.equal(irq.raises, 0);
  q.setAvailFlags(0);
  q.add(echoBufs(drv, new Uint8Array(4)).bufs);
  q.kick();
  assert.equal(irq.raises, 1);
});

test('EVENT_IDX: interrupt only when used_event is crossed; avail_event follows the consumed index', async () => {
  const dev = new EchoDevice();
  const { drv, irq } = rig(dev);
  drv.init();
  const q = drv.queue(0);
  q.setUsedEvent(2); // interrupt me when the 3rd buffer is used
  for (let i = 0; i < 3; i++) {
    q.add(echoBufs(drv, new Uint8Array(4)).bufs);
    q.kick();
    assert.equal(q.availEvent(), i + 1);
    assert.equal(irq.raises, i === 2 ? 1 : 0, `after buffer ${i}`);
  }
  // The VirtQueue notification API: disable writes nothing with EVENT_IDX, enable re-arms avail_event.
  const vq = dev.queues[0]!;
  vq.disableNotifications();
  assert.equal(vq.enableNotifications(), false);
  q.add(echoBufs(drv, new Uint8Array(4)).bufs);
  assert.equal(vq.enableNotifications(), true);
});

test('disable/enableNotifications toggle VIRTQ_USED_F_NO_NOTIFY without EVENT_IDX', () => {
  const dev = new EchoDevice();
  const { drv } = rig(dev);
  drv.init({ accept: NO_EVENT_IDX });
  const vq = dev.queues[0]!;
  vq.disableNotifications();
  assert.equal(drv.queue(0).usedFlags(), VIRTQ_USED_F_NO_NOTIFY);
  vq.enableNotifications();
  assert.equal(drv.queue(0).usedFlags(), 0);
});

/** Sets up a queue, lets `bad` corrupt it, kicks: the device must need a reset, then recover. */
function expectNeedsReset(kind: string, bad: (q: ReturnType<ReturnType<typeof rig>['drv']['queue']>, d: ReturnType<typeof rig>['drv']) => void): void {
  const { drv, transport, irq } = rig();
  drv.init();
  const q = drv.queue(0);
  bad(q, drv);
  q.kick();
  assert.ok(drv.status() & STATUS_DEVICE_NEEDS_RESET, `${kind}: NEEDS_RESET set`);
  assert.equal(transport.errors.byKind.get(kind), 1, `${kind} counted: ${[...transport.errors.byKind.keys()].join(',')}`);
  assert.ok(drv.ackInterrupt() & R.INT_CONFIG, 'config-change interrupt');
  assert.equal(irq.level, false);
  // Further kicks are ignored without new errors of the kind.
  q.kick();
  assert.equal(transport.errors.byKind.get(kind), 1);
  // Recovery: reset and a well-formed request works.
  drv.init();
  const data = new Uint8Array([42, 43]);
  const { dst, bufs } = echoBufs(drv, data);
  drv.queue(0).add(bufs);
  drv.queue(0).kick();
  assert.equal(drv.queue(0).takeUsed()[0]!.len, 2);
  assert.deepEqual(drv.mem.read(dst, 2), data);
  assert.equal(drv.status() & STATUS_DEVICE_NEEDS_RESET, 0);
}

test('descriptor loop → NEEDS_RESET (bounded by the queue size), then recovery', () => {
  expectNeedsReset('chain-too-long', (q) => {
    q.writeDesc(0, q.desc, 4, VIRTQ_DESC_F_NEXT, 1);
    q.writeDesc(1, q.desc, 4, VIRTQ_DESC_F_NEXT, 0);
    q.publish(0);
  });
});

test('next index outside the queue → NEEDS_RESET', () => {
  expectNeedsReset('bad-next', (q) => { q.writeDesc(0, q.desc, 4, VIRTQ_DESC_F_NEXT, 999); q.publish(0); });
});

test('head index outside the queue → NEEDS_RESET', () => {
  expectNeedsReset('bad-head', (q) => { q.publish(q.size + 3); });
});

test('buffer outside RAM → NEEDS_RESET', () => {
  expectNeedsReset('buffer-outside-ram', (q, d) => { q.writeDesc(0, d.mem.ramBase + d.mem.ramSize - 2, 4, 0, 0); q.publish(0); });
});

test('buffer address above 2^53 → NEEDS_RESET, not a precision bug', () => {
  expectNeedsReset('buffer-outside-ram', (q) => { q.writeDesc(0, 0xffff_ffff_ffff_f000n, 16, 0, 0); q.publish(0); });
});

test('device-readable after device-writable → NEEDS_RESET', () => {
  expectNeedsReset('bad-direction', (q, d) => {
    const a = d.alloc(64);
    q.writeDesc(0, a, 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
    q.writeDesc(1, a + 8, 8, 0, 0);
    q.publish(0);
  });
});

test('avail index more than the queue size ahead → NEEDS_RESET', () => {
  expectNeedsReset('bad-avail-idx', (q) => { q.setAvailIdx(q.size + 1); });
});

test('indirect table inside an indirect table → NEEDS_RESET', () => {
  expectNeedsReset('nested-indirect', (q, d) => {
    const t = d.alloc(32, 16);
    q.writeDesc(0, t, 16, VIRTQ_DESC_F_INDIRECT, 0, t);
    q.writeDesc(0, t, 16, VIRTQ_DESC_F_INDIRECT, 0);
    q.publish(0);
  });
});

test('zero-length and odd-length indirect tables → NEEDS_RESET', () => {
  expectNeedsReset('bad-indirect-len', (q, d) => { q.writeDesc(0, d.alloc(16), 0, VIRTQ_DESC_F_INDIRECT, 0); q.publish(0); });
  expectNeedsReset('bad-indirect-len', (q, d) => { q.writeDesc(0, d.alloc(32), 20, VIRTQ_DESC_F_INDIRECT, 0); q.publish(0); });
});

test('INDIRECT together with NEXT → NEEDS_RESET', () => {
  expectNeedsReset('indirect-next', (q, d) => { q.writeDesc(0, d.alloc(16), 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1); q.publish(0); });
});

test('loop inside an indirect table → NEEDS_RESET', () => {
  expectNeedsReset('chain-too-long', (q, d) => {
    const t = d.alloc(64, 16);
    q.writeDesc(0, t, 4, VIRTQ_DESC_F_NEXT, 1, t);
    q.writeDesc(1, t, 4, VIRTQ_DESC_F_NEXT, 0, t);
    q.writeDesc(0, t, 32, VIRTQ_DESC_F_INDIRECT, 0);
    q.publish(0);
  });
});

test('an exception thrown by the device becomes NEEDS_RESET, not a host crash', () => {
  const dev = new EchoDevice();
  dev.notify = () => { throw new Error('device bug'); };
  const { drv, transport } = rig(dev);
  drv.init();
  drv.queue(0).kick();
  assert.ok(drv.status() & STATUS_DEVICE_NEEDS_RESET);
  assert.equal(transport.errors.byKind.get('device-exception'), 1);
});

test('QueueNotify before FEATURES_OK or of a queue that is not ready is ignored and counted', () => {
  const { drv, transport } = rig();
  drv.w32(R.STATUS, STATUS_ACKNOWLEDGE);
  drv.w32(R.QUEUE_NOTIFY, 0);
  drv.init();
  drv.w32(R.QUEUE_NOTIFY, 9);
  assert.equal(transport.errors.byKind.get('state'), 1);
  assert.equal(transport.errors.byKind.get('bad-queue'), 1);
  assert.equal(drv.status() & STATUS_DEVICE_NEEDS_RESET, 0);
});

test('a kick of a ready queue between FEATURES_OK and DRIVER_OK is served at DRIVER_OK (Linux virtio-balloon does this)', () => {
  const { drv, transport } = rig();
  drv.init({ driverOk: false });
  const data = new Uint8Array([5, 6, 7]);
  const { dst, bufs } = echoBufs(drv, data);
  drv.queue(0).add(bufs);
  drv.queue(0).kick();
  assert.equal(drv.queue(0).usedIdx(), 0);
  drv.w32(R.STATUS, drv.status() | STATUS_DRIVER_OK);
  assert.equal(drv.queue(0).takeUsed()[0]!.len, 3);
  assert.deepEqual(drv.mem.read(dst, 3), data);
  assert.equal(transport.errors.count, 0);
});

test('config space: byte/half/word access, 8-byte split, bounds, write state, generation and config interrupt', () => {
  const { drv, transport, dev, irq } = rig();
  const hi = { value: 0 };
  drv.cfgWrite(0, 4, 0x11223344); // before DRIVER: ignored
  assert.equal(drv.cfg(0, 4), 0);
  assert.equal(transport.errors.byKind.get('state'), 1);
  drv.init();
  drv.cfgWrite(0, 4, 0x11223344);
  assert.equal(drv.cfg(0, 1), 0x44);
  assert.equal(drv.cfg(2, 2), 0x1122);
  dev.cfg.set32(4, 0xdeadbeef);
  assert.equal(transport.read(R.CONFIG, 3, hi) >>> 0, 0x11223344);
  assert.equal(hi.value >>> 0, 0xdeadbeef);
  assert.equal(transport.read(R.CONFIG + 6, 2, hi), 0); // misaligned
  assert.equal(transport.read(R.CONFIG + 8, 0, hi), 0); // past the end
  assert.equal(transport.errors.byKind.get('bad-config-access'), 2);
  const gen = drv.r32(R.CONFIG_GENERATION);
  assert.equal(irq.raises, 0);
  dev.setHost(5);
  assert.equal(drv.r32(R.CONFIG_GENERATION), gen + 1);
  assert.equal(drv.cfg(4, 4), 5);
  assert.equal(drv.ackInterrupt(), R.INT_CONFIG);
});

test('asynchronous completion: used later, with an interrupt; a completion racing a reset is dropped', async () => {
  const dev = new EchoDevice();
  const { drv, irq } = rig(dev);
  drv.init();
  const q = drv.queue(1);
  const data = new Uint8Array([9, 8, 7]);
  const { dst, bufs } = echoBufs(drv, data);
  q.add(bufs);
  q.kick();
  assert.equal(q.usedIdx(), 0);
  assert.equal(irq.raises, 0);
  await new Promise((r) => setImmediate(r));
  assert.equal(q.takeUsed()[0]!.len, 3);
  assert.deepEqual(drv.mem.read(dst, 3), data);
  assert.equal(irq.raises, 1);
  drv.ackInterrupt();
  // Kick, then reset before completion: nothing lands in the (new) rings, no interrupt.
  q.add(echoBufs(drv, data).bufs);
  q.kick();
  drv.init();
  await new Promise((r) => setImmediate(r));
  assert.equal(drv.queue(1).usedIdx(), 0);
  assert.equal(irq.level, false);
});

test('more chains in flight than the queue size (head reuse) → NEEDS_RESET', async () => {
  const dev = new EchoDevice();
  const { drv, transport } = rig(dev);
  dev.notify = (i) => { const vq = dev.queues[i]!; while (vq.pop()) { /* keep them all */ } };
  drv.init();
  const q = drv.queue(0);
  const a = drv.alloc(16);
  q.writeDesc(0, a, 16, VIRTQ_DESC_F_WRITE, 0);
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < q.size; i++) q.publish(0);
    q.kick();
  }
  assert.ok(drv.status() & STATUS_DEVICE_NEEDS_RESET);
  assert.equal(transport.errors.byKind.get('too-many-in-flight'), 1);
});

test('QueueReady=0 stops a queue; QueueReset is not offered', () => {
  const { drv, transport, dev } = rig();
  drv.init();
  const vq = dev.queues[0]!;
  drv.w32(R.QUEUE_SEL, 0);
  drv.w32(R.QUEUE_READY, 0);
  assert.equal(vq.live, false);
  drv.w32(R.QUEUE_RESET, 1);
  assert.equal(transport.errors.byKind.get('state'), 1);
});

test('a device with an impossible queue size is a construction error (host/config fault)', () => {
  const dev = new EchoDevice(12) as VirtioDevice;
  assert.throws(() => virtioRig(dev), /power of two/);
});

/** Tests of virtio-rng (virtio 1.2 §5.4) through the transport with the driver-side mock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../../tests/fakes/virtio-rig.js';
import { VirtioRng, MAX_BYTES_PER_REQUEST } from './device.js';
import * as R from '../regs.js';

/** A deterministic "entropy" source: counts bytes. */
function counter() {
  let n = 0;
  return { fill: (b: Uint8Array) => { for (let i = 0; i < b.length; i++) b[i] = (n++ * 7 + 1) & 0xff; } };
}

test('virtio-rng: device ID 4, one queue, no config, no device features', () => {
  const { driver } = virtioRig(new VirtioRng({ source: counter() }));
  assert.equal(driver.r32(R.DEVICE_ID), 4);
  assert.equal(driver.deviceFeatures() & 0xffffffn, 0n);
  driver.init();
  assert.equal(driver.queueCount, 1);
});

test('virtio-rng fills writable buffers (across segments) from the source and interrupts', () => {
  const dev = new VirtioRng({ source: counter() });
  const { driver, irq } = virtioRig(dev);
  driver.init();
  const a = driver.alloc(10), b = driver.alloc(6);
  const q = driver.queue(0);
  const head = q.add([{ addr: a, len: 10, write: true }, { addr: b, len: 6, write: true }])!;
  q.kick();
  assert.deepEqual(q.takeUsed(), [{ id: head, len: 16 }]);
  const got = [...driver.mem.read(a, 10), ...driver.mem.read(b, 6)];
  assert.deepEqual(got, Array.from({ length: 16 }, (_, i) => (i * 7 + 1) & 0xff));
  assert.equal(irq.level, true);
  assert.equal(dev.bytesDelivered, 16);
});

test('virtio-rng caps one request and returns buffers without writable space with length 0', () => {
  const { driver, transport } = virtioRig(new VirtioRng({ source: counter() }));
  driver.init();
  const q = driver.queue(0);
  const big = driver.alloc(MAX_BYTES_PER_REQUEST + 4096);
  q.add([{ addr: big, len: MAX_BYTES_PER_REQUEST + 4096, write: true }]);
  q.add([{ addr: driver.alloc(8), len: 8 }]);
  q.kick();
  const used = q.takeUsed();
  assert.equal(used[0]!.len, MAX_BYTES_PER_REQUEST);
  assert.equal(used[1]!.len, 0);
  assert.equal(transport.errors.byKind.get('no-writable-buffer'), 1);
});

test('virtio-rng serves buffers posted before DRIVER_OK when it goes live', () => {
  const { driver } = virtioRig(new VirtioRng({ source: counter() }));
  driver.init({ driverOk: false });
  const q = driver.queue(0);
  q.add([{ addr: driver.alloc(4), len: 4, write: true }]);
  driver.w32(R.STATUS, driver.status() | 4);
  assert.equal(q.takeUsed()[0]!.len, 4);
});

/** Tests of virtio-input (virtio 1.2 §5.8) as hv's power button, through the transport with the driver-side mock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../../tests/fakes/virtio-rig.js';
import type { VirtioTestDriver } from '../../../../tests/fakes/virtio-driver.js';
import { VirtioInput, powerButtonConfig, MAX_PENDING_EVENTS } from './device.js';
import * as I from './regs.js';
import * as R from '../regs.js';

/** Selects (select, subsel) like Linux's virtinput_cfg_select and returns [size, u[0..size)]. */
function query(drv: VirtioTestDriver, select: number, subsel: number): [number, number[]] {
  drv.cfgWrite(I.CFG_SELECT, 1, select);
  drv.cfgWrite(I.CFG_SUBSEL, 1, subsel);
  const size = drv.cfg(I.CFG_SIZE, 1);
  return [size, Array.from({ length: size }, (_, i) => drv.cfg(I.CFG_U + i, 1))];
}

/** Posts `n` 8-byte device-writable event buffers on eventq; returns their addresses by head. */
function postBuffers(drv: VirtioTestDriver, n: number, len = I.EVENT_SIZE): Map<number, number> {
  return drv.postWritable(I.Q_EVENT, n, len);
}

/** Used eventq buffers, decoded as events in ring order. */
function takeEvents(drv: VirtioTestDriver, bufs: Map<number, number>): { type: number; code: number; value: number }[] {
  return drv.queue(I.Q_EVENT).takeUsed().map((u) => {
    assert.equal(u.len, I.EVENT_SIZE);
    const a = bufs.get(u.id)!;
    return { type: drv.mem.read16(a), code: drv.mem.read16(a + 2), value: drv.mem.read32(a + 4) | 0 };
  });
}

const PRESS = [
  { type: I.EV_KEY, code: I.KEY_POWER, value: 1 }, { type: I.EV_SYN, code: I.SYN_REPORT, value: 0 },
  { type: I.EV_KEY, code: I.KEY_POWER, value: 0 }, { type: I.EV_SYN, code: I.SYN_REPORT, value: 0 },
];

test('virtio-input: device ID 18, two queues (eventq, statusq), no device features, 136-byte config', () => {
  const { driver, transport } = virtioRig(new VirtioInput(powerButtonConfig()));
  assert.equal(driver.r32(R.DEVICE_ID), 18);
  assert.equal(driver.deviceFeatures() & 0xffffffn, 0n);
  assert.ok(driver.init());
  assert.equal(driver.queueCount, 2);
  assert.equal(transport.device.configSize, 136);
});

test('virtio-input config: name, serial, devids, EV_BITS for EV_KEY (KEY_POWER) and EV_SYN; size 0 otherwise', () => {
  const { driver, transport } = virtioRig(new VirtioInput(powerButtonConfig()));
  driver.init();
  const str = (b: number[]): string => String.fromCharCode(...b);
  const [nSize, name] = query(driver, I.CFG_ID_NAME, 0);
  assert.equal(nSize, 'hv power button'.length);
  assert.equal(str(name), 'hv power button');
  assert.equal(str(query(driver, I.CFG_ID_SERIAL, 0)[1]), 'hv-power-button');
  assert.deepEqual(query(driver, I.CFG_ID_DEVIDS, 0), [8, [I.BUS_VIRTUAL, 0, 0, 0, 1, 0, 1, 0]]);
  // KEY_POWER = 116 = byte 14, bit 4: the bitmap is 15 bytes long.
  const [kSize, keys] = query(driver, I.CFG_EV_BITS, I.EV_KEY);
  assert.equal(kSize, 15);
  assert.deepEqual(keys, [...new Array<number>(14).fill(0), 0x10]);
  assert.deepEqual(query(driver, I.CFG_EV_BITS, I.EV_SYN), [1, [1]]);
  // Event types the device does not have, properties, absinfo, unset, unknown, ID_NAME with a subsel: no answer.
  for (const [sel, sub] of [[I.CFG_EV_BITS, 2], [I.CFG_EV_BITS, 3], [I.CFG_EV_BITS, 0x11], [I.CFG_PROP_BITS, 0], [I.CFG_ABS_INFO, 0],
    [I.CFG_UNSET, 0], [0x7f, 0], [0xff, 0xff], [I.CFG_ID_NAME, 1]] as const) {
    assert.deepEqual(query(driver, sel, sub), [0, []], `select 0x${sel.toString(16)} subsel ${sub}`);
    assert.equal(driver.cfg(I.CFG_U, 4), 0, 'u is cleared');
  }
  // select/subsel read back; a 16-bit write sets both; other bytes are read-only (counted).
  driver.cfgWrite(I.CFG_SELECT, 2, I.CFG_EV_BITS | (I.EV_KEY << 8));
  assert.equal(driver.cfg(I.CFG_SELECT, 1), I.CFG_EV_BITS);
  assert.equal(driver.cfg(I.CFG_SUBSEL, 1), I.EV_KEY);
  assert.equal(driver.cfg(I.CFG_SIZE, 1), 15);
  driver.cfgWrite(I.CFG_SIZE, 1, 99);
  driver.cfgWrite(I.CFG_U, 4, 0xffffffff);
  assert.equal(driver.cfg(I.CFG_SIZE, 1), 15);
  assert.equal(driver.cfg(I.CFG_U + 12, 4), 0x10 << 16);
  assert.equal(transport.errors.byKind.get('config-readonly'), 2);
  // A driver reset clears the selection.
  driver.init();
  assert.equal(driver.cfg(I.CFG_SELECT, 1), 0);
  assert.equal(driver.cfg(I.CFG_SIZE, 1), 0);
});

test('virtio-input: a power-button press becomes press, SYN, release, SYN in four eventq buffers, with an interrupt', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver, irq } = virtioRig(dev);
  driver.init();
  assert.equal(dev.driverReady, true);
  const bufs = postBuffers(driver, 8);
  assert.deepEqual(driver.queue(I.Q_EVENT).takeUsed(), [], 'no events before a press');
  driver.ackInterrupt();
  assert.equal(irq.level, false);
  assert.ok(dev.pressPowerButton());
  assert.equal(irq.level, true);
  assert.deepEqual(takeEvents(driver, bufs), PRESS);
  assert.equal(dev.metrics.delivered, 4);
  assert.equal(dev.pendingEvents, 0);
});

test('virtio-input: events wait for buffers (none lost), and a sequence is never split', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver } = virtioRig(dev);
  // Before the driver is up at all.
  assert.equal(dev.driverReady, false);
  driver.init({ driverOk: false });
  assert.ok(dev.pressPowerButton());
  assert.equal(dev.pendingEvents, 4);
  driver.w32(R.STATUS, driver.status() | 4);
  assert.equal(dev.pendingEvents, 4, 'DRIVER_OK without buffers: still pending');
  // One buffer: not enough for the two-event press sequence.
  const all = new Map(postBuffers(driver, 1));
  assert.deepEqual(driver.queue(I.Q_EVENT).takeUsed(), []);
  assert.equal(dev.pendingEvents, 4);
  // Three more: the press (2) and the release (2) go out.
  for (const [k, v] of postBuffers(driver, 3)) all.set(k, v);
  assert.deepEqual(takeEvents(driver, all), PRESS);
  assert.equal(dev.pendingEvents, 0);
  // Buffers posted early are used by a later press; three buffers carry the press and hold the release back.
  const more = postBuffers(driver, 3);
  dev.pressPowerButton();
  assert.deepEqual(takeEvents(driver, more), PRESS.slice(0, 2));
  assert.equal(dev.pendingEvents, 2);
  const last = postBuffers(driver, 1);
  assert.deepEqual(takeEvents(driver, new Map([...more, ...last])), PRESS.slice(2));
});

test('virtio-input: pending events are bounded; a driver reset drops them', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver } = virtioRig(dev);
  driver.init();
  let ok = 0;
  for (let i = 0; i < MAX_PENDING_EVENTS; i++) if (dev.pressPowerButton()) ok++;
  assert.equal(dev.pendingEvents, MAX_PENDING_EVENTS);
  assert.ok(dev.metrics.droppedSequences > 0);
  assert.equal(ok, MAX_PENDING_EVENTS / 4);
  driver.init();
  assert.equal(dev.pendingEvents, 0);
  const bufs = postBuffers(driver, 4);
  dev.pressPowerButton();
  assert.deepEqual(takeEvents(driver, bufs), PRESS);
});

test('virtio-input: short or read-only eventq buffers are counted and returned empty; the events wait', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver, transport } = virtioRig(dev);
  driver.init();
  const q = driver.queue(I.Q_EVENT);
  const bad1 = q.add([{ addr: driver.alloc(4), len: 4, write: true }])!;
  const bad2 = q.add([{ addr: driver.alloc(8), len: 8 }])!;
  const good = new Map<number, number>();
  for (let i = 0; i < 2; i++) { const a = driver.alloc(8); good.set(q.add([{ addr: a, len: 8, write: true }])!, a); }
  q.kick();
  dev.pressPowerButton();
  const used = q.takeUsed();
  assert.deepEqual(used.slice(0, 2), [{ id: bad1, len: 0 }, { id: bad2, len: 0 }]);
  assert.deepEqual(used.slice(2).map((u) => u.len), [8, 8], 'the press went into the good buffers');
  assert.equal(transport.errors.byKind.get('short-event-buffer'), 2);
  assert.equal(dev.pendingEvents, 2, 'the release waits for buffers');
  const more = new Map<number, number>();
  for (let i = 0; i < 2; i++) { const a = driver.alloc(8); more.set(q.add([{ addr: a, len: 8, write: true }])!, a); }
  q.kick();
  assert.deepEqual(takeEvents(driver, more), PRESS.slice(2));
  assert.equal(transport.deviceStatus & 64, 0);
});

test('virtio-input: statusq buffers (LED events) are consumed and returned with length 0', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver, irq } = virtioRig(dev);
  driver.init();
  const q = driver.queue(I.Q_STATUS);
  const heads: number[] = [];
  for (let i = 0; i < 3; i++) {
    const a = driver.alloc(8);
    driver.mem.write16(a, 0x11); // EV_LED
    heads.push(q.add([{ addr: a, len: 8 }])!);
  }
  q.kick();
  assert.deepEqual(q.takeUsed(), heads.map((id) => ({ id, len: 0 })));
  assert.equal(dev.metrics.statusEvents, 3);
  assert.equal(irq.level, true);
});

test('virtio-input: a malformed eventq ring sets DEVICE_NEEDS_RESET; after a reset the device works again', () => {
  const dev = new VirtioInput(powerButtonConfig());
  const { driver, transport } = virtioRig(dev);
  driver.init();
  const q = driver.queue(I.Q_EVENT);
  dev.pressPowerButton();
  q.writeDesc(0, driver.mem.ramBase + driver.mem.ramSize - 4, 64, 2, 0); // buffer runs past the end of RAM
  q.writeDesc(1, driver.alloc(8), 8, 2, 0);
  q.publish(0);
  q.publish(1);
  q.kick();
  assert.notEqual(transport.deviceStatus & 64, 0);
  assert.equal(transport.errors.byKind.get('buffer-outside-ram'), 1);
  driver.init();
  assert.equal(transport.deviceStatus & 64, 0);
  const bufs = postBuffers(driver, 4);
  assert.ok(dev.pressPowerButton());
  assert.deepEqual(takeEvents(driver, bufs), PRESS);
});

/** Tests of the sifive,test0 finisher (QEMU hw/misc/sifive_test.c semantics). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus } from '../../bus/mmio.js';
import { Syscon, type SysconEvent } from './device.js';

function rig() {
  const events: SysconEvent[] = [];
  const logs: string[] = [];
  const dev = new Syscon({ onEvent: (e) => events.push(e), log: (l) => logs.push(l) });
  return { dev, events, logs };
}

test('0x5555 powers off, 0x7777 resets, 0x3333 | code<<16 fails with the code', () => {
  const { dev, events } = rig();
  dev.write(0, 2, 0x5555, 0);
  dev.write(0, 2, 0x7777, 0);
  dev.write(0, 2, 0x3333 | (42 << 16), 0);
  dev.write(0, 2, (0x3333 | (0xffff << 16)) | 0, 0); // negative int32 from the core
  assert.deepEqual(events, [
    { kind: 'poweroff', code: 0 },
    { kind: 'reset', code: 0 },
    { kind: 'fail', code: 42 },
    { kind: 'fail', code: 0xffff },
  ]);
});

test('16-bit stores work too (QEMU accepts 2..4 bytes)', () => {
  const { dev, events } = rig();
  dev.write(0, 1, 0x5555, 0);
  assert.deepEqual(events, [{ kind: 'poweroff', code: 0 }]);
});

test('the syscon-poweroff/-reboot DT values work through the bus at 0x100000', () => {
  const { dev, events } = rig();
  const bus = new MmioBus();
  bus.add(0x10_0000, Syscon.SIZE, dev);
  bus.write(0x10_0000, 2, 0x7777, 0);
  assert.deepEqual(events, [{ kind: 'reset', code: 0 }]);
  assert.equal(bus.read(0x10_0000, 2), 0);
});

test('unknown values, other offsets and widths are guest errors with no event', () => {
  const { dev, events, logs } = rig();
  const hi = { value: 0 };
  dev.write(0, 2, 0x1234, 0);
  dev.write(4, 2, 0x5555, 0);
  dev.write(0, 0, 0x55, 0);
  dev.write(0, 3, 0x5555, 0);
  assert.equal(dev.read(8, 2, hi), 0);
  assert.deepEqual(events, []);
  assert.equal(dev.errors.count, 5);
  assert.equal(dev.errors.byKind.get('bad-status'), 1);
  assert.equal(logs.length, 2);
});

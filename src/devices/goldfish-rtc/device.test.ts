/** Register-level tests of the goldfish RTC (goldfish virtual hardware spec; QEMU semantics). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../base/clock.js';
import { GoldfishRtc } from './device.js';
import * as R from './regs.js';

/** Wall time just below a 2^32 ns boundary (exactly representable as a double). */
const W = 2 ** 60 + 2 ** 32 - 256;

function rig(wall = W) {
  const clock = new FakeClock(0, wall);
  let irq = false;
  const irqEvents: boolean[] = [];
  const logs: string[] = [];
  const rtc = new GoldfishRtc({ clock, irq: { setLevel: (l) => { irq = l; irqEvents.push(l); } }, log: (l) => logs.push(l) });
  const hi = { value: 0 };
  const r = (off: number): number => rtc.read(off, 2, hi) >>> 0;
  const w = (off: number, v: number): void => rtc.write(off, 2, v >>> 0, 0);
  const time = (): bigint => { const lo = r(R.TIME_LOW); return (BigInt(r(R.TIME_HIGH)) << 32n) | BigInt(lo); };
  const setAlarm = (t: bigint): void => { w(R.ALARM_HIGH, Number(t >> 32n)); w(R.ALARM_LOW, Number(t & 0xffff_ffffn)); };
  return { rtc, clock, irq: () => irq, irqEvents, logs, r, w, time, setAlarm };
}

test('time is the clock wall time in ns, advancing with the monotonic clock', () => {
  const { time, clock } = rig();
  assert.equal(time(), BigInt(W));
  clock.advance(12_345);
  assert.equal(time(), BigInt(W) + 12_345n);
});

test('reading TIME_LOW latches TIME_HIGH (no torn reads across a 2^32 carry)', () => {
  const { r, clock } = rig();
  const lo1 = r(R.TIME_LOW);
  assert.equal(lo1, 0xffff_ff00);
  clock.advance(512); // low half wraps, high half increments
  assert.equal(r(R.TIME_HIGH), 2 ** 28, 'still the latched high half');
  assert.equal(r(R.TIME_LOW), 0x100);
  assert.equal(r(R.TIME_HIGH), 2 ** 28 + 1);
});

test('writing TIME_HIGH/TIME_LOW sets the time, which keeps counting', () => {
  const { w, time, clock } = rig();
  w(R.TIME_HIGH, 0x10);
  w(R.TIME_LOW, 0x20);
  assert.equal(time(), 0x10_0000_0020n);
  clock.advance(5);
  assert.equal(time(), 0x10_0000_0025n);
});

test('alarm: armed by ALARM_LOW, fires when reached, disarms, interrupt until CLEAR_INTERRUPT', () => {
  const { rtc, r, w, irq, clock, setAlarm, time } = rig();
  w(R.IRQ_ENABLED, 1);
  assert.equal(r(R.IRQ_ENABLED), 1);
  const at = time() + 1_000n;
  setAlarm(at);
  assert.equal(r(R.ALARM_STATUS), 1);
  assert.equal(r(R.ALARM_LOW), Number(at & 0xffff_ffffn));
  assert.equal(r(R.ALARM_HIGH), Number(at >> 32n));
  assert.equal(rtc.nextDeadline(), at);
  assert.equal(rtc.nsUntilDeadline(), 1_000);
  clock.advance(999);
  rtc.update();
  assert.equal(irq(), false);
  clock.advance(1);
  rtc.update();
  assert.equal(irq(), true);
  assert.equal(r(R.ALARM_STATUS), 0);
  assert.equal(rtc.nextDeadline(), undefined);
  w(R.CLEAR_INTERRUPT, 1);
  assert.equal(irq(), false);
});

test('a register access notices an overdue alarm even before update()', () => {
  const { r, w, irq, clock, setAlarm, time } = rig();
  w(R.IRQ_ENABLED, 1);
  setAlarm(time() + 10n);
  clock.advance(10);
  assert.equal(r(R.ALARM_STATUS), 0);
  assert.equal(irq(), true);
});

test('an alarm in the past fires as soon as ALARM_LOW is written', () => {
  const { w, irq, setAlarm, time } = rig();
  w(R.IRQ_ENABLED, 1);
  setAlarm(time() - 1n);
  assert.equal(irq(), true);
});

test('IRQ_ENABLED gates the line; the pending interrupt survives while disabled', () => {
  const { rtc, w, irq, clock, setAlarm, time, irqEvents } = rig();
  setAlarm(time() + 5n);
  clock.advance(5);
  rtc.update();
  assert.equal(irq(), false, 'fired but not enabled');
  w(R.IRQ_ENABLED, 1);
  assert.equal(irq(), true);
  w(R.IRQ_ENABLED, 0);
  assert.equal(irq(), false);
  assert.deepEqual(irqEvents, [true, false]);
});

test('CLEAR_ALARM disarms', () => {
  const { rtc, r, w, irq, clock, setAlarm, time } = rig();
  w(R.IRQ_ENABLED, 1);
  setAlarm(time() + 5n);
  w(R.CLEAR_ALARM, 1);
  assert.equal(r(R.ALARM_STATUS), 0);
  clock.advance(100);
  rtc.update();
  assert.equal(irq(), false);
  assert.equal(rtc.nsUntilDeadline(), undefined);
});

test('guest errors: sizes and offsets outside the register file are counted, not fatal', () => {
  const { rtc, r, w, logs } = rig();
  const hi = { value: 0 };
  assert.equal(rtc.read(R.TIME_LOW, 3, hi), 0);
  rtc.write(R.IRQ_ENABLED, 0, 1, 0);
  assert.equal(r(R.IRQ_ENABLED), 0, 'byte write ignored');
  assert.equal(r(R.CLEAR_INTERRUPT), 0);
  w(0x20, 1);
  assert.equal(rtc.errors.count, 4);
  assert.equal(logs.length, 2);
});

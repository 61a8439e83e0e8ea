/** Register-level tests of the CLINT against the SiFive CLINT / QEMU ACLINT behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../base/clock.js';
import { MmioBus } from '../../bus/mmio.js';
import { Clint, clockTimebase, type Timebase } from './device.js';
import { MTIMECMP_BASE, MTIME_OFFSET } from './regs.js';

class ManualTimebase implements Timebase {
  constructor(public t = 1_000_000n) {}
  mtime(): bigint { return this.t; }
}

function rig(harts = 2, tb: Timebase = new ManualTimebase()) {
  const events: string[] = [];
  const logs: string[] = [];
  const mtip = new Array<boolean>(harts).fill(false);
  const msip = new Array<boolean>(harts).fill(false);
  const offsets: bigint[] = [];
  const clint = new Clint({
    harts,
    timebase: tb,
    outputs: {
      setMsip: (h, l) => { msip[h] = l; events.push(`msip${h}=${l ? 1 : 0}`); },
      setMtip: (h, l) => { mtip[h] = l; events.push(`mtip${h}=${l ? 1 : 0}`); },
      setTimeOffset: (o) => offsets.push(o),
    },
    log: (l) => logs.push(l),
  });
  const hi = { value: 0 };
  const r32 = (off: number): number => clint.read(off, 2, hi) >>> 0;
  const r64 = (off: number): bigint => { hi.value = 0; const lo = clint.read(off, 3, hi) >>> 0; return (BigInt(hi.value >>> 0) << 32n) | BigInt(lo); };
  const w32 = (off: number, v: number): void => clint.write(off, 2, v >>> 0, 0);
  const w64 = (off: number, v: bigint): void => clint.write(off, 3, Number(v & 0xffff_ffffn), Number(v >> 32n));
  return { clint, events, logs, mtip, msip, offsets, r32, r64, w32, w64, tb };
}

const CMP = (h: number): number => MTIMECMP_BASE + 8 * h;

test('reset: mtime is the timebase (no hidden offset, so it agrees with the time CSR); mtimecmp = 0 raises MTIP', () => {
  const { r64, events, mtip, msip, offsets, clint } = rig(3);
  assert.equal(r64(MTIME_OFFSET), 1_000_000n);
  assert.equal(clint.timeOffset, 0n);
  assert.deepEqual(offsets, [], 'nothing to report');
  assert.equal(r64(CMP(0)), 0n);
  assert.deepEqual(mtip, [true, true, true]);
  assert.deepEqual(msip, [false, false, false]);
  assert.deepEqual(events, ['mtip0=1', 'mtip1=1', 'mtip2=1']);
});

test('mtime follows the timebase; clockTimebase runs at 10 MHz', () => {
  const clock = new FakeClock(5_000);
  const { r64, r32 } = rig(1, clockTimebase(clock));
  assert.equal(r64(MTIME_OFFSET), 50n, '5 us');
  clock.advance(1_000); // 1 us = 10 ticks
  assert.equal(r64(MTIME_OFFSET), 60n);
  clock.advance(1_000_000_000); // 1 s
  assert.equal(r32(MTIME_OFFSET), 10_000_060);
  assert.equal(r32(MTIME_OFFSET + 4), 0);
});

test('mtimecmp: 64-bit write/read, and 32-bit halves each keep the other half', () => {
  const { r64, r32, w32, w64 } = rig(2);
  w64(CMP(1), 0x1234_5678_9abc_def0n);
  assert.equal(r64(CMP(1)), 0x1234_5678_9abc_def0n);
  assert.equal(r32(CMP(1)), 0x9abc_def0);
  assert.equal(r32(CMP(1) + 4), 0x1234_5678);
  w32(CMP(1), 0x1111_1111);
  assert.equal(r64(CMP(1)), 0x1234_5678_1111_1111n);
  w32(CMP(1) + 4, 0xffff_0000);
  assert.equal(r64(CMP(1)), 0xffff_0000_1111_1111n);
  assert.equal(r64(CMP(0)), 0n, 'hart 0 untouched');
});

test('MTIP is level mtime >= mtimecmp and is re-evaluated by writes and update()', () => {
  const tb = new ManualTimebase();
  const { clint, w64, events, mtip } = rig(2, tb);
  events.length = 0;
  w64(CMP(0), tb.t + 100n);
  assert.equal(mtip[0], false);
  assert.deepEqual(events, ['mtip0=0']);
  tb.t += 99n;
  clint.update();
  assert.equal(mtip[0], false, 'one tick early');
  tb.t += 1n;
  clint.update();
  assert.equal(mtip[0], true, 'fires exactly at mtimecmp');
  clint.update();
  assert.deepEqual(events, ['mtip0=0', 'mtip0=1'], 'callbacks only on level changes');
  w64(CMP(0), tb.t + 1000n);
  assert.equal(mtip[0], false, 'moving mtimecmp into the future clears MTIP');
  assert.equal(mtip[1], true, 'other hart unaffected');
});

test('the comparison is unsigned: mtimecmp with bit 63 set is far in the future', () => {
  const { w64, mtip } = rig(1);
  w64(CMP(0), 0x8000_0000_0000_0000n);
  assert.equal(mtip[0], false);
});

test('writing mtime moves the counter (64-bit and 32-bit halves) and re-evaluates MTIP', () => {
  const tb = new ManualTimebase();
  const { clint, r64, w64, w32, mtip, offsets } = rig(1, tb);
  w64(CMP(0), 0x5_0000_0000n);
  assert.equal(mtip[0], false);
  w64(MTIME_OFFSET, 0x4_0000_0010n);
  assert.equal(r64(MTIME_OFFSET), 0x4_0000_0010n);
  assert.deepEqual(offsets, [0x4_0000_0010n - tb.t], 'the board is told the new offset for the time CSR');
  assert.equal(tb.t, 1_000_000n, 'the timebase itself is not touched');
  tb.t += 5n;
  assert.equal(r64(MTIME_OFFSET), 0x4_0000_0015n, 'keeps counting from the written value');
  w32(MTIME_OFFSET + 4, 5); // high half only
  assert.equal(r64(MTIME_OFFSET), 0x5_0000_0015n);
  assert.equal(mtip[0], true, 'mtime jumped past mtimecmp');
  w32(MTIME_OFFSET, 0); // low half only
  assert.equal(r64(MTIME_OFFSET), 0x5_0000_0000n);
  assert.equal(mtip[0], true);
  w64(MTIME_OFFSET, tb.t - 10n); // moving mtime backwards: offset wraps mod 2^64
  assert.equal(r64(MTIME_OFFSET), tb.t - 10n);
  assert.equal(offsets.at(-1), (1n << 64n) - 10n);
  clint.reset();
  assert.equal(r64(MTIME_OFFSET), tb.t, 'reset drops the offset');
  assert.equal(offsets.at(-1), 0n);
});

test('msip: bit 0 only, per hart, reads back 0/1', () => {
  const { r32, w32, msip, events } = rig(2);
  events.length = 0;
  w32(4, 1);
  assert.deepEqual(msip, [false, true]);
  assert.equal(r32(4), 1);
  assert.equal(r32(0), 0);
  w32(4, 0xffff_fffe); // bit 0 clear
  assert.deepEqual(msip, [false, false]);
  assert.equal(r32(4), 0);
  w32(0, 0xffff_ffff);
  assert.equal(r32(0), 1, 'only bit 0 is implemented');
  assert.deepEqual(events, ['msip1=1', 'msip1=0', 'msip0=1']);
});

test('nextDeadline: earliest mtimecmp above mtime; all-ones and raised past values do not count', () => {
  const tb = new ManualTimebase();
  const { clint, w64 } = rig(3, tb);
  assert.equal(clint.nextDeadline(), undefined, 'mtimecmp = 0 is in the past');
  const t0 = tb.t;
  w64(CMP(0), 0xffff_ffff_ffff_ffffn);
  w64(CMP(1), t0 + 500n);
  w64(CMP(2), t0 + 300n);
  assert.equal(clint.nextDeadline(), t0 + 300n);
  assert.equal(clint.nsUntilDeadline(), 30_000, '300 ticks at 10 MHz');
  tb.t += 300n;
  // Passed, but update() has not raised MTIP yet: due now (not "no deadline", which let an idle loop oversleep).
  assert.equal(clint.nextDeadline(), t0 + 300n);
  assert.equal(clint.nsUntilDeadline(), 0);
  clint.update();
  assert.equal(clint.nextDeadline(), t0 + 500n);
  assert.equal(clint.nsUntilDeadline(), 20_000);
  tb.t += 200n;
  clint.update();
  assert.equal(clint.nextDeadline(), undefined);
});

test('guest errors are counted, logged once per kind, and never throw', () => {
  const { clint, r32, logs } = rig(2);
  const hi = { value: 0 };
  assert.equal(clint.read(MTIME_OFFSET, 0, hi), 0, 'byte read of mtime');
  assert.equal(clint.read(MTIME_OFFSET, 1, hi), 0, 'halfword read of mtime');
  clint.write(MTIMECMP_BASE + 4, 3, 1, 1); // 64-bit write at the high half
  assert.equal(r32(8), 0, 'msip of hart 2 does not exist');
  clint.write(8, 2, 1, 0);
  assert.equal(r32(0x8000 + 8 * 100), 0, 'mtimecmp of hart 100');
  assert.equal(r32(0xc000), 0, 'unimplemented offset');
  assert.equal(clint.read(0, 3, hi), 0, '64-bit msip access');
  assert.equal(clint.errors.count, 8);
  assert.equal(clint.errors.byKind.get('access-size'), 4);
  assert.equal(clint.errors.byKind.get('no-hart'), 3);
  assert.equal(logs.length, 3, 'one line per kind');
  assert.ok(logs.every((l) => l.startsWith('clint: ')));
  assert.equal(clint.getMtimecmp(0), 0n, 'bad write changed nothing');
});

test('works behind the MmioBus at the virt address; 8-byte reads return the high half', () => {
  const tb = new ManualTimebase();
  const { clint } = rig(1, tb);
  const bus = new MmioBus();
  bus.add(0x200_0000, Clint.SIZE, clint);
  assert.ok(bus.write(0x200_0000 + MTIMECMP_BASE, 3, 0x89ab_cdef, 0x0123_4567));
  assert.equal(bus.read(0x200_0000 + MTIMECMP_BASE, 3)! >>> 0, 0x89ab_cdef);
  assert.equal(bus.hi.value, 0x0123_4567);
});

test('constructor rejects an impossible hart count', () => {
  const outputs = { setMsip() {}, setMtip() {} };
  assert.throws(() => new Clint({ harts: 0, timebase: new ManualTimebase(), outputs }), RangeError);
  assert.throws(() => new Clint({ harts: 4096, timebase: new ManualTimebase(), outputs }), RangeError);
});

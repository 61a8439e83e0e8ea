/** Register-level tests of the PLIC against the RISC-V PLIC spec and QEMU virt's configuration. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus } from '../../bus/mmio.js';
import { Plic, type PlicMode } from './device.js';
import { CONTEXT_BASE, ENABLE_BASE, PENDING_BASE } from './regs.js';

function rig(harts = 2) {
  const logs: string[] = [];
  const events: string[] = [];
  const eip = new Map<string, boolean>();
  const plic = new Plic({
    harts,
    outputs: { setEip: (h: number, m: PlicMode, l: boolean) => { eip.set(`${h}${m}`, l); events.push(`${h}${m}=${l ? 1 : 0}`); } },
    log: (l) => logs.push(l),
  });
  const hi = { value: 0 };
  const r = (off: number): number => plic.read(off, 2, hi) >>> 0;
  const w = (off: number, v: number): void => plic.write(off, 2, v >>> 0, 0);
  const ctxOf = (hart: number, mode: PlicMode): number => hart * 2 + (mode === 'S' ? 1 : 0);
  const prio = (id: number, p: number): void => w(4 * id, p);
  const enable = (ctx: number, ...ids: number[]): void => {
    for (const id of ids) {
      const off = ENABLE_BASE + 0x80 * ctx + 4 * (id >>> 5);
      w(off, r(off) | (1 << (id & 31)));
    }
  };
  const threshold = (ctx: number, t: number): void => w(CONTEXT_BASE + 0x1000 * ctx, t);
  const claim = (ctx: number): number => r(CONTEXT_BASE + 0x1000 * ctx + 4);
  const complete = (ctx: number, id: number): void => w(CONTEXT_BASE + 0x1000 * ctx + 4, id);
  const on = (h: number, m: PlicMode): boolean => eip.get(`${h}${m}`) ?? false;
  return { plic, logs, events, r, w, ctxOf, prio, enable, threshold, claim, complete, on };
}

test('QEMU virt geometry: 96 sources, 7 priority levels, 2 contexts per hart, window 0x200000 + 0x1000*ctx', () => {
  const { plic } = rig(8);
  assert.equal(plic.numSources, 96);
  assert.equal(plic.numPriorities, 7);
  assert.equal(plic.contexts, 16);
  assert.equal(plic.size, 0x210000);
  assert.throws(() => plic.irqLine(0), RangeError, 'source 0 is reserved');
  assert.throws(() => plic.irqLine(96), RangeError);
  assert.equal(plic.irqLine(95), plic.irqLine(95), 'same line object each time');
});

test('priority registers: 3-bit WARL, source 0 hardwired to 0', () => {
  const { r, prio } = rig();
  prio(10, 5);
  assert.equal(r(4 * 10), 5);
  prio(10, 0xf);
  assert.equal(r(4 * 10), 7, 'upper bits dropped');
  prio(10, 9);
  assert.equal(r(4 * 10), 1);
  prio(0, 7);
  assert.equal(r(0), 0);
  prio(95, 3);
  assert.equal(r(4 * 95), 3);
});

test('pending bits follow the level inputs and are read-only', () => {
  const { plic, r, w } = rig();
  plic.irqLine(1).setLevel(true);
  plic.irqLine(33).setLevel(true);
  plic.irqLine(95).setLevel(true);
  assert.equal(r(PENDING_BASE), 1 << 1);
  assert.equal(r(PENDING_BASE + 4), 1 << 1);
  assert.equal(r(PENDING_BASE + 8), 1 << 31 >>> 0);
  w(PENDING_BASE, 0);
  assert.equal(r(PENDING_BASE), 1 << 1, 'guest cannot clear pending');
  plic.irqLine(33).setLevel(false);
  assert.equal(r(PENDING_BASE + 4), 0, 'a source that drops before claim is no longer pending');
  assert.equal(plic.errors.byKind.get('pending-write'), 1);
});

test('threshold: EIP only for priority strictly above the threshold; priority 0 never interrupts', () => {
  const { plic, prio, enable, threshold, on, claim } = rig();
  enable(0, 10);
  plic.irqLine(10).setLevel(true);
  assert.equal(on(0, 'M'), false, 'priority 0 = never');
  assert.equal(claim(0), 0);
  prio(10, 3);
  assert.equal(on(0, 'M'), true);
  threshold(0, 3);
  assert.equal(on(0, 'M'), false, 'priority == threshold is masked');
  assert.equal(claim(0), 0, 'claim honours the threshold (as QEMU)');
  threshold(0, 2);
  assert.equal(on(0, 'M'), true);
  threshold(0, 0xff);
  assert.equal(on(0, 'M'), false, 'threshold WARL: 0xff -> 7');
});

test('claim: highest priority first, ties to the lowest id, clears pending, 0 when nothing left', () => {
  const { plic, r, prio, enable, claim, on } = rig();
  for (const id of [3, 5, 7, 40]) { prio(id, id === 40 ? 6 : 2); enable(1, id); plic.irqLine(id).setLevel(true); }
  assert.equal(on(0, 'S'), true);
  assert.equal(claim(1), 40);
  assert.equal(r(PENDING_BASE + 4) & (1 << 8), 0, 'claim cleared pending of 40');
  assert.equal(claim(1), 3);
  assert.equal(claim(1), 5);
  assert.equal(on(0, 'S'), true);
  assert.equal(claim(1), 7);
  assert.equal(on(0, 'S'), false, 'everything claimed: EIP drops');
  assert.equal(claim(1), 0);
  assert.equal(r(PENDING_BASE), 0);
});

test('complete re-arms: a still-high line is pending again, a low line is not', () => {
  const { plic, prio, enable, claim, complete, on, r } = rig();
  prio(10, 1);
  enable(0, 10);
  const line = plic.irqLine(10);
  line.setLevel(true);
  assert.equal(claim(0), 10);
  assert.equal(on(0, 'M'), false);
  line.setLevel(true); // repeated level report: no new request while claimed
  assert.equal(claim(0), 0, 'claimed source is not delivered twice');
  complete(0, 10);
  assert.equal(on(0, 'M'), true, 'line still high: pending again after completion');
  assert.equal(r(PENDING_BASE), 1 << 10);
  assert.equal(claim(0), 10);
  line.setLevel(false);
  complete(0, 10);
  assert.equal(on(0, 'M'), false);
  assert.equal(r(PENDING_BASE), 0);
  complete(0, 10); // completing an unclaimed source is harmless
  assert.equal(plic.errors.count, 0);
});

test('a line that toggles while claimed is delivered once after completion', () => {
  const { plic, prio, enable, claim, complete } = rig();
  prio(2, 1);
  enable(0, 2);
  const line = plic.irqLine(2);
  line.setLevel(true);
  assert.equal(claim(0), 2);
  line.setLevel(false);
  line.setLevel(true);
  assert.equal(claim(0), 0);
  complete(0, 2);
  assert.equal(claim(0), 2);
});

test('enables are per context; contexts map to (hart, M/S) as 2h / 2h+1', () => {
  const { plic, r, prio, enable, claim, events, ctxOf } = rig(2);
  prio(7, 1);
  enable(ctxOf(1, 'S'), 7);
  assert.equal(r(ENABLE_BASE + 0x80 * 3), 1 << 7, 'hart 1 S-mode is context 3');
  plic.irqLine(7).setLevel(true);
  assert.deepEqual(events, ['1S=1']);
  assert.equal(claim(ctxOf(0, 'M')), 0);
  assert.equal(claim(ctxOf(0, 'S')), 0);
  assert.equal(claim(ctxOf(1, 'M')), 0);
  assert.equal(claim(ctxOf(1, 'S')), 7);
  assert.deepEqual(events, ['1S=1', '1S=0']);
  assert.equal(r(ENABLE_BASE + 0x80 * 0), 0);
  assert.equal(r(ENABLE_BASE + 0x80 * 2), 0);
});

test('one source enabled in two contexts: the first claimer wins, the other sees nothing', () => {
  const { plic, prio, enable, claim, on, complete } = rig(2);
  prio(9, 4);
  enable(0, 9);
  enable(3, 9);
  plic.irqLine(9).setLevel(true);
  assert.equal(on(0, 'M'), true);
  assert.equal(on(1, 'S'), true);
  assert.equal(claim(3), 9);
  assert.equal(on(0, 'M'), false, 'claimed: no longer offered to other contexts');
  assert.equal(claim(0), 0);
  plic.irqLine(9).setLevel(false);
  complete(3, 9);
  assert.equal(on(0, 'M'), false);
});

test('disabling a pending source drops EIP; enable words hold only existing sources', () => {
  const { plic, r, w, prio, enable, on } = rig();
  prio(4, 1);
  enable(0, 4);
  plic.irqLine(4).setLevel(true);
  assert.equal(on(0, 'M'), true);
  w(ENABLE_BASE, 0);
  assert.equal(on(0, 'M'), false);
  w(ENABLE_BASE, 0xffff_ffff);
  assert.equal(r(ENABLE_BASE), 0xffff_fffe, 'source 0 enable bit is hardwired 0');
  w(ENABLE_BASE + 8, 0xffff_ffff);
  assert.equal(r(ENABLE_BASE + 8), 0xffff_ffff, 'sources 64..95 exist');
  assert.equal(r(ENABLE_BASE + 12), 0, 'word 3 is beyond source 95');
  w(ENABLE_BASE + 12, 1);
  assert.equal(plic.errors.byKind.get('bad-offset'), 1);
});

test('guest errors: wrong access size, reserved registers, bad completion ids', () => {
  const { plic, logs, complete, w } = rig();
  const hi = { value: 0 };
  assert.equal(plic.read(4, 0, hi), 0);
  assert.equal(plic.read(4, 3, hi), 0);
  plic.write(6, 1, 1, 0);
  assert.equal(plic.read(2, 2, hi), 0, 'unaligned word');
  w(CONTEXT_BASE + 8, 1);
  assert.equal(plic.read(CONTEXT_BASE + 0x1000 * 4, 2, hi), 0, 'context 4 does not exist with 2 harts');
  complete(0, 0);
  complete(0, 96);
  assert.equal(plic.errors.byKind.get('access-size'), 4);
  assert.equal(plic.errors.byKind.get('bad-offset'), 2);
  assert.equal(plic.errors.byKind.get('bad-complete'), 2);
  assert.equal(logs.length, 3);
  assert.ok(logs.every((l) => l.startsWith('plic: ')));
});

test('Linux-style flow over the bus at 0xc000000: UART irq 10 to hart 0 S-mode', () => {
  const { plic, events } = rig(1);
  const bus = new MmioBus();
  const B = 0xc00_0000;
  bus.add(B, 0x60_0000, plic);
  bus.write(B + 4 * 10, 2, 1, 0);
  bus.write(B + ENABLE_BASE + 0x80 * 1, 2, 1 << 10, 0);
  bus.write(B + CONTEXT_BASE + 0x1000 * 1, 2, 0, 0);
  plic.irqLine(10).setLevel(true);
  assert.deepEqual(events, ['0S=1']);
  assert.equal(bus.read(B + CONTEXT_BASE + 0x1000 + 4, 2), 10);
  plic.irqLine(10).setLevel(false); // driver serviced the UART
  bus.write(B + CONTEXT_BASE + 0x1000 + 4, 2, 10, 0);
  assert.deepEqual(events, ['0S=1', '0S=0']);
  assert.equal(bus.read(B + CONTEXT_BASE + 0x1000 + 4, 2), 0);
});

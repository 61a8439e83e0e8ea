/** The virt memory map must match QEMU's virt_memmap[] / irq assignments literally. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, type MmioDevice } from '../../bus/mmio.js';
import { VIRT_MEMMAP, VIRT_PLIC, VIRTIO_COUNT, virtioSlot, virtMmioRegions, virtPlicSize } from './memmap.js';

test('addresses, sizes and irqs are QEMU virt values', () => {
  const m = VIRT_MEMMAP;
  assert.deepEqual([m.test.base, m.test.size], [0x100000, 0x1000]);
  assert.deepEqual([m.rtc.base, m.rtc.size, m.rtc.irq], [0x101000, 0x1000, 11]);
  assert.deepEqual([m.clint.base, m.clint.size], [0x2000000, 0x10000]);
  assert.deepEqual([m.plic.base, m.plic.size], [0xc000000, 0x600000]);
  assert.deepEqual([m.uart0.base, m.uart0.size, m.uart0.irq], [0x10000000, 0x100, 10]);
  assert.equal(m.dram.base, 0x80000000);
  assert.equal(VIRT_PLIC.numSources, 96);
  assert.equal(virtPlicSize(2 * 8), 0x210000, 'contexts of 8 harts');
});

test('virtio slots: 0x10001000 + n*0x1000, irq 1 + n, n = 0..7', () => {
  assert.equal(VIRTIO_COUNT, 8);
  for (let n = 0; n < 8; n++) {
    assert.deepEqual(virtioSlot(n), { name: `virtio${n}`, base: 0x10001000 + n * 0x1000, size: 0x1000, irq: 1 + n });
  }
  assert.throws(() => virtioSlot(8), RangeError);
  assert.throws(() => virtioSlot(-1), RangeError);
});

test('regions do not overlap, irqs are distinct and valid PLIC sources, all below DRAM', () => {
  const bus = new MmioBus();
  const dummy: MmioDevice = { name: 'x', read: () => 0, write: () => {} };
  const regions = virtMmioRegions();
  for (const r of regions) bus.add(r.base, r.size, { ...dummy, name: r.name }); // throws on overlap
  assert.equal(regions.length, 13);
  const irqs = regions.flatMap((r) => (r.irq === undefined ? [] : [r.irq]));
  assert.equal(new Set(irqs).size, irqs.length);
  assert.ok(irqs.every((i) => i >= 1 && i < VIRT_PLIC.numSources));
  assert.ok(regions.every((r) => r.base + r.size <= VIRT_MEMMAP.dram.base));
  assert.deepEqual(regions.map((r) => r.base), [...regions.map((r) => r.base)].sort((a, b) => a - b));
});

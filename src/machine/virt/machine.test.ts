/** The board's power button (virtio-input): placement on the highest free virtio slot, the DTB node, requestPowerOff. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VirtMachine, type VirtConfig } from './machine.js';
import { findNode, parseFdt } from '../../fdt/parser.js';
import { VirtioRng } from '../../devices/virtio/rng/device.js';

/** A minimal bare-metal ELF64 for RISC-V: one PT_LOAD at 0x80000000 holding `j .`. */
function tinyElf(): Uint8Array {
  const b = new Uint8Array(64 + 56 + 4);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 243, true); // EM_RISCV
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, 0x8000_0000n, true); // entry
  dv.setBigUint64(32, 64n, true); // phoff
  dv.setUint16(52, 64, true); // ehsize
  dv.setUint16(54, 56, true); // phentsize
  dv.setUint16(56, 1, true); // phnum
  dv.setUint32(64, 1, true); // PT_LOAD
  dv.setUint32(68, 5, true); // R X
  dv.setBigUint64(72, 120n, true); // offset
  dv.setBigUint64(80, 0x8000_0000n, true); // vaddr
  dv.setBigUint64(88, 0x8000_0000n, true); // paddr
  dv.setBigUint64(96, 4n, true); // filesz
  dv.setBigUint64(104, 4n, true); // memsz
  dv.setUint32(120, 0x6f, true); // j .
  return b;
}

function machine(extra: Partial<VirtConfig> = {}, logs: string[] = []): VirtMachine {
  return new VirtMachine({
    ramSize: 32 * 1024 * 1024, harts: 1, boot: { kind: 'bare', kernel: { data: tinyElf(), name: 'tiny.elf' } },
    console: { write: () => {} }, log: (l) => logs.push(l), ...extra,
  });
}

const virtioNodes = (m: VirtMachine): string[] =>
  findNode(parseFdt(m.dtb).root, '/soc')!.children.map((c) => c.name).filter((n) => n.startsWith('virtio_mmio@')).sort();

test('virt: the power button is on virtio slot 7 by default, in the DTB, and requestPowerOff() presses it', () => {
  const m = machine();
  assert.ok(m.powerButton);
  assert.equal(m.virtio.length, 1);
  assert.equal(m.virtio[0]!.device, m.powerButton);
  assert.deepEqual(virtioNodes(m), ['virtio_mmio@10008000']);
  // No driver yet: the press waits in the device (a driver reset will drop it).
  assert.equal(m.requestPowerOff(), true);
  assert.equal(m.powerButton.pendingEvents, 4);
});

test('virt: other devices keep the low slots; the button takes the highest free one; none when all 8 are used', () => {
  const rng = (): VirtioRng => new VirtioRng({ source: { fill: (b) => b.fill(1) } });
  const m1 = machine({ rng: true, balloon: true });
  assert.equal(m1.virtio.at(-1)!.device, m1.powerButton);
  assert.deepEqual(virtioNodes(m1), ['virtio_mmio@10001000', 'virtio_mmio@10002000', 'virtio_mmio@10008000']);
  const m2 = machine({ virtio: [{ device: rng(), slot: 7 }] });
  assert.deepEqual(virtioNodes(m2), ['virtio_mmio@10007000', 'virtio_mmio@10008000']);
  assert.equal(m2.virtio[1]!.device, m2.powerButton);
  const logs: string[] = [];
  const m3 = machine({ virtio: Array.from({ length: 8 }, () => ({ device: rng() })) }, logs);
  assert.equal(m3.powerButton, undefined);
  assert.equal(m3.requestPowerOff(), false);
  assert.equal(virtioNodes(m3).length, 8);
  assert.match(logs.join('\n'), /no free virtio slot for the power button/);
  const m4 = machine({ powerButton: false });
  assert.equal(m4.powerButton, undefined);
  assert.deepEqual(virtioNodes(m4), []);
});

/**
 * A virtio test bench: one VirtioDevice behind a VirtioMmio transport over the real guest memory
 * of a wasm Core (32 MiB of RAM, the smallest the core module accepts), with a recording IRQ line
 * and the driver-side mock. Shared by device unit tests and tests/fuzz/virtio.test.ts.
 */
import { Core } from '../../src/cpu/host/core.js';
import { coreModule } from '../../src/backends/core-wasm.js';
import { MmioBus } from '../../src/bus/mmio.js';
import type { GuestMemory } from '../../src/memory/guest-memory.js';
import { VirtioMmio } from '../../src/devices/virtio/mmio.js';
import type { VirtioDevice } from '../../src/devices/virtio/device.js';
import { VirtioTestDriver } from './virtio-driver.js';

export const RIG_RAM = 32 * 1024 * 1024;

let shared: Core | undefined;

/** One Core per process (instantiating the wasm module costs ~64 MiB); tests share its RAM. */
export function testCore(): Core {
  shared ??= new Core({ ramSize: RIG_RAM, harts: 1, mmio: new MmioBus(), module: coreModule() });
  return shared;
}

export interface VirtioRig {
  mem: GuestMemory;
  transport: VirtioMmio;
  driver: VirtioTestDriver;
  /** Current level of the transport's interrupt line. */
  irq: { level: boolean; raises: number };
  /** Log lines (GuestErrors and device logs). */
  logs: string[];
}

export function virtioRig(device: VirtioDevice, opts: { mem?: GuestMemory } = {}): VirtioRig {
  const mem = opts.mem ?? testCore().guest;
  const irq = { level: false, raises: 0 };
  const logs: string[] = [];
  const transport = new VirtioMmio({
    device, mem, name: 'virtio-test',
    irq: { setLevel: (h) => { if (h && !irq.level) irq.raises++; irq.level = h; } },
    log: (l) => logs.push(l),
  });
  return { mem, transport, driver: new VirtioTestDriver(transport, mem), irq, logs };
}

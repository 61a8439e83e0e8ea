/**
 * The virtio devices the fuzz test (virtio.test.ts) drives. To fuzz a new device, add an entry:
 * `make` builds a fresh device with fake backends (no host I/O: use in-memory fakes that complete
 * on a microtask for asynchronous devices), `probe` sends one well-formed request through the
 * driver mock after a reset and says whether the device answered correctly (the recovery check).
 * The harness initialises the device itself (all offered features unless it randomises them).
 */
import type { VirtioDevice } from '../../src/devices/virtio/device.js';
import type { VirtioTestDriver } from '../fakes/virtio-driver.js';
import { EchoDevice } from '../fakes/virtio-echo.js';
import { VirtioRng } from '../../src/devices/virtio/rng/device.js';
import { VirtioBalloon } from '../../src/devices/virtio/balloon/device.js';
import { VirtioNet } from '../../src/devices/virtio/net/device.js';
import { LoopbackNetBackend } from '../fakes/net-backend.js';
import { VirtioBlk } from '../../src/devices/virtio/blk/device.js';
import { CachedMemoryBlock } from '../fakes/memory-block.js';
import { VirtioInput, powerButtonConfig } from '../../src/devices/virtio/input/device.js';

export interface FuzzTarget {
  readonly name: string;
  make(): VirtioDevice;
  /** A well-formed request on a freshly initialised device; true if it was served correctly. */
  probe(drv: VirtioTestDriver, dev: VirtioDevice): boolean | Promise<boolean>;
  /** Lets pending asynchronous completions run (default: one macrotask turn). */
  settle?(): Promise<void>;
}

const macrotask = (): Promise<void> => new Promise((r) => setImmediate(r));

export const FUZZ_TARGETS: FuzzTarget[] = [
  {
    name: 'virtio-echo (sync + async queues)',
    make: () => new EchoDevice(64),
    async probe(drv) {
      let ok = true;
      for (const qi of [0, 1]) {
        const data = Uint8Array.from({ length: 16 }, (_, i) => i + qi);
        const src = drv.alloc(16), dst = drv.alloc(16);
        drv.mem.write(src, data);
        const q = drv.queue(qi);
        const head = q.add([{ addr: src, len: 16 }, { addr: dst, len: 16, write: true }]);
        q.kick();
        if (qi === 1) await macrotask();
        const used = q.takeUsed();
        ok &&= head !== undefined && used.length === 1 && used[0]!.id === head && used[0]!.len === 16 &&
          drv.mem.read(dst, 16).every((b, i) => b === data[i]);
      }
      return ok;
    },
  },
  {
    name: 'virtio-rng',
    make: () => {
      let n = 1;
      return new VirtioRng({ source: { fill: (b) => { for (let i = 0; i < b.length; i++) b[i] = (n = (n * 75 + 74) % 65537) & 0xff; } } });
    },
    probe(drv) {
      const a = drv.alloc(32);
      const q = drv.queue(0);
      const head = q.add([{ addr: a, len: 32, write: true }]);
      q.kick();
      const used = q.takeUsed();
      return head !== undefined && used.length === 1 && used[0]!.len === 32 && drv.mem.read(a, 32).some((b) => b !== 0);
    },
  },
  {
    name: 'virtio-balloon',
    make: () => new VirtioBalloon({ reclaimer: { discard: (v) => { v.fill(0); return v.length; } } }),
    probe(drv, dev) {
      const page = drv.alloc(4096, 4096);
      drv.mem.fill(page, 4096, 0x77);
      const list = drv.alloc(4, 4);
      drv.mem.write32(list, page / 4096);
      const q = drv.queue(0);
      const head = q.add([{ addr: list, len: 4 }]);
      q.kick();
      const used = q.takeUsed();
      (dev as VirtioBalloon).setTarget(7);
      return head !== undefined && used.length === 1 && drv.mem.read8(page + 123) === 0 && drv.cfg(0, 4) === 7;
    },
  },
  {
    name: 'virtio-blk',
    // Reads of even sectors take the synchronous page-cache path (readNow), the others the asynchronous one.
    make: () => {
      const backend = new CachedMemoryBlock(1024 * 1024);
      backend.cached = (offset) => (offset / 512) % 2 === 0;
      return new VirtioBlk({ backend, queueSize: 64 });
    },
    async probe(drv) {
      // OUT one sector, then IN it back through the asynchronous backend.
      const q = drv.queue(0);
      const req = (type: number, write: boolean): { head: number | undefined; data: number; status: number } => {
        const h = drv.alloc(16), data = drv.alloc(512), status = drv.alloc(1);
        drv.mem.write32(h, type); drv.mem.write32(h + 4, 0); drv.mem.write64(h + 8, 5n);
        if (!write) drv.mem.fill(data, 512, 0x5a);
        drv.mem.write8(status, 0xff);
        const head = q.add([{ addr: h, len: 16 }, { addr: data, len: 512, write }, { addr: status, len: 1, write: true }]);
        return { head, data, status };
      };
      const w = req(1, false);
      q.kick();
      await macrotask();
      const r = req(0, true);
      q.kick();
      await macrotask();
      const used = q.takeUsed();
      return w.head !== undefined && r.head !== undefined && used.length === 2 &&
        drv.mem.read8(w.status) === 0 && drv.mem.read8(r.status) === 0 && drv.mem.read(r.data, 512).every((b) => b === 0x5a);
    },
  },
  {
    // Transmit frames come back as received frames (loopback backend), so both paths get fuzzed.
    name: 'virtio-net (loopback backend)',
    make: () => new VirtioNet({ backend: new LoopbackNetBackend(), mac: Uint8Array.from([0x52, 0x54, 0, 0, 0, 1]), rxQueueFrames: 64 }),
    async probe(drv) {
      const rx = drv.alloc(2048), tx = drv.alloc(12 + 60);
      const frame = Uint8Array.from({ length: 60 }, (_, i) => (i === 0 ? 0x52 : i * 3) & 0xff);
      drv.mem.write(tx + 12, frame);
      const rq = drv.queue(0), tq = drv.queue(1);
      const rh = rq.add([{ addr: rx, len: 2048, write: true }]);
      rq.kick();
      const th = tq.add([{ addr: tx, len: 12 + 60 }]);
      tq.kick();
      await macrotask();
      const tu = tq.takeUsed(), ru = rq.takeUsed();
      return th !== undefined && rh !== undefined && tu.some((u) => u.id === th) && ru.length === 1 && ru[0]!.id === rh &&
        ru[0]!.len === 12 + 60 && drv.mem.read(rx + 12, 60).every((b, i) => b === frame[i]);
    },
  },
  {
    // The power button; every eventq kick presses it (while few events wait), so fuzzed rings always meet events.
    name: 'virtio-input (power button)',
    make: () => {
      const d = new VirtioInput(powerButtonConfig());
      const notify = d.notify.bind(d);
      d.notify = (i: number): void => { if (i === 0 && d.pendingEvents < 64) d.pressPowerButton(); notify(i); };
      return d;
    },
    probe(drv) {
      const q = drv.queue(0);
      const bufs = [0, 1, 2, 3].map(() => drv.alloc(8));
      const heads = bufs.map((a) => q.add([{ addr: a, len: 8, write: true }]));
      q.kick();
      const used = q.takeUsed();
      // KEY_POWER (116) pressed: type 1, code 116, value 1, then SYN_REPORT.
      return heads.every((h) => h !== undefined) && used.length === 4 && used.every((u, i) => u.id === heads[i] && u.len === 8) &&
        drv.mem.read16(bufs[0]!) === 1 && drv.mem.read16(bufs[0]! + 2) === 116 && drv.mem.read32(bufs[0]! + 4) === 1 && drv.mem.read16(bufs[1]!) === 0;
    },
  },
];

/** Tests of virtio-blk (virtio 1.2 §5.2) through the transport with the driver-side mock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../../tests/fakes/virtio-rig.js';
import { MemoryBlock, CachedMemoryBlock, settle } from '../../../../tests/fakes/memory-block.js';
import type { VirtioTestDriver, Buf } from '../../../../tests/fakes/virtio-driver.js';
import { VirtioBlk, MAX_INFLIGHT_BYTES, MAX_DWZ_SEGMENTS } from './device.js';
import * as B from './regs.js';
import * as R from '../regs.js';
import { bit } from '../device.js';

const MiB = 1024 * 1024;

function rig(backend = new MemoryBlock(4 * MiB)) {
  const dev = new VirtioBlk({ backend });
  const r = virtioRig(dev);
  r.driver.init({ queueSize: 64 });
  return { ...r, dev, backend, q: r.driver.queue(0) };
}

/** Writes a request header into guest RAM; returns its address. */
function header(drv: VirtioTestDriver, type: number, sector: number | bigint): number {
  const h = drv.alloc(16);
  drv.mem.write32(h, type);
  drv.mem.write32(h + 4, 0);
  drv.mem.write64(h + 8, BigInt(sector));
  return h;
}

interface Req { head: number; status: number; data?: number }

/** Queues a request: header, optional data buffers (readable for OUT, writable for IN), status byte. */
function request(r: ReturnType<typeof rig>, type: number, sector: number | bigint, data: { len: number; write: boolean; fill?: number }[] = []): Req {
  const drv = r.driver;
  const bufs: Buf[] = [{ addr: header(drv, type, sector), len: 16 }];
  let first: number | undefined;
  for (const d of data) {
    const a = drv.alloc(d.len);
    if (d.fill !== undefined) drv.mem.fill(a, d.len, d.fill);
    first ??= a;
    bufs.push({ addr: a, len: d.len, write: d.write });
  }
  const status = drv.alloc(1);
  drv.mem.write8(status, 0xee);
  bufs.push({ addr: status, len: 1, write: true });
  const head = r.q.add(bufs)!;
  return { head, status, ...(first !== undefined ? { data: first } : {}) };
}

test('virtio-blk: device ID 2, features and config space', () => {
  const backend = new MemoryBlock(4 * MiB);
  const { driver } = virtioRig(new VirtioBlk({ backend }));
  assert.equal(driver.r32(R.DEVICE_ID), 2);
  const f = driver.deviceFeatures();
  for (const b of [B.VIRTIO_BLK_F_SIZE_MAX, B.VIRTIO_BLK_F_SEG_MAX, B.VIRTIO_BLK_F_BLK_SIZE, B.VIRTIO_BLK_F_FLUSH, B.VIRTIO_BLK_F_DISCARD, B.VIRTIO_BLK_F_WRITE_ZEROES]) {
    assert.ok(f & bit(b), `feature ${b} offered`);
  }
  assert.equal(f & bit(B.VIRTIO_BLK_F_RO), 0n);
  assert.equal(f & bit(B.VIRTIO_BLK_F_MQ), 0n);
  driver.init();
  assert.equal(driver.cfg(B.CFG_CAPACITY, 4), (4 * MiB) / 512);
  assert.equal(driver.cfg(B.CFG_CAPACITY + 4, 4), 0);
  assert.equal(driver.cfg(B.CFG_SEG_MAX, 4), 1022);
  assert.equal(driver.cfg(B.CFG_BLK_SIZE, 4), 512);
  assert.equal(driver.cfg(B.CFG_DISCARD_SECTOR_ALIGNMENT, 4), 8);
  assert.equal(driver.cfg(B.CFG_MAX_DISCARD_SEG, 4), MAX_DWZ_SEGMENTS);
  assert.equal(driver.cfg(B.CFG_WRITE_ZEROES_MAY_UNMAP, 1), 1);
});

test('virtio-blk: OUT then IN round-trips data across segments, asynchronously', async () => {
  const r = rig();
  const w = request(r, B.VIRTIO_BLK_T_OUT, 3, [{ len: 512, write: false, fill: 0xab }, { len: 1024, write: false, fill: 0xcd }]);
  r.q.kick();
  assert.deepEqual(r.q.takeUsed(), [], 'not completed synchronously');
  await settle();
  assert.deepEqual(r.q.takeUsed(), [{ id: w.head, len: 1 }]);
  assert.equal(r.driver.mem.read8(w.status), B.VIRTIO_BLK_S_OK);
  assert.equal(r.backend.data[3 * 512], 0xab);
  assert.equal(r.backend.data[4 * 512], 0xcd);
  assert.equal(r.backend.data[6 * 512 - 1], 0xcd);
  assert.equal(r.backend.data[6 * 512], 0);
  assert.equal(r.irq.level, true);

  const rd = request(r, B.VIRTIO_BLK_T_IN, 3, [{ len: 1536, write: true }]);
  r.q.kick();
  await settle();
  assert.deepEqual(r.q.takeUsed(), [{ id: rd.head, len: 1537 }]);
  assert.equal(r.driver.mem.read8(rd.status), B.VIRTIO_BLK_S_OK);
  const got = r.driver.mem.read(rd.data!, 1536);
  assert.equal(got[0], 0xab);
  assert.equal(got[511], 0xab);
  assert.equal(got[512], 0xcd);
  assert.equal(r.dev.metrics.bytesRead, 1536);
  assert.equal(r.dev.metrics.bytesWritten, 1536);
});

test('virtio-blk: FLUSH reaches the backend; GET_ID returns the serial, NUL-padded', async () => {
  const r = rig(new MemoryBlock(MiB, false, 'disk-42'));
  const f = request(r, B.VIRTIO_BLK_T_FLUSH, 0);
  const id = request(r, B.VIRTIO_BLK_T_GET_ID, 0, [{ len: 20, write: true, fill: 0xff }]);
  r.q.kick();
  await settle();
  const used = r.q.takeUsed();
  assert.deepEqual(used.find((u) => u.id === id.head), { id: id.head, len: 21 });
  assert.deepEqual(used.find((u) => u.id === f.head), { id: f.head, len: 1 });
  assert.equal(r.backend.flushes, 1);
  const bytes = r.driver.mem.read(id.data!, 20);
  assert.equal(Buffer.from(bytes.subarray(0, 7)).toString(), 'disk-42');
  assert.deepEqual([...bytes.subarray(7)], new Array(13).fill(0));
});

test('virtio-blk: malformed requests get IOERR/UNSUPP (or length 0 without a status byte), logged once and counted', async () => {
  const r = rig(new MemoryBlock(MiB));
  const beyond = request(r, B.VIRTIO_BLK_T_IN, MiB / 512, [{ len: 512, write: true }]);
  const straddle = request(r, B.VIRTIO_BLK_T_OUT, MiB / 512 - 1, [{ len: 1024, write: false }]);
  const huge = request(r, B.VIRTIO_BLK_T_IN, 2n ** 63n, [{ len: 512, write: true }]);
  const unaligned = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 100, write: true }]);
  const unknown = request(r, 99, 0);
  // Header of 8 bytes only.
  const h = header(r.driver, B.VIRTIO_BLK_T_IN, 0);
  const st = r.driver.alloc(1);
  const short = r.q.add([{ addr: h, len: 8 }, { addr: st, len: 1, write: true }])!;
  // No writable byte at all.
  const nostatus = r.q.add([{ addr: header(r.driver, B.VIRTIO_BLK_T_OUT, 0), len: 16 }])!;
  r.q.kick();
  await settle();
  const used = new Map(r.q.takeUsed().map((u) => [u.id, u.len]));
  const mem = r.driver.mem;
  assert.equal(mem.read8(beyond.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(mem.read8(straddle.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(mem.read8(huge.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(mem.read8(unaligned.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(mem.read8(unknown.status), B.VIRTIO_BLK_S_UNSUPP);
  assert.equal(mem.read8(st), B.VIRTIO_BLK_S_IOERR);
  assert.equal(used.get(nostatus), 0);
  assert.equal(used.get(short), 1);
  assert.deepEqual(r.backend.calls, [], 'nothing reached the backend');
  const errs = r.transport.errors.byKind;
  assert.equal(errs.get('out-of-range'), 3);
  assert.equal(errs.get('unaligned-length'), 1);
  assert.equal(errs.get('short-header'), 1);
  assert.equal(errs.get('no-status-byte'), 1);
  assert.equal(r.logs.filter((l) => l.includes('out-of-range')).length, 1, 'logged once');
  assert.equal(r.driver.status() & 64, 0, 'request errors do not need a reset');
});

test('virtio-blk: read-only disks offer RO, refuse writes and do not offer discard', async () => {
  const backend = new MemoryBlock(MiB, true);
  const r = rig(backend);
  assert.ok(r.driver.features & bit(B.VIRTIO_BLK_F_RO));
  assert.equal(r.driver.features & bit(B.VIRTIO_BLK_F_DISCARD), 0n);
  const w = request(r, B.VIRTIO_BLK_T_OUT, 0, [{ len: 512, write: false, fill: 1 }]);
  r.q.kick();
  await settle();
  assert.equal(r.driver.mem.read8(w.status), B.VIRTIO_BLK_S_IOERR);
  assert.deepEqual(backend.calls, []);
});

test('virtio-blk: DISCARD and WRITE_ZEROES segments; unmap on discard and bad payloads are refused', async () => {
  const r = rig(new MemoryBlock(MiB));
  const seg = (sector: number, num: number, flags: number): { len: number; write: boolean } & { addr?: number } => {
    const a = r.driver.alloc(16);
    r.driver.mem.write64(a, BigInt(sector)); r.driver.mem.write32(a + 8, num); r.driver.mem.write32(a + 12, flags);
    return { len: 16, write: false, addr: a } as never;
  };
  const add = (type: number, segs: { sector: number; num: number; flags: number }[]): Req => {
    const bufs: Buf[] = [{ addr: header(r.driver, type, 0), len: 16 }];
    for (const s of segs) { const x = seg(s.sector, s.num, s.flags) as unknown as { addr: number }; bufs.push({ addr: x.addr, len: 16 }); }
    const status = r.driver.alloc(1);
    bufs.push({ addr: status, len: 1, write: true });
    return { head: r.q.add(bufs)!, status };
  };
  const d = add(B.VIRTIO_BLK_T_DISCARD, [{ sector: 8, num: 8, flags: 0 }, { sector: 64, num: 16, flags: 0 }]);
  const z = add(B.VIRTIO_BLK_T_WRITE_ZEROES, [{ sector: 0, num: 8, flags: 1 }]);
  const dUnmap = add(B.VIRTIO_BLK_T_DISCARD, [{ sector: 0, num: 8, flags: 1 }]);
  const zFlags = add(B.VIRTIO_BLK_T_WRITE_ZEROES, [{ sector: 0, num: 8, flags: 4 }]);
  const dBeyond = add(B.VIRTIO_BLK_T_DISCARD, [{ sector: MiB / 512 - 4, num: 8, flags: 0 }]);
  const dNone = add(B.VIRTIO_BLK_T_DISCARD, []);
  r.q.kick();
  await settle();
  const mem = r.driver.mem;
  assert.equal(mem.read8(d.status), B.VIRTIO_BLK_S_OK);
  assert.equal(mem.read8(z.status), B.VIRTIO_BLK_S_OK);
  assert.equal(mem.read8(dUnmap.status), B.VIRTIO_BLK_S_UNSUPP);
  assert.equal(mem.read8(zFlags.status), B.VIRTIO_BLK_S_UNSUPP);
  assert.equal(mem.read8(dBeyond.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(mem.read8(dNone.status), B.VIRTIO_BLK_S_IOERR);
  assert.deepEqual([...r.backend.calls].sort(), ['discard 32768 8192', 'discard 4096 4096', 'zeroes 0 4096 unmap']);
});

test('virtio-blk: backend failures complete with IOERR and are logged once', async () => {
  const r = rig();
  r.backend.failNext = new Error('disk on fire');
  const a = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 512, write: true }]);
  r.q.kick();
  await settle();
  assert.equal(r.driver.mem.read8(a.status), B.VIRTIO_BLK_S_IOERR);
  assert.equal(r.dev.metrics.ioErrors, 1);
  assert.equal(r.logs.filter((l) => l.includes('disk on fire')).length, 1);
  const b = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 512, write: true }]);
  r.q.kick();
  await settle();
  assert.equal(r.driver.mem.read8(b.status), B.VIRTIO_BLK_S_OK, 'the device carries on');
});

test('virtio-blk: completions after a reset touch neither guest memory nor the used ring', async () => {
  const r = rig();
  r.backend.hold = true;
  const a = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 512, write: true, fill: 0x11 }]);
  r.q.kick();
  await settle();
  assert.equal(r.backend.pending, 1);
  assert.equal(r.dev.inFlight, 1);
  r.driver.w32(R.STATUS, 0); // reset
  r.backend.data.fill(0x99, 0, 512);
  r.backend.release();
  await settle();
  assert.equal(r.driver.mem.read8(a.status), 0xee, 'status untouched');
  assert.equal(r.driver.mem.read8(a.data!), 0x11, 'data untouched');
  assert.equal(r.dev.inFlight, 0);
  // The device works again after re-initialisation.
  r.backend.hold = false;
  r.driver.init({ queueSize: 64 });
  const q = r.driver.queue(0);
  const st = r.driver.alloc(1), buf = r.driver.alloc(512);
  const head = q.add([{ addr: header(r.driver, B.VIRTIO_BLK_T_IN, 0), len: 16 }, { addr: buf, len: 512, write: true }, { addr: st, len: 1, write: true }])!;
  q.kick();
  await settle();
  assert.deepEqual(q.takeUsed(), [{ id: head, len: 513 }]);
  assert.equal(r.driver.mem.read8(buf), 0x99);
});

test('virtio-blk: a guest that resets and re-initialises in a loop cannot get more than MAX_INFLIGHT_BYTES going', async () => {
  const r = rig();
  r.backend.hold = true;
  const big = 4 * MiB; // each read gets its own host buffer, even though they all alias one guest buffer
  const buf = r.driver.alloc(big);
  for (let round = 0; round < 80; round++) {
    if (round > 0) r.driver.init({ queueSize: 64 });
    const q = r.driver.queue(0);
    for (let i = 0; i < 4; i++) {
      const st = r.driver.alloc(1);
      q.add([{ addr: header(r.driver, B.VIRTIO_BLK_T_IN, 0), len: 16 }, { addr: buf, len: big, write: true }, { addr: st, len: 1, write: true }]);
    }
    q.kick();
    await settle();
    r.driver.w32(R.STATUS, 0); // reset with the reads still at the backend
  }
  assert.ok(r.backend.pending * big <= MAX_INFLIGHT_BYTES + big, `${r.backend.pending} reads of 4 MiB held at once across resets`);
  r.backend.release();
  await settle();
  assert.equal(r.dev.inFlight, 0, 'every stale operation settled and was uncounted');
});

test('virtio-blk: host memory in flight is bounded even when every request aliases one big guest buffer', async () => {
  const backend = new MemoryBlock(64 * MiB);
  backend.hold = true;
  const r = rig(backend);
  const big = r.driver.alloc(16 * MiB);
  const heads: number[] = [];
  for (let i = 0; i < 20; i++) {
    const st = r.driver.alloc(1);
    heads.push(r.q.add([{ addr: header(r.driver, B.VIRTIO_BLK_T_IN, 0), len: 16 }, { addr: big, len: 16 * MiB, write: true }, { addr: st, len: 1, write: true }])!);
  }
  r.q.kick();
  await settle();
  assert.ok(backend.pending * 16 * MiB <= MAX_INFLIGHT_BYTES, `${backend.pending} requests in flight`);
  assert.ok(backend.pending >= 1);
  // Completions free room and the rest are taken, until all are done.
  for (let k = 0; k < 30 && r.dev.metrics.reads < 20; k++) { backend.release(); await settle(); }
  backend.release();
  await settle();
  assert.equal(r.dev.metrics.reads, 20);
  assert.equal(r.q.takeUsed().length, 20);
});

test('virtio-blk: a read the backend can do at once (page cache) completes in the notify, across segments', async () => {
  const backend = new CachedMemoryBlock(4 * MiB);
  for (let i = 0; i < 4096; i++) backend.data[8 * 512 + i] = i & 0xff;
  const r = rig(backend);
  const rd = request(r, B.VIRTIO_BLK_T_IN, 8, [{ len: 1024, write: true }, { len: 3072, write: true }]);
  r.q.kick();
  assert.deepEqual(r.q.takeUsed(), [{ id: rd.head, len: 4097 }], 'completed synchronously');
  assert.equal(r.driver.mem.read8(rd.status), B.VIRTIO_BLK_S_OK);
  assert.equal(r.irq.level, true);
  const got = r.driver.mem.read(rd.data!, 4096);
  for (let i = 0; i < 4096; i++) assert.equal(got[i], i & 0xff);
  assert.equal(r.dev.metrics.readsAtOnce, 1);
  assert.equal(r.dev.metrics.bytesRead, 4096);
  assert.deepEqual(backend.calls, ['readNow 4096'], 'no thread-pool read');

  // Not cached: the asynchronous read takes over.
  backend.cached = () => false;
  const rd2 = request(r, B.VIRTIO_BLK_T_IN, 8, [{ len: 512, write: true }]);
  r.q.kick();
  assert.deepEqual(r.q.takeUsed(), []);
  await settle();
  assert.deepEqual(r.q.takeUsed(), [{ id: rd2.head, len: 513 }]);
  assert.equal(r.driver.mem.read8(rd2.status), B.VIRTIO_BLK_S_OK);
  assert.deepEqual(backend.calls.slice(1), ['readNow 4096', 'read 4096 512']);
  assert.equal(r.dev.metrics.readsAtOnce, 1);
});

test('virtio-blk: a read never overtakes a write in flight (no page-cache read until it completes)', async () => {
  const backend = new CachedMemoryBlock(4 * MiB);
  const r = rig(backend);
  backend.hold = true;
  const w = request(r, B.VIRTIO_BLK_T_OUT, 0, [{ len: 512, write: false, fill: 0x5a }]);
  r.q.kick();
  const rd = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 512, write: true }]);
  r.q.kick();
  assert.deepEqual(r.q.takeUsed(), [], 'the read waits in the backend queue behind the write');
  assert.ok(!backend.calls.some((c) => c.startsWith('readNow')), 'readNow not tried while the write is in flight');
  backend.release();
  await settle();
  backend.release();
  await settle();
  const used = r.q.takeUsed();
  assert.deepEqual(used.map((u) => u.id).sort(), [w.head, rd.head].sort());
  assert.equal(r.driver.mem.read8(rd.data!), 0x5a, 'the read saw the write');
  // With nothing in flight, the next read is served at once again.
  backend.hold = false;
  const rd2 = request(r, B.VIRTIO_BLK_T_IN, 0, [{ len: 512, write: true }]);
  r.q.kick();
  assert.deepEqual(r.q.takeUsed(), [{ id: rd2.head, len: 513 }]);
});

/** Tests of virtio-net (virtio 1.2 §5.1) through the transport with the driver-side mock and a fake backend. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { virtioRig } from '../../../../tests/fakes/virtio-rig.js';
import { FakeNetBackend, ethFrame, ipv4Frame } from '../../../../tests/fakes/net-backend.js';
import type { VirtioTestDriver } from '../../../../tests/fakes/virtio-driver.js';
import { bit, STATUS_DEVICE_NEEDS_RESET } from '../device.js';
import { VirtioNet, type VirtioNetConfig } from './device.js';
import { MAX_FRAME_BYTES } from './backend.js';
import * as N from './regs.js';
import * as R from '../regs.js';
import { transportChecksumValid } from './checksum.js';


const MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
const PEER = [0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const ALL = ~0n;
const NO_MRG = ~bit(N.VIRTIO_NET_F_MRG_RXBUF);

function setup(cfg: Partial<VirtioNetConfig> = {}, accept = ALL, queueSize = 16) {
  const backend = new FakeNetBackend();
  const dev = new VirtioNet({ backend, mac: Uint8Array.from(MAC), ...cfg });
  const rig = virtioRig(dev);
  assert.equal(rig.driver.init({ accept, queueSize }), true);
  return { backend, dev, ...rig };
}

/** Queues a transmit chain: header (flags, csum_start, csum_offset) + frame, optionally split in two descriptors. */
function transmit(drv: VirtioTestDriver, frame: Uint8Array, opts: { flags?: number; csumStart?: number; csumOffset?: number; gso?: number; split?: boolean } = {}): number {
  const hdr = new Uint8Array(N.NET_HDR_SIZE);
  const dv = new DataView(hdr.buffer);
  hdr[N.HDR_FLAGS] = opts.flags ?? 0;
  hdr[N.HDR_GSO_TYPE] = opts.gso ?? 0;
  dv.setUint16(N.HDR_CSUM_START, opts.csumStart ?? 0, true);
  dv.setUint16(N.HDR_CSUM_OFFSET, opts.csumOffset ?? 0, true);
  const q = drv.queue(N.TX_QUEUE);
  let head: number | undefined;
  if (opts.split ?? true) {
    const h = drv.alloc(hdr.length), b = drv.alloc(Math.max(1, frame.length));
    drv.mem.write(h, hdr);
    drv.mem.write(b, frame);
    head = q.add([{ addr: h, len: hdr.length }, { addr: b, len: frame.length }]);
  } else {
    const a = drv.alloc(hdr.length + frame.length);
    drv.mem.write(a, hdr);
    drv.mem.write(a + hdr.length, frame);
    head = q.add([{ addr: a, len: hdr.length + frame.length }]);
  }
  assert.notEqual(head, undefined);
  return head!;
}

/** Posts `n` receive buffers of `len` bytes; returns their addresses by head. */
function postRx(drv: VirtioTestDriver, n: number, len: number): Map<number, number> {
  return drv.postWritable(N.RX_QUEUE, n, len);
}

test('virtio-net: ID 1, MAC and link-up status in config, two queues, the offered features', () => {
  const { driver, dev } = setup();
  assert.equal(driver.r32(R.DEVICE_ID), 1);
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => driver.cfg(i, 1)), MAC);
  assert.equal(driver.cfg(N.CFG_STATUS, 2), N.VIRTIO_NET_S_LINK_UP);
  assert.equal(driver.queueCount, 2);
  for (const f of [N.VIRTIO_NET_F_MAC, N.VIRTIO_NET_F_STATUS, N.VIRTIO_NET_F_MRG_RXBUF, N.VIRTIO_NET_F_CSUM, N.VIRTIO_NET_F_GUEST_CSUM]) {
    assert.ok(dev.features & bit(f), `feature ${f} offered`);
  }
  for (const f of [N.VIRTIO_NET_F_GUEST_TSO4, N.VIRTIO_NET_F_HOST_TSO4, N.VIRTIO_NET_F_CTRL_VQ, N.VIRTIO_NET_F_MTU]) {
    assert.equal(dev.features & bit(f), 0n, `feature ${f} not offered`);
  }
  const plain = new VirtioNet({ backend: new FakeNetBackend(), mac: Uint8Array.from(MAC), mergeableRx: false, checksumOffload: false });
  assert.equal(plain.features, bit(N.VIRTIO_NET_F_MAC) | bit(N.VIRTIO_NET_F_STATUS));
  assert.throws(() => new VirtioNet({ backend: new FakeNetBackend(), mac: Uint8Array.from(BCAST) }), /unicast/);
});

test('virtio-net: config space is read-only (a write is counted, the MAC stays)', () => {
  const { driver, transport } = setup();
  driver.cfgWrite(0, 1, 0x99);
  assert.equal(driver.cfg(0, 1), 0x52);
  assert.equal(transport.errors.byKind.get('config-write'), 1);
});

test('virtio-net transmit: header stripped, frame handed to the backend, buffer returned, interrupt', () => {
  const { driver, backend, dev, irq } = setup();
  const f1 = ethFrame(PEER, MAC, 100), f2 = ethFrame(BCAST, MAC, 1500);
  const h1 = transmit(driver, f1);
  const h2 = transmit(driver, f2, { split: false });
  driver.queue(N.TX_QUEUE).kick();
  assert.deepEqual(backend.sent, [f1, f2]);
  assert.deepEqual(driver.queue(N.TX_QUEUE).takeUsed(), [{ id: h1, len: 0 }, { id: h2, len: 0 }]);
  assert.equal(irq.level, true);
  assert.equal(dev.metrics.txFrames, 2);
  assert.equal(dev.metrics.txBytes, f1.length + f2.length);
});

test('virtio-net transmit: malformed chains are dropped, counted, logged once per kind; the device carries on', () => {
  const { driver, backend, dev, transport, logs } = setup();
  const q = driver.queue(N.TX_QUEUE);
  const short = driver.alloc(8);
  q.add([{ addr: short, len: 8 }]); // shorter than the header
  transmit(driver, new Uint8Array(10)); // runt frame
  transmit(driver, ethFrame(PEER, MAC, 64), { gso: 1 }); // GSO never offered
  transmit(driver, ethFrame(PEER, MAC, 64), { flags: N.VIRTIO_NET_HDR_F_NEEDS_CSUM, csumStart: 74, csumOffset: 6 }); // field at 80..81, outside the 78-byte frame
  // Oversized: header + MAX_FRAME_BYTES + 1 spread over several descriptors.
  const big = driver.alloc(N.NET_HDR_SIZE + MAX_FRAME_BYTES + 1);
  q.add([{ addr: big, len: 40000 }, { addr: big + 40000, len: N.NET_HDR_SIZE + MAX_FRAME_BYTES + 1 - 40000 }]);
  q.add([{ addr: big, len: 40000 }, { addr: big + 40000, len: N.NET_HDR_SIZE + MAX_FRAME_BYTES + 1 - 40000 }]);
  const good = ethFrame(PEER, MAC, 60);
  transmit(driver, good);
  q.kick();
  assert.deepEqual(backend.sent, [good]);
  assert.equal(q.takeUsed().length, 7);
  assert.equal(dev.metrics.txDropped, 6);
  for (const k of ['tx-short', 'tx-runt', 'tx-gso', 'tx-csum']) assert.equal(transport.errors.byKind.get(k), 1, k);
  assert.equal(transport.errors.byKind.get('tx-oversized'), 2);
  assert.equal(logs.filter((l) => l.includes('tx-oversized') || /frame of 65551 bytes/.test(l)).length, 1, 'logged once');
  assert.equal(driver.status() & STATUS_DEVICE_NEEDS_RESET, 0);
});

test('virtio-net transmit: NEEDS_CSUM partial checksums are completed (CSUM offload)', () => {
  const { driver, backend, dev } = setup();
  const payload = Uint8Array.from({ length: 777 }, (_, i) => i & 0xff);
  const { frame, csumStart, csumOffset } = ipv4Frame(6, payload, true);
  transmit(driver, frame, { flags: N.VIRTIO_NET_HDR_F_NEEDS_CSUM, csumStart, csumOffset });
  driver.queue(N.TX_QUEUE).kick();
  assert.equal(backend.sent.length, 1);
  assert.deepEqual(backend.sent[0], ipv4Frame(6, payload).frame);
  assert.equal(dev.metrics.txChecksumCompleted, 1);
});

test('virtio-net transmit: NEEDS_CSUM without the negotiated CSUM feature is dropped', () => {
  const { driver, backend, transport } = setup({}, ~bit(N.VIRTIO_NET_F_CSUM));
  const { frame, csumStart, csumOffset } = ipv4Frame(17, new Uint8Array(20), true);
  transmit(driver, frame, { flags: N.VIRTIO_NET_HDR_F_NEEDS_CSUM, csumStart, csumOffset });
  driver.queue(N.TX_QUEUE).kick();
  assert.equal(backend.sent.length, 0);
  assert.equal(transport.errors.byKind.get('tx-csum'), 1);
});

test('virtio-net transmit: a congested backend stops transmit until it drains (chains stay in the ring)', () => {
  const { driver, backend, dev } = setup();
  backend.congested = true;
  for (let i = 0; i < 4; i++) transmit(driver, ethFrame(PEER, MAC, 50 + i));
  driver.queue(N.TX_QUEUE).kick();
  assert.equal(backend.sent.length, 1, 'stops after the frame that reported congestion');
  assert.equal(driver.queue(N.TX_QUEUE).takeUsed().length, 1);
  driver.queue(N.TX_QUEUE).kick();
  assert.equal(backend.sent.length, 1, 'a kick while congested does nothing');
  backend.drain();
  assert.equal(backend.sent.length, 4);
  assert.deepEqual(backend.sent.map((f) => f.length), [64, 65, 66, 67]);
  assert.equal(dev.metrics.txBackpressure, 1);
});

test('virtio-net receive (MRG_RXBUF): a frame spans buffers, num_buffers set, contents intact', () => {
  const { driver, backend, dev, irq } = setup();
  const bufs = postRx(driver, 4, 1000);
  const frame = ethFrame(MAC, PEER, 2500);
  irq.level = false;
  backend.inject(frame);
  const used = driver.queue(N.RX_QUEUE).takeUsed();
  assert.deepEqual(used.map((u) => u.len), [1000, 1000, N.NET_HDR_SIZE + frame.length - 2000]);
  const bytes = new Uint8Array(used.reduce((n, u) => n + u.len, 0));
  let o = 0;
  for (const u of used) { bytes.set(driver.mem.read(bufs.get(u.id)!, u.len), o); o += u.len; }
  const dv = new DataView(bytes.buffer);
  assert.equal(dv.getUint16(N.HDR_NUM_BUFFERS, true), 3);
  assert.equal(bytes[N.HDR_FLAGS], 0, 'not TCP/UDP: no DATA_VALID');
  assert.equal(bytes[N.HDR_GSO_TYPE], N.VIRTIO_NET_HDR_GSO_NONE);
  assert.deepEqual(bytes.subarray(N.NET_HDR_SIZE), frame);
  assert.equal(irq.level, true);
  assert.equal(dev.metrics.rxFrames, 1);
  // A small frame uses one buffer.
  backend.inject(ethFrame(MAC, PEER, 10));
  const [u] = driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(u!.len, N.NET_HDR_SIZE + 24);
  assert.equal(driver.mem.read16(bufs.get(u!.id)! + N.HDR_NUM_BUFFERS), 1);
});

test('virtio-net receive: a frame waits for buffers when too few are posted (mergeable), in order', () => {
  const { driver, backend } = setup();
  postRx(driver, 1, 1000);
  const big = ethFrame(MAC, PEER, 1800), small = ethFrame(MAC, PEER, 20);
  backend.inject(big);
  backend.inject(small);
  assert.equal(driver.queue(N.RX_QUEUE).takeUsed().length, 0, 'the first buffer is held, not used half-filled');
  const bufs = postRx(driver, 2, 1000);
  const used = driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(used.length, 3);
  assert.equal(used[2]!.len, N.NET_HDR_SIZE + small.length);
  assert.deepEqual(driver.mem.read(bufs.get(used[2]!.id)! + N.NET_HDR_SIZE, small.length), small);
});

test('virtio-net receive without MRG_RXBUF: one buffer per frame; a frame larger than the buffer is dropped and the buffer reused', () => {
  const { driver, backend, dev } = setup({}, NO_MRG);
  const bufs = postRx(driver, 2, 1526);
  backend.inject(ethFrame(MAC, PEER, 3000));
  assert.equal(driver.queue(N.RX_QUEUE).takeUsed().length, 0);
  assert.equal(dev.metrics.rxDroppedInvalid, 1);
  const f = ethFrame(MAC, PEER, 1500);
  backend.inject(f);
  const used = driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(used.length, 1);
  assert.equal(used[0]!.len, N.NET_HDR_SIZE + f.length);
  const a = bufs.get(used[0]!.id)!;
  assert.equal(driver.mem.read16(a + N.HDR_NUM_BUFFERS), 1);
  assert.deepEqual(driver.mem.read(a + N.NET_HDR_SIZE, f.length), f);
});

test('virtio-net receive: frames queue while the guest has no buffers; back-pressure, then bounded drop', () => {
  const { driver, backend, dev, logs } = setup({ rxQueueFrames: 8 });
  for (let i = 0; i < 12; i++) backend.inject(ethFrame(MAC, PEER, 40 + i));
  assert.equal(dev.metrics.rxDroppedQueueFull, 4);
  assert.equal(logs.filter((l) => /not taking received frames/.test(l)).length, 1);
  assert.deepEqual(backend.receivingCalls, [false], 'paused at the high-water mark');
  const bufs = postRx(driver, 16, 2048);
  const used = driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(used.length, 8);
  assert.deepEqual(used.map((u) => u.len - N.NET_HDR_SIZE - 14), [40, 41, 42, 43, 44, 45, 46, 47]);
  assert.equal(bufs.size, 16);
  assert.deepEqual(backend.receivingCalls, [false, true], 'resumed once drained');
});

test('virtio-net receive: frames before DRIVER_OK, malformed frames from the backend are dropped and counted', () => {
  const backend = new FakeNetBackend();
  const dev = new VirtioNet({ backend, mac: Uint8Array.from(MAC) });
  const { driver } = virtioRig(dev);
  backend.inject(ethFrame(MAC, PEER, 10));
  assert.equal(dev.metrics.rxDroppedNotReady, 1);
  driver.init({ queueSize: 16 });
  backend.inject(new Uint8Array(13));
  backend.inject(new Uint8Array(MAX_FRAME_BYTES + 1));
  assert.equal(dev.metrics.rxDroppedInvalid, 2);
});

test('virtio-net receive (GUEST_CSUM): DATA_VALID only on a verified TCP/UDP checksum', () => {
  const { driver, backend, dev } = setup();
  const bufs = postRx(driver, 4, 2048);
  const good = ipv4Frame(6, new Uint8Array(300).fill(9)).frame;
  const bad = good.slice(); bad[bad.length - 1]! ^= 1;
  backend.inject(good);
  backend.inject(bad);
  const used = driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(driver.mem.read8(bufs.get(used[0]!.id)! + N.HDR_FLAGS), N.VIRTIO_NET_HDR_F_DATA_VALID);
  assert.equal(driver.mem.read8(bufs.get(used[1]!.id)! + N.HDR_FLAGS), 0);
  assert.equal(dev.metrics.rxChecksumVerified, 1);
  assert.equal(transportChecksumValid(good), true);
  // Without GUEST_CSUM negotiated, never DATA_VALID.
  const s = setup({}, ~bit(N.VIRTIO_NET_F_GUEST_CSUM));
  const b2 = postRx(s.driver, 1, 2048);
  s.backend.inject(good);
  const [u] = s.driver.queue(N.RX_QUEUE).takeUsed();
  assert.equal(s.driver.mem.read8(b2.get(u!.id)! + N.HDR_FLAGS), 0);
});

test('virtio-net: reset drops queued frames and works again after re-initialisation', () => {
  const { driver, backend, dev } = setup();
  backend.inject(ethFrame(MAC, PEER, 30));
  backend.inject(ethFrame(MAC, PEER, 31));
  driver.w32(R.STATUS, 0);
  assert.equal(dev.metrics.rxDroppedNotReady, 2);
  driver.init({ queueSize: 16 });
  const bufs = postRx(driver, 1, 2048);
  const f = ethFrame(BCAST, PEER, 90);
  backend.inject(f);
  const [u] = driver.queue(N.RX_QUEUE).takeUsed();
  assert.deepEqual(driver.mem.read(bufs.get(u!.id)! + N.NET_HDR_SIZE, f.length), f);
  transmit(driver, ethFrame(PEER, MAC, 20));
  driver.queue(N.TX_QUEUE).kick();
  assert.equal(backend.sent.length, 1);
});

test('virtio-net receive: buffers without writable space are returned empty and counted', () => {
  const { driver, backend, transport } = setup();
  const q = driver.queue(N.RX_QUEUE);
  const a = driver.alloc(64);
  q.add([{ addr: a, len: 64 }]); // device-readable only
  const b = driver.alloc(2048);
  const hb = q.add([{ addr: b, len: 2048, write: true }])!;
  q.kick();
  const f = ethFrame(MAC, PEER, 100);
  backend.inject(f);
  const used = q.takeUsed();
  assert.equal(used.length, 2);
  assert.deepEqual(used[1], { id: hb, len: N.NET_HDR_SIZE + f.length });
  assert.equal(transport.errors.byKind.get('rx-no-space'), 1);
});

test('virtio-net receive: back-pressure also starts on queued bytes (big frames), and the byte limit drops', () => {
  const { driver, backend, dev } = setup({ rxQueueFrames: 512, rxQueueBytes: 100_000 }, ALL, 64);
  backend.inject(ethFrame(MAC, PEER, 30_000));
  assert.deepEqual(backend.receivingCalls, [false], 'paused: more than a quarter of the byte limit');
  backend.inject(ethFrame(MAC, PEER, 30_000));
  backend.inject(ethFrame(MAC, PEER, 30_000));
  backend.inject(ethFrame(MAC, PEER, 30_000)); // 4 × 30 014 > 100 000
  assert.equal(dev.metrics.rxDroppedQueueFull, 1);
  postRx(driver, 64, 4096);
  assert.equal(driver.queue(N.RX_QUEUE).takeUsed().length, 3 * 8);
  assert.deepEqual(backend.receivingCalls, [false, true]);
});

/** Tests of the Internet checksum helpers behind virtio-net's CSUM / GUEST_CSUM offloads. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { completeChecksum, fold, onesSum, transportChecksumValid } from './checksum.js';
import { ipv4Frame, refSum, words } from '../../../../tests/fakes/net-backend.js';

test('onesSum/fold: RFC 1071 §3 example (0001 f203 f4f5 f6f7 → ddf2), odd lengths padded', () => {
  const b = Uint8Array.from([0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]);
  assert.equal(fold(onesSum(b, 0, b.length)), 0xddf2);
  assert.equal(fold(onesSum(Uint8Array.from([0xab]), 0, 1)), 0xab00);
  assert.equal(fold(onesSum(b, 2, 4, 0x1234)), 0x0438); // 0x1234 + 0xf203 = 0x10437, end-around carry
});

test('transportChecksumValid accepts correct IPv4 TCP and UDP frames and rejects corrupted ones', () => {
  for (const proto of [6, 17] as const) {
    for (const len of [0, 1, 7, 1000, 1459]) {
      const { frame } = ipv4Frame(proto, Uint8Array.from({ length: len }, (_, i) => (i * 31 + len) & 0xff));
      assert.equal(transportChecksumValid(frame), true, `proto ${proto} len ${len}`);
      if (len > 0) {
        frame[frame.length - 1]! ^= 0x40;
        assert.equal(transportChecksumValid(frame), false, `corrupted proto ${proto} len ${len}`);
      }
    }
  }
});

test('transportChecksumValid is false for what it does not check: fragments, ICMP, ARP, UDP without checksum, truncation', () => {
  const { frame } = ipv4Frame(6, new Uint8Array(40));
  const frag = frame.slice(); frag[14 + 6] = 0x20; // MF
  assert.equal(transportChecksumValid(frag), false);
  const icmp = frame.slice(); icmp[14 + 9] = 1;
  assert.equal(transportChecksumValid(icmp), false);
  const arp = frame.slice(); arp[12] = 0x08; arp[13] = 0x06;
  assert.equal(transportChecksumValid(arp), false);
  const udp = ipv4Frame(17, new Uint8Array(10)).frame; udp[34 + 6] = 0; udp[34 + 7] = 0;
  assert.equal(transportChecksumValid(udp), false);
  assert.equal(transportChecksumValid(frame.subarray(0, frame.length - 1)), false);
  assert.equal(transportChecksumValid(new Uint8Array(20)), false);
});

test('transportChecksumValid checks IPv6 UDP with the IPv6 pseudo-header', () => {
  const payload = Uint8Array.from({ length: 33 }, (_, i) => i);
  const l4len = 8 + payload.length;
  const f = new Uint8Array(14 + 40 + l4len);
  f.set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x86, 0xdd]);
  f.set([0x60, 0, 0, 0, 0, l4len, 17, 64], 14);
  for (let i = 0; i < 32; i++) f[14 + 8 + i] = i * 3;
  f.set([0x12, 0x34, 0x00, 0x35, 0, l4len, 0, 0], 54);
  f.set(payload, 62);
  const c = (~refSum([...words(f.subarray(22, 54)), 0, l4len, 0, 17, ...words(f.subarray(54))]) & 0xffff) || 0xffff;
  f[60] = c >> 8; f[61] = c & 0xff;
  assert.equal(transportChecksumValid(f), true);
  f[70]! ^= 1;
  assert.equal(transportChecksumValid(f), false);
});

test('completeChecksum turns a partial (pseudo-header-seeded) checksum into the full one', () => {
  for (const proto of [6, 17] as const) {
    for (const len of [0, 3, 512, 1400]) {
      const payload = Uint8Array.from({ length: len }, (_, i) => (i * 7 + proto) & 0xff);
      const want = ipv4Frame(proto, payload).frame;
      const { frame, csumStart, csumOffset } = ipv4Frame(proto, payload, true);
      assert.equal(completeChecksum(frame, csumStart, csumOffset), true);
      assert.deepEqual(frame, want, `proto ${proto} len ${len}`);
      assert.equal(transportChecksumValid(frame), true);
    }
  }
});

test('completeChecksum refuses offsets outside the frame and leaves it untouched', () => {
  const f = new Uint8Array(60).fill(7);
  const copy = f.slice();
  assert.equal(completeChecksum(f, 60, 0), false);
  assert.equal(completeChecksum(f, 50, 9), false);
  assert.equal(completeChecksum(f, 0xffff, 0xffff), false);
  assert.deepEqual(f, copy);
  assert.equal(completeChecksum(f, 50, 8), true);
});

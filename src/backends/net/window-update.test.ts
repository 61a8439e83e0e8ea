/** Tests of the passt link's zero-window ACK hold (window-update.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pureAck, ZeroWindowAckHold } from './window-update.js';

interface Seg { sport?: number; seq?: number; ack?: number; win?: number; flags?: number; payload?: number; v6?: boolean; frag?: boolean; proto?: number }

/** An Ethernet frame with one TCP segment (checksums left zero: the hold never reads them). */
function tcp(s: Seg = {}): Uint8Array {
  const ipLen = s.v6 ? 40 : 20, tcpLen = 32; // 12 bytes of options (timestamps), as Linux sends
  const f = new Uint8Array(14 + ipLen + tcpLen + (s.payload ?? 0));
  const dv = new DataView(f.buffer);
  f.set([0x52, 0x54, 0, 0x12, 0x34, 0x56, 0x02, 0, 0, 0, 0, 1]);
  dv.setUint16(12, s.v6 ? 0x86dd : 0x0800);
  if (s.v6) {
    f[14] = 0x60;
    dv.setUint16(18, tcpLen + (s.payload ?? 0));
    f[20] = s.proto ?? 6;
    f[21] = 64;
    f.fill(0xfd, 22, 38); f.fill(0xfe, 38, 54);
  } else {
    f[14] = 0x45;
    dv.setUint16(16, ipLen + tcpLen + (s.payload ?? 0));
    dv.setUint16(20, s.frag ? 0x2000 : 0x4000);
    f[22] = 64; f[23] = s.proto ?? 6;
    f.set([10, 0, 2, 15, 192, 0, 2, 2], 26);
  }
  const t = 14 + ipLen;
  dv.setUint16(t, s.sport ?? 40000);
  dv.setUint16(t + 2, 80);
  dv.setUint32(t + 4, s.seq ?? 1000);
  dv.setUint32(t + 8, s.ack ?? 5000);
  f[t + 12] = (tcpLen / 4) << 4;
  f[t + 13] = s.flags ?? 0x10;
  dv.setUint16(t + 14, s.win ?? 0);
  return f;
}

function link(holdMs = 2): { sent: Uint8Array[]; hold: ZeroWindowAckHold } {
  const sent: Uint8Array[] = [];
  return { sent, hold: new ZeroWindowAckHold((f) => { sent.push(f); return true; }, holdMs) };
}

test('pureAck: IPv4 and IPv6 segments with no payload and only ACK set', () => {
  assert.ok(pureAck(tcp()));
  assert.ok(pureAck(tcp({ v6: true })));
  assert.equal(pureAck(tcp({ payload: 1 })), undefined, 'data');
  assert.equal(pureAck(tcp({ payload: 1, v6: true })), undefined, 'IPv6 data');
  for (const flags of [0x18, 0x11, 0x12, 0x14, 0x02, 0x50, 0x90]) assert.equal(pureAck(tcp({ flags })), undefined, `flags ${flags}`);
  assert.equal(pureAck(tcp({ frag: true })), undefined, 'a fragment');
  assert.equal(pureAck(tcp({ proto: 17 })), undefined, 'UDP');
  assert.equal(pureAck(tcp({ proto: 0, v6: true })), undefined, 'IPv6 extension header');
});

test('pureAck: truncated and random frames are rejected without throwing', () => {
  const good = tcp();
  for (let n = 0; n < good.length; n++) assert.equal(pureAck(good.subarray(0, n)), undefined, `${n} bytes`);
  let x = 12345;
  const rnd = (): number => ((x = (x * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
  for (let k = 0; k < 20000; k++) {
    const f = Uint8Array.from({ length: rnd() % 120 }, rnd);
    if (k % 2 === 0 && f.length > 14) { f[12] = 8; f[13] = 0; f[14] = 0x45; if (f.length > 23) f[23] = 6; }
    pureAck(f);
  }
});

test('a zero-window ACK followed by a window update of the same connection is dropped', () => {
  const { sent, hold } = link();
  const zero = tcp({ ack: 5000, win: 0 }), update = tcp({ ack: 5000, win: 8111 });
  hold.send(zero);
  assert.equal(sent.length, 0, 'held');
  hold.send(update);
  assert.deepEqual(sent, [update]);
  assert.deepEqual(hold.stats, { held: 1, superseded: 1 });
  // also when the update acknowledges more
  const z2 = tcp({ ack: 6000, win: 0 }), u2 = tcp({ ack: 7000, win: 10 });
  hold.send(z2); hold.send(u2);
  assert.deepEqual(sent, [update, u2]);
  // and for IPv6
  const z6 = tcp({ v6: true, win: 0 }), u6 = tcp({ v6: true, win: 3 });
  hold.send(z6); hold.send(u6);
  assert.deepEqual(sent, [update, u2, u6]);
});

test('anything else releases the held ACK first, so frames keep their order', () => {
  const cases: Array<[string, Uint8Array]> = [
    ['data', tcp({ payload: 100, win: 500 })],
    ['another connection', tcp({ sport: 40001, win: 500 })],
    ['another sequence number', tcp({ seq: 1001, win: 500 })],
    ['an older acknowledgment', tcp({ ack: 4999, win: 500 })],
    ['a FIN', tcp({ flags: 0x11, win: 500 })],
    ['IPv6 with the same ports', tcp({ v6: true, win: 500 })],
  ];
  for (const [what, next] of cases) {
    const { sent, hold } = link();
    const zero = tcp({ win: 0 });
    hold.send(zero);
    hold.send(next);
    assert.deepEqual(sent, [zero, next], what);
    assert.equal(hold.stats.superseded, 0, what);
  }
  // a second zero-window ACK: the first goes out, the second waits
  const { sent, hold } = link();
  const a = tcp({ win: 0 }), b = tcp({ ack: 6000, win: 0 });
  hold.send(a); hold.send(b);
  assert.deepEqual(sent, [a]);
  hold.flush();
  assert.deepEqual(sent, [a, b]);
});

test('a zero-window ACK nothing supersedes goes out when the hold ends; discard drops it', async () => {
  const { sent, hold } = link(5);
  const zero = tcp({ win: 0 });
  hold.send(zero);
  assert.equal(sent.length, 0);
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [zero]);
  const other = tcp({ win: 0, sport: 40002 });
  hold.send(other);
  hold.discard();
  await new Promise((r) => setTimeout(r, 30));
  assert.deepEqual(sent, [zero], 'discarded');
  // frames that are not zero-window pure ACKs pass straight through
  const ack = tcp({ win: 1 }), data = tcp({ payload: 10 });
  hold.send(ack); hold.send(data);
  assert.deepEqual(sent, [zero, ack, data]);
});

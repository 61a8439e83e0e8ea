/** Tests of the passt link's pure-ACK coalescing (ack-coalescer.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AckCoalescer, pureAck } from './ack-coalescer.js';

interface Seg { sport?: number; seq?: number; ack?: number; win?: number; flags?: number; payload?: number; v6?: boolean; frag?: boolean; proto?: number }

/** An Ethernet frame with one TCP segment (checksums left zero: the coalescer never reads them). */
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

function link(holdMs = 2): { sent: Uint8Array[]; acks: AckCoalescer } {
  const sent: Uint8Array[] = [];
  return { sent, acks: new AckCoalescer((f) => { sent.push(f); return true; }, holdMs) };
}

const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

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

test('a newer pure ACK of the same connection replaces the held one', () => {
  const { sent, acks } = link();
  const zero = tcp({ ack: 5000, win: 0 }), update = tcp({ ack: 5000, win: 8111 }), more = tcp({ ack: 9000, win: 300 });
  acks.send(zero);
  acks.send(update);
  acks.send(more);
  assert.equal(sent.length, 0, 'all held');
  acks.flush();
  assert.deepEqual(sent, [more], 'only the latest goes out');
  assert.deepEqual(acks.stats, { held: 1, replaced: 2 });
  const z6 = tcp({ v6: true, win: 0 }), u6 = tcp({ v6: true, win: 3 });
  acks.send(z6); acks.send(u6); acks.flush();
  assert.deepEqual(sent, [more, u6], 'IPv6 too');
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
    const { sent, acks } = link();
    const held = tcp({ win: 0 });
    acks.send(held);
    acks.send(next);
    acks.flush();
    assert.deepEqual(sent, [held, next], what);
    assert.equal(acks.stats.replaced, 0, what);
  }
});

test('duplicate ACKs (same acknowledgment and window) all go out at once, for fast retransmit', () => {
  const { sent, acks } = link();
  const d = [tcp({ win: 700 }), tcp({ win: 700 }), tcp({ win: 700 }), tcp({ win: 700 })];
  for (const f of d) acks.send(f);
  assert.deepEqual(sent, d);
  // also when the ACK they duplicate went out at the end of its hold
  const { sent: s2, acks: a2 } = link();
  const first = tcp({ ack: 8000, win: 9 });
  a2.send(first);
  a2.flush();
  const dups = [tcp({ ack: 8000, win: 9 }), tcp({ ack: 8000, win: 9 }), tcp({ ack: 8000, win: 9 })];
  for (const f of dups) a2.send(f);
  assert.deepEqual(s2, [first, ...dups]);
  // data in between ends the series: the next pure ACK is held again
  const data = tcp({ payload: 5 }), after = tcp({ ack: 8000, win: 9 });
  a2.send(data); a2.send(after);
  assert.deepEqual(s2, [first, ...dups, data]);
});

test('the hold ends HOLD_MS after the first held ACK, however many replace it; discard drops it', async () => {
  // A fake clock: timers fire when the test advances it.
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; live: boolean }> = [];
  const advance = (ms: number): void => {
    now += ms;
    for (const t of timers) if (t.live && t.at <= now) { t.live = false; t.fn(); }
  };
  const sent: Uint8Array[] = [];
  const acks = new AckCoalescer((f) => { sent.push(f); return true; }, 2, (fn, ms) => {
    const t = { at: now + ms, fn, live: true };
    timers.push(t);
    return () => { t.live = false; };
  });
  const first = tcp({ ack: 1, win: 10 });
  acks.send(first);
  let last = first;
  for (let i = 2; i < 6; i++) { advance(0.4); last = tcp({ ack: i, win: 10 }); acks.send(last); }
  assert.equal(sent.length, 0, '1.6 ms in: still held');
  advance(0.4);
  assert.deepEqual(sent, [last], 'sent once at 2 ms, not postponed by each replacement');
  advance(10);
  assert.deepEqual(sent, [last]);
  acks.send(tcp({ win: 0, sport: 40002 }));
  acks.discard();
  advance(10);
  assert.deepEqual(sent, [last], 'discarded');
  const data = tcp({ payload: 10 });
  acks.send(data);
  assert.deepEqual(sent, [last, data], 'frames that are not pure ACKs pass straight through');
  // with the real clock: a lone ACK goes out by itself
  const real = link(5);
  const lone = tcp({ win: 10 });
  real.acks.send(lone);
  await wait(50);
  assert.deepEqual(real.sent, [lone]);
});

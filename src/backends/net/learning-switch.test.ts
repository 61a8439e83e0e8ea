/** Tests of the learning switch: learning, forwarding, flooding, port loss, ageing and limits. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LearningSwitch } from './learning-switch.js';

const mac = (n: number): number[] => [0x52, 0x54, 0, 0, 0, n];
const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const frame = (dst: number[], src: number[], tag = 0): Uint8Array => Uint8Array.from([...dst, ...src, 0x88, 0xb5, tag]);

function rig(opts: ConstructorParameters<typeof LearningSwitch>[0] = {}) {
  const sw = new LearningSwitch(opts);
  const inbox = new Map<number, number[]>(); // port → tags received
  const add = (): number => {
    let id = 0;
    id = sw.addPort({ deliver: (f) => inbox.get(id)!.push(f[14]!) });
    inbox.set(id, []);
    return id;
  };
  return { sw, inbox, add };
}

test('unknown unicast and broadcast are flooded to every other port', () => {
  const { sw, inbox, add } = rig();
  const [a, b, c] = [add(), add(), add()];
  sw.input(a, frame(mac(2), mac(1), 1));
  sw.input(a, frame(BCAST, mac(1), 2));
  assert.deepEqual([inbox.get(a), inbox.get(b), inbox.get(c)], [[], [1, 2], [1, 2]]);
  assert.equal(sw.stats.flooded, 2);
});

test('a learned MAC gets unicast on its port only; multicast is always flooded', () => {
  const { sw, inbox, add } = rig();
  const [a, b, c] = [add(), add(), add()];
  sw.input(b, frame(BCAST, mac(2), 1)); // b learns mac(2)
  sw.input(a, frame(mac(2), mac(1), 2)); // to b only; a learns mac(1)
  sw.input(b, frame(mac(1), mac(2), 3)); // to a only
  sw.input(c, frame([0x01, 0x00, 0x5e, 0, 0, 1], mac(3), 4)); // IPv4 multicast: flood
  assert.deepEqual(inbox.get(a), [1, 3, 4]);
  assert.deepEqual(inbox.get(b), [2, 4]);
  assert.deepEqual(inbox.get(c), [1]);
  assert.equal(sw.lookup(Uint8Array.from(mac(2))), b);
  assert.equal(sw.stats.forwarded, 2);
});

test('a frame to a MAC on its own port is filtered; a MAC that moves follows its new port', () => {
  const { sw, inbox, add } = rig();
  const [a, b, c] = [add(), add(), add()];
  sw.input(a, frame(BCAST, mac(1), 1));
  sw.input(a, frame(BCAST, mac(9), 2));
  sw.input(a, frame(mac(9), mac(1), 3)); // both on a: nowhere
  assert.equal(sw.stats.filtered, 1);
  sw.input(c, frame(BCAST, mac(9), 4)); // mac(9) moved to c
  sw.input(b, frame(mac(9), mac(2), 5));
  assert.deepEqual(inbox.get(c), [1, 2, 5]);
  assert.deepEqual(inbox.get(a), [4]);
});

test('port loss forgets its MACs (traffic to them floods again) and stops deliveries to it', () => {
  const { sw, inbox, add } = rig();
  const [a, b, c] = [add(), add(), add()];
  sw.input(b, frame(BCAST, mac(2), 1));
  sw.removePort(b);
  assert.equal(sw.lookup(Uint8Array.from(mac(2))), undefined);
  assert.equal(sw.portCount, 2);
  sw.input(a, frame(mac(2), mac(1), 2));
  assert.deepEqual(inbox.get(c), [1, 2]);
  assert.deepEqual(inbox.get(b), []);
  sw.input(b, frame(BCAST, mac(2), 3)); // from a removed port: ignored
  assert.deepEqual(inbox.get(a), [1]);
});

test('entries age out; malformed frames and multicast sources are dropped', () => {
  let now = 0;
  const { sw, inbox, add } = rig({ ageMs: 1000, now: () => now });
  const [a, b, c] = [add(), add(), add()];
  sw.input(b, frame(BCAST, mac(2), 1));
  now = 500;
  sw.input(a, frame(mac(2), mac(1), 2));
  assert.deepEqual(inbox.get(c), [1]);
  now = 2000;
  sw.input(a, frame(mac(2), mac(1), 3)); // aged: flooded
  assert.deepEqual(inbox.get(c), [1, 3]);
  assert.equal(sw.size, 1, 'mac(2) swept, mac(1) relearnt');
  sw.input(a, Uint8Array.from([1, 2, 3]));
  sw.input(a, frame(BCAST, [0x01, 0, 0, 0, 0, 1], 4));
  assert.equal(sw.stats.dropped, 2);
});

test('table limits: a port spraying source MACs cannot fill the table for everyone', () => {
  const { sw, inbox, add } = rig({ maxEntries: 100, maxEntriesPerPort: 10 });
  const [a, b] = [add(), add()];
  for (let i = 0; i < 1000; i++) sw.input(a, frame(BCAST, [0x02, 0, 0, 0, i >> 8, i & 0xff], 0));
  assert.equal(sw.size, 10);
  sw.input(b, frame(BCAST, mac(2), 1));
  assert.equal(sw.lookup(Uint8Array.from(mac(2))), b);
  sw.input(a, frame(mac(2), [0x02, 0, 0, 0, 0, 1], 7));
  assert.equal(inbox.get(b)!.at(-1), 7);
});

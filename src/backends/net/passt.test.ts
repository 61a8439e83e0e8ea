/**
 * Tests of the passt backend against the real passt (skipped when it is not installed): start-up
 * and readiness, the frame stream, port forwards, errors, and that passt ends with hv.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createConnection, createServer } from 'node:net';
import { PasstBackend, findPasst, passtForwardArgs } from './passt.js';
import { isUserError } from '../../base/errors.js';

const haveP = findPasst() !== undefined;
const GUEST_MAC = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];

/** A port nobody listens on (ephemeral, released again). */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

function arpRequest(sip: number[], tip: number[]): Uint8Array {
  return Uint8Array.from([
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...GUEST_MAC, 0x08, 0x06,
    0, 1, 8, 0, 6, 4, 0, 1, ...GUEST_MAC, ...sip, 0, 0, 0, 0, 0, 0, ...tip,
  ]);
}

function nextFrame(be: PasstBackend, match: (f: Uint8Array) => boolean, ms = 5000): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('no matching frame from passt')), ms);
    be.onFrame((f) => { if (match(f)) { clearTimeout(t); resolve(Uint8Array.from(f)); } });
  });
}

test('passt forward arguments: -t/-u [ADDR/]HOST:GUEST', () => {
  assert.deepEqual(passtForwardArgs([
    { proto: 'tcp', hostAddr: '127.0.0.1', hostPort: 8080, guestPort: 80 },
    { proto: 'udp', hostPort: 5353, guestPort: 53 },
  ]), ['-t', '127.0.0.1/8080:80', '-u', '5353:53']);
});

test('passt missing: a clear error that says how to install it', async () => {
  const saved = process.env['PATH'];
  process.env['PATH'] = '/nonexistent';
  try {
    await assert.rejects(PasstBackend.start(), (e) => isUserError(e) && e.exitStatus === 2 && /apt-get install passt/.test(e.message));
  } finally {
    process.env['PATH'] = saved;
  }
});

test('passt: answers ARP over the frame stream, forwards a host port (SYN reaches the guest side), exits on close', { skip: !haveP && 'passt is not installed' }, async () => {
  const port = await freePort();
  const be = await PasstBackend.start({ forwards: [{ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: port, guestPort: 80 }] });
  try {
    const arp = nextFrame(be, (f) => f[12] === 0x08 && f[13] === 0x06 && f[21] === 2);
    be.send(arpRequest([10, 99, 99, 2], [10, 99, 99, 1]));
    const reply = await arp;
    assert.deepEqual([...reply.subarray(0, 6)], GUEST_MAC, 'ARP reply addressed to the guest MAC');
    assert.deepEqual([...reply.subarray(28, 32)], [10, 99, 99, 1], 'for the address asked');
    // The forwarded port is bound as soon as start() resolves; a connection becomes a SYN to guest port 80.
    const syn = nextFrame(be, (f) => f[12] === 0x08 && f[13] === 0x00 && f[14 + 9] === 6 && ((f[36]! << 8) | f[37]!) === 80);
    const c = createConnection(port, '127.0.0.1');
    c.on('error', () => {});
    const f = await syn;
    assert.equal(f[47]! & 0x02, 0x02, 'TCP SYN');
    c.destroy();
  } finally {
    be.close();
  }
  await new Promise<void>((resolve) => { if (be.child.exitCode !== null || be.child.signalCode !== null) resolve(); else be.child.once('exit', () => resolve()); });
});

test('passt: a port that is already taken fails start-up with passt\'s message', { skip: !haveP && 'passt is not installed' }, async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  try {
    await assert.rejects(
      PasstBackend.start({ forwards: [{ proto: 'tcp', hostAddr: '127.0.0.1', hostPort: port, guestPort: 80 }], name: 'net0' }),
      (e) => isUserError(e) && /net0: passt exited during start-up.*bind/i.test(e.message),
    );
  } finally {
    s.close();
  }
});

/** Register-level tests of the 16550A model against the PC16550D datasheet (and Linux 8250 probes). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../base/clock.js';
import { Uart16550, type Uart16550Config } from './device.js';
import * as R from './regs.js';

function rig(opts: Partial<Uart16550Config> = {}) {
  const clock = new FakeClock(1_000_000);
  const out: number[] = [];
  const irqEvents: boolean[] = [];
  let irq = false;
  const logs: string[] = [];
  const uart = new Uart16550({
    backend: { write: (b) => out.push(...b) },
    irq: { setLevel: (l) => { irq = l; irqEvents.push(l); } },
    clock,
    log: (l) => logs.push(l),
    ...opts,
  });
  const hi = { value: 0 };
  const r = (off: number): number => uart.read(off, 0, hi);
  const w = (off: number, v: number): void => uart.write(off, 0, v, 0);
  const rx = (s: string | number[]): void => uart.receive(typeof s === 'string' ? new TextEncoder().encode(s) : Uint8Array.from(s));
  const drain = (): number[] => { const got: number[] = []; while (r(R.LSR) & R.LSR_DR) got.push(r(R.RBR_THR_DLL)); return got; };
  return { uart, clock, out, irqEvents, irq: () => irq, logs, r, w, rx, drain };
}

/** 115200 8N1 with the virt clock: divisor 2; one character = 10 bits. */
const CHAR_NS = (10 / 115200) * 1e9;
function set115200(w: (o: number, v: number) => void): void {
  w(R.LCR, R.LCR_DLAB);
  w(R.RBR_THR_DLL, 2);
  w(R.IER_DLM, 0);
  w(R.LCR, 0x03);
}

test('reset values per the datasheet', () => {
  const { r } = rig();
  assert.equal(r(R.IER_DLM), 0);
  assert.equal(r(R.IIR_FCR), 0x01);
  assert.equal(r(R.LCR), 0);
  assert.equal(r(R.MCR), 0);
  assert.equal(r(R.LSR), R.LSR_THRE | R.LSR_TEMT);
  assert.equal(r(R.MSR), R.MSR_CTS | R.MSR_DSR | R.MSR_DCD, 'host end connected, no deltas');
  assert.equal(r(R.SCR), 0);
});

test('DLAB switches offsets 0/1 to the divisor latch; THR writes under DLAB do not transmit', () => {
  const { r, w, out } = rig();
  w(R.IER_DLM, 0x05);
  w(R.LCR, R.LCR_DLAB | 0x03);
  w(R.RBR_THR_DLL, 0x34);
  w(R.IER_DLM, 0x12);
  assert.equal(r(R.RBR_THR_DLL), 0x34);
  assert.equal(r(R.IER_DLM), 0x12);
  assert.deepEqual(out, [], 'DLL write is not a transmit');
  w(R.LCR, 0x03);
  assert.equal(r(R.IER_DLM), 0x05, 'IER untouched by DLM write');
  w(R.LCR, R.LCR_DLAB);
  assert.equal(r(R.RBR_THR_DLL), 0x34, 'latch kept');
  assert.equal(r(R.IER_DLM), 0x12);
});

test('THR bytes go to the backend in order; THRE and TEMT stay set; scratch register holds a byte', () => {
  const { r, w, out } = rig();
  for (const c of 'hi!') w(R.RBR_THR_DLL, c.charCodeAt(0));
  assert.equal(String.fromCharCode(...out), 'hi!');
  assert.equal(r(R.LSR) & (R.LSR_THRE | R.LSR_TEMT), R.LSR_THRE | R.LSR_TEMT);
  w(R.SCR, 0xa5);
  assert.equal(r(R.SCR), 0xa5);
  w(R.IER_DLM, 0xff);
  assert.equal(r(R.IER_DLM), 0x0f, 'IER bits 7:4 read 0');
});

test('FIFO off: one holding byte, DR reflects it, host queue refills on read', () => {
  const { r, rx, uart } = rig();
  rx('ab');
  assert.equal(r(R.LSR) & R.LSR_DR, R.LSR_DR);
  assert.equal(uart.hostQueued, 1, 'second byte waits host-side');
  assert.equal(r(R.RBR_THR_DLL), 0x61);
  assert.equal(r(R.LSR) & R.LSR_DR, R.LSR_DR);
  assert.equal(r(R.RBR_THR_DLL), 0x62);
  assert.equal(r(R.LSR) & R.LSR_DR, 0);
  assert.equal(r(R.LSR) & R.LSR_OE, 0, 'no overrun with the host queue');
});

test('FIFO on: fills to 16, keeps order, the rest waits host-side; IIR shows FIFOs enabled', () => {
  const { r, w, rx, uart, drain } = rig();
  w(R.IIR_FCR, R.FCR_ENABLE);
  assert.equal(r(R.IIR_FCR) & 0xc0, 0xc0);
  const data = Array.from({ length: 20 }, (_, i) => 0x40 + i);
  rx(data);
  assert.equal(uart.hostQueued, 4);
  assert.deepEqual(drain(), data);
  w(R.IIR_FCR, 0);
  assert.equal(r(R.IIR_FCR) & 0xc0, 0, 'FIFOs disabled');
});

test('overrun without a host queue: FIFO keeps 16 bytes, OE set until LSR is read', () => {
  const { r, w, rx, drain, uart } = rig({ hostQueueLimit: 0 });
  w(R.IIR_FCR, R.FCR_ENABLE);
  rx(Array.from({ length: 17 }, (_, i) => i));
  const lsr = r(R.LSR);
  assert.equal(lsr & R.LSR_OE, R.LSR_OE);
  assert.equal(lsr & R.LSR_DR, R.LSR_DR);
  assert.equal(r(R.LSR) & R.LSR_OE, 0, 'OE clears on LSR read');
  assert.deepEqual(drain(), Array.from({ length: 16 }, (_, i) => i), 'the 17th byte was lost');
  assert.equal(uart.metrics.overruns, 1);
});

test('overrun with FIFOs off replaces the held byte', () => {
  const { r, rx } = rig({ hostQueueLimit: 0 });
  rx([1, 2]);
  assert.equal(r(R.LSR) & R.LSR_OE, R.LSR_OE);
  assert.equal(r(R.RBR_THR_DLL), 2);
  assert.equal(r(R.LSR) & R.LSR_DR, 0);
});

test('loopback: THR goes to the receiver, not the backend; overrun in loopback sets OE', () => {
  const { r, w, out, drain } = rig();
  w(R.IIR_FCR, R.FCR_ENABLE);
  w(R.MCR, R.MCR_LOOP);
  for (let i = 0; i < 17; i++) w(R.RBR_THR_DLL, 0x30 + i);
  assert.deepEqual(out, []);
  assert.equal(r(R.LSR) & R.LSR_OE, R.LSR_OE);
  assert.deepEqual(drain(), Array.from({ length: 16 }, (_, i) => 0x30 + i));
});

test('loopback holds back host input until loopback ends', () => {
  const { r, w, rx, drain } = rig();
  w(R.IIR_FCR, R.FCR_ENABLE);
  w(R.MCR, R.MCR_LOOP);
  rx('xy');
  assert.equal(r(R.LSR) & R.LSR_DR, 0);
  w(R.RBR_THR_DLL, 0x41);
  assert.deepEqual(drain(), [0x41]);
  w(R.MCR, 0);
  assert.deepEqual(drain(), [0x78, 0x79]);
});

test('loopback modem lines: CTS=RTS, DSR=DTR, RI=OUT1, DCD=OUT2, with delta bits and MSI', () => {
  const { r, w, irq } = rig();
  w(R.MCR, R.MCR_LOOP | R.MCR_RTS | R.MCR_OUT2); // Linux autoconfig probe: expects 0x90
  const msr = r(R.MSR);
  assert.equal(msr & 0xf0, 0x90);
  assert.equal(msr & 0x0f, R.MSR_DDSR, 'DSR fell from 1 to 0');
  assert.equal(r(R.MSR) & 0x0f, 0, 'deltas cleared by the read');
  w(R.IER_DLM, R.IER_EDSSI);
  w(R.MCR, R.MCR_LOOP | 0x0f);
  assert.equal(irq(), true);
  assert.equal(r(R.IIR_FCR), R.IIR_MSI);
  assert.equal(r(R.MSR), 0xf0 | R.MSR_DDSR);
  assert.equal(irq(), false);
  w(R.MCR, R.MCR_LOOP | R.MCR_DTR | R.MCR_RTS | R.MCR_OUT2); // OUT1 off: RI trailing edge
  assert.equal(r(R.MSR), 0xb0 | R.MSR_TERI);
  w(R.MCR, R.MCR_LOOP | R.MCR_OUT1);
  assert.equal(r(R.MSR) & 0x0f, R.MSR_DCTS | R.MSR_DDSR | R.MSR_DDCD, 'RI rising edge sets no TERI');
});

test('THRE interrupt: raised when ETBEI goes 0->1, cleared by the IIR read, re-raised by re-enabling and by THR writes', () => {
  const { r, w, irq } = rig();
  w(R.IER_DLM, R.IER_ETBEI);
  assert.equal(irq(), true);
  assert.equal(r(R.IIR_FCR), R.IIR_THRI);
  assert.equal(irq(), false, 'IIR read that reports THRE clears it');
  assert.equal(r(R.IIR_FCR), R.IIR_NO_INT);
  w(R.IER_DLM, R.IER_ETBEI); // no 0->1 transition
  assert.equal(irq(), false);
  // Linux serial8250_do_startup's UART_BUG_THRE probe: IER=THRI, read IIR, IER=0, IER=THRI, read IIR.
  w(R.IER_DLM, 0);
  w(R.IER_DLM, R.IER_ETBEI);
  assert.equal(r(R.IIR_FCR) & R.IIR_NO_INT, 0, 'THRE re-asserted on enabling');
  w(R.RBR_THR_DLL, 0x41);
  assert.equal(irq(), true, 'transmitter empty again after a THR write');
  w(R.IER_DLM, 0);
  assert.equal(irq(), false, 'disabled: no interrupt');
});

test('IIR priority: line status > data > THRE > modem status, each cleared by its own action', () => {
  const { r, w, rx, irq } = rig({ hostQueueLimit: 0 });
  rx([1]);
  rx([2]); // overrun (FIFOs off)
  w(R.MCR, R.MCR_LOOP); // sets MSR deltas (CTS/DSR/DCD fall)
  w(R.IER_DLM, 0x0f);
  assert.equal(irq(), true);
  assert.equal(r(R.IIR_FCR), R.IIR_RLSI);
  r(R.LSR);
  assert.equal(r(R.IIR_FCR), R.IIR_RDI);
  r(R.RBR_THR_DLL);
  assert.equal(r(R.IIR_FCR), R.IIR_THRI);
  assert.equal(r(R.IIR_FCR), R.IIR_MSI, 'THRE cleared by the previous IIR read');
  r(R.MSR);
  assert.equal(r(R.IIR_FCR), R.IIR_NO_INT);
  assert.equal(irq(), false);
});

test('RX trigger level: data-available interrupt only at/above the FCR level', () => {
  const { r, w, rx, irq } = rig();
  w(R.IIR_FCR, R.FCR_ENABLE | 0xc0); // 14 bytes
  w(R.IER_DLM, R.IER_ERBFI);
  rx(new Array(13).fill(0x55));
  assert.equal(irq(), false);
  assert.equal(r(R.IIR_FCR), 0xc1);
  rx([0x55]);
  assert.equal(irq(), true);
  assert.equal(r(R.IIR_FCR), 0xc4);
  r(R.RBR_THR_DLL);
  assert.equal(irq(), false, 'below the trigger again');
  w(R.IIR_FCR, R.FCR_ENABLE | 0x40); // 4 bytes
  assert.equal(r(R.LSR) & R.LSR_DR, R.LSR_DR, 'changing the level alone keeps the data');
  assert.equal(r(R.IIR_FCR), 0xc4);
});

test('character timeout: fires after 4 character times without RX activity; reading re-arms it', () => {
  const { r, w, rx, irq, clock, uart } = rig();
  set115200(w);
  w(R.IIR_FCR, R.FCR_ENABLE | 0x80); // trigger 8
  w(R.IER_DLM, R.IER_ERBFI);
  rx('abc');
  assert.equal(irq(), false);
  const t0 = clock.nowNs();
  assert.equal(uart.nextDeadline(), BigInt(Math.ceil(t0 + 4 * CHAR_NS)));
  clock.advance(Math.floor(4 * CHAR_NS) - 1);
  uart.update();
  assert.equal(irq(), false, 'just before 4 character times');
  clock.advance(2);
  uart.update();
  assert.equal(irq(), true);
  assert.equal(r(R.IIR_FCR), 0xcc);
  assert.equal(uart.nextDeadline(), undefined, 'fired: nothing scheduled');
  assert.equal(r(R.RBR_THR_DLL), 0x61);
  assert.equal(irq(), false, 'a read resets the timeout');
  assert.equal(uart.nsUntilDeadline(), Math.ceil(4 * CHAR_NS));
  clock.advance(4 * CHAR_NS);
  uart.update();
  assert.equal(r(R.IIR_FCR), 0xcc);
  r(R.RBR_THR_DLL);
  r(R.RBR_THR_DLL);
  assert.equal(uart.nextDeadline(), undefined, 'FIFO empty: no timeout');
  clock.advance(1e9);
  uart.update();
  assert.equal(irq(), false);
});

test('FCR: RX reset clears the FIFO; toggling the FIFO enable clears it too', () => {
  const { r, w, rx } = rig({ hostQueueLimit: 0 });
  w(R.IIR_FCR, R.FCR_ENABLE);
  rx('hello');
  w(R.IIR_FCR, R.FCR_ENABLE | R.FCR_CLEAR_RX);
  assert.equal(r(R.LSR) & R.LSR_DR, 0);
  rx('x');
  w(R.IIR_FCR, 0);
  assert.equal(r(R.LSR) & R.LSR_DR, 0);
});

test('a large paste arrives complete and in order through the host queue', () => {
  const { r, w, rx, drain, uart } = rig();
  w(R.IIR_FCR, R.FCR_ENABLE | R.FCR_CLEAR_RX | 0x80);
  const data = Array.from({ length: 10_000 }, (_, i) => (i * 7) & 0xff);
  rx(data);
  assert.deepEqual(drain(), data);
  assert.equal(r(R.LSR) & R.LSR_OE, 0);
  assert.equal(uart.metrics.hostDropped, 0);
  assert.equal(uart.metrics.rxBytes, 10_000);
});

test('host queue limit: excess input is dropped and counted', () => {
  const { rx, drain, uart, w } = rig({ hostQueueLimit: 4 });
  w(R.IIR_FCR, R.FCR_ENABLE);
  rx(Array.from({ length: 30 }, (_, i) => i)); // 16 fit the FIFO, 4 wait host-side, 10 dropped
  assert.equal(uart.hostQueued, 4);
  assert.equal(uart.metrics.hostDropped, 10);
  rx([99]);
  assert.equal(uart.metrics.hostDropped, 11, 'queue full');
  assert.deepEqual(drain(), Array.from({ length: 20 }, (_, i) => i));
});

test('the IRQ line only changes on edges', () => {
  const { w, r, rx, irqEvents } = rig();
  w(R.IER_DLM, R.IER_ERBFI);
  rx('a');
  rx('b');
  r(R.RBR_THR_DLL);
  r(R.RBR_THR_DLL);
  assert.deepEqual(irqEvents, [true, false]);
});

test('guest errors are counted and logged once per kind; nothing throws', () => {
  const { uart, w, r, logs, out } = rig();
  const hi = { value: 0 };
  assert.equal(r(8), 0);
  w(0x20, 1);
  w(R.LSR, 0);
  w(R.MSR, 0);
  uart.write(R.RBR_THR_DLL, 2, 0x41, 0); // 32-bit store: treated as a byte store
  assert.equal(uart.read(R.SCR, 2, hi), 0);
  assert.deepEqual(out, [0x41]);
  assert.equal(uart.errors.count, 6);
  assert.equal(logs.length, 3);
  assert.ok(logs.every((l) => l.startsWith('uart0: ')));
});

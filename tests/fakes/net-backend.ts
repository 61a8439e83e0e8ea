/**
 * An in-memory NetBackend for virtio-net tests and fuzzing: records what the device sends, lets
 * the test inject received frames, and can pretend to be congested.
 */
import type { NetBackend } from '../../src/devices/virtio/net/backend.js';

export class FakeNetBackend implements NetBackend {
  /** Frames the device sent (guest → host). */
  readonly sent: Uint8Array[] = [];
  /** setReceiving() calls, in order. */
  readonly receivingCalls: boolean[] = [];
  /** While true, send() reports congestion (the frame is still recorded). */
  congested = false;
  closed = false;
  private frameCb: (f: Uint8Array) => void = () => {};
  private drainCb: () => void = () => {};

  send(frame: Uint8Array): boolean { this.sent.push(frame); return !this.congested; }
  onFrame(cb: (f: Uint8Array) => void): void { this.frameCb = cb; }
  onDrain(cb: () => void): void { this.drainCb = cb; }
  setReceiving(on: boolean): void { this.receivingCalls.push(on); }
  close(): void { this.closed = true; }

  /** Delivers a frame to the device (host → guest). */
  inject(frame: Uint8Array): void { this.frameCb(frame); }
  /** Ends congestion and tells the device. */
  drain(): void { this.congested = false; this.drainCb(); }
}

/** A test Ethernet frame: dst, src, ethertype, then `payload` bytes (a counter pattern by default). */
export function ethFrame(dst: readonly number[], src: readonly number[], payload: number | Uint8Array, type = 0x88b5): Uint8Array {
  const body = typeof payload === 'number' ? Uint8Array.from({ length: payload }, (_, i) => (i * 13 + 5) & 0xff) : payload;
  const f = new Uint8Array(14 + body.length);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = type >> 8;
  f[13] = type & 0xff;
  f.set(body, 14);
  return f;
}

/** Reference one's-complement sum, word by word (independent of onesSum's loop). */
export function refSum(words: number[]): number {
  let s = 0;
  for (const w of words) { s += w; s = (s & 0xffff) + (s >>> 16); }
  return s;
}
export function words(b: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < b.length; i += 2) out.push((b[i]! << 8) | (b[i + 1] ?? 0));
  return out;
}

/**
 * An Ethernet + IPv4 + TCP/UDP frame with a correct transport checksum (computed with refSum).
 * With `partial`, the checksum field holds only the pseudo-header sum, as a guest using CSUM offload
 * sends it, and the function also returns csum_start/csum_offset.
 */
export function ipv4Frame(proto: 6 | 17, payload: Uint8Array, partial = false): { frame: Uint8Array; csumStart: number; csumOffset: number } {
  const l4len = (proto === 6 ? 20 : 8) + payload.length;
  const f = new Uint8Array(14 + 20 + l4len);
  f.set([0x52, 0x54, 0, 0, 0, 1, 0x52, 0x54, 0, 0, 0, 2, 0x08, 0x00]);
  const ip = 14;
  f.set([0x45, 0, (20 + l4len) >> 8, (20 + l4len) & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  const ipc = ~refSum(words(f.subarray(ip, ip + 20))) & 0xffff;
  f[ip + 10] = ipc >> 8; f[ip + 11] = ipc & 0xff;
  const l4 = ip + 20;
  f.set([0x30, 0x39, 0x00, 0x50], l4); // ports 12345 → 80
  let csumOffset: number;
  if (proto === 6) { f[l4 + 12] = 5 << 4; f[l4 + 13] = 0x18; csumOffset = 16; } else { f[l4 + 4] = l4len >> 8; f[l4 + 5] = l4len & 0xff; csumOffset = 6; }
  f.set(payload, l4 + (proto === 6 ? 20 : 8));
  const pseudo = [...words(f.subarray(ip + 12, ip + 20)), proto, l4len];
  if (partial) {
    const p = refSum(pseudo); // not complemented: the guest seeds the field with the pseudo-header sum
    f[l4 + csumOffset] = p >> 8; f[l4 + csumOffset + 1] = p & 0xff;
  } else {
    const c = (~refSum([...pseudo, ...words(f.subarray(l4))]) & 0xffff) || 0xffff;
    f[l4 + csumOffset] = c >> 8; f[l4 + csumOffset + 1] = c & 0xff;
  }
  return { frame: f, csumStart: l4, csumOffset };
}

/**
 * A backend that sends every transmitted frame straight back to the device (on a microtask, as a
 * socket would), plus now and then an extra frame of a varying size (up to beyond the maximum),
 * so fuzzing the transmit queue also exercises receive.
 */
export class LoopbackNetBackend extends FakeNetBackend {
  private n = 0;
  override send(frame: Uint8Array): boolean {
    const n = ++this.n;
    queueMicrotask(() => {
      this.inject(frame);
      if (n % 7 === 0) this.inject(new Uint8Array((n * 9973) % 70000).fill(n & 0xff));
    });
    return n % 13 !== 0 || (queueMicrotask(() => this.drain()), false);
  }
}

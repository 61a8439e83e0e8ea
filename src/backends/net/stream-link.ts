/**
 * A NetBackend over a byte-stream socket with 4-byte length-prefixed frames (framing.ts): the
 * common part of the passt and switch backends. The socket can be swapped (the switch reconnects);
 * frames sent while no socket is attached are dropped and counted.
 *
 * Flow control: send() reports congestion once more than `congestionBytes` wait in the socket's
 * user-space buffer, and the device's drain callback runs when Node's 'drain' event says the
 * buffer has emptied. setReceiving(false) pauses reading, so the peer feels back-pressure.
 */
import type { Socket } from 'node:net';
import type { NetBackend } from '../../devices/virtio/net/backend.js';
import { MAX_FRAME_BYTES } from '../../devices/virtio/net/backend.js';
import { encodeFrame, FrameDecoder } from './framing.js';

export interface StreamLinkStats {
  txFrames: number;
  rxFrames: number;
  /** Frames sent while disconnected. */
  txDropped: number;
  /** Frames from the peer rejected by the decoder (too short or too long). */
  rxInvalid: number;
}

export class StreamLink implements NetBackend {
  readonly stats: StreamLinkStats = { txFrames: 0, rxFrames: 0, txDropped: 0, rxInvalid: 0 };
  private sock: Socket | undefined;
  private decoder: FrameDecoder | undefined;
  private frameCb: (frame: Uint8Array) => void = () => {};
  private drainCb: () => void = () => {};
  private receiving = true;
  private congested = false;
  private closed = false;

  constructor(private readonly congestionBytes = 1 << 20, private readonly onClose?: () => void) {}

  get connected(): boolean { return this.sock !== undefined; }

  /** Starts using `sock` (replacing any previous one, which is destroyed). */
  attach(sock: Socket): void {
    this.detach();
    if (this.closed) { sock.destroy(); return; }
    const dec = new FrameDecoder((f) => { this.stats.rxFrames++; this.frameCb(f); }, { maxFrame: MAX_FRAME_BYTES });
    this.sock = sock;
    this.decoder = dec;
    sock.setNoDelay?.(true);
    sock.on('data', (chunk: Buffer) => {
      const before = dec.oversized + dec.runts;
      dec.push(chunk);
      this.stats.rxInvalid += dec.oversized + dec.runts - before;
    });
    sock.on('drain', () => this.drained());
    sock.on('error', () => {});
    sock.on('close', () => {
      if (this.sock !== sock) return;
      this.sock = undefined;
      this.decoder = undefined;
      this.drained();
      this.onClose?.();
    });
    if (!this.receiving) sock.pause();
  }

  /** Stops using the current socket (destroyed). */
  detach(): void {
    const s = this.sock;
    if (s === undefined) return;
    this.sock = undefined;
    this.decoder = undefined;
    s.destroy();
    this.drained();
  }

  private drained(): void {
    if (!this.congested) return;
    this.congested = false;
    this.drainCb();
  }

  send(frame: Uint8Array): boolean {
    const s = this.sock;
    if (s === undefined || s.destroyed) { this.stats.txDropped++; return true; }
    this.stats.txFrames++;
    s.write(encodeFrame(frame));
    if (s.writableLength > this.congestionBytes) this.congested = true;
    return !this.congested;
  }

  onFrame(cb: (frame: Uint8Array) => void): void { this.frameCb = cb; }
  onDrain(cb: () => void): void { this.drainCb = cb; }

  setReceiving(on: boolean): void {
    this.receiving = on;
    const s = this.sock;
    if (s === undefined) return;
    if (on) s.resume(); else s.pause();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.detach();
  }
}

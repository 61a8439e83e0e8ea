/**
 * The length-prefixed Ethernet stream framing shared by passt, QEMU's `-netdev stream` (and the
 * older `-netdev socket`) and hv's switch: every frame is preceded by its length as a 4-byte
 * big-endian integer, on a byte stream (a UNIX stream socket here).
 *
 * The decoder never buffers more than one maximum-size frame: a length prefix above the limit
 * (a confused or hostile peer) makes it skip that many bytes without storing them, counted in
 * `oversized`; a frame shorter than an Ethernet header is skipped and counted in `runts`.
 */

/** Bytes of the length prefix. */
export const PREFIX_BYTES = 4;

/** Returns `frame` with its 4-byte big-endian length prefix. */
export function encodeFrame(frame: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + frame.length);
  out.writeUInt32BE(frame.length, 0);
  out.set(frame, PREFIX_BYTES);
  return out;
}

export interface FrameDecoderOptions {
  /** Largest frame accepted (bytes). */
  maxFrame: number;
  /** Smallest frame accepted (default 14, an Ethernet header). */
  minFrame?: number;
}

/**
 * Incremental decoder: feed it whatever the socket delivers; it calls `onFrame` for each complete
 * frame. Delivered frames may be views into the chunks passed to push() (Node's socket chunks are
 * not reused, so keeping them is safe) or fresh copies when a frame spans chunks.
 */
export class FrameDecoder {
  frames = 0;
  oversized = 0;
  runts = 0;
  private readonly max: number;
  private readonly min: number;
  /** A length prefix split across chunks. */
  private readonly prefix = Buffer.alloc(PREFIX_BYTES);
  private prefixFill = 0;
  /** A frame split across chunks, and how much of it has arrived. */
  private partial: Buffer | undefined;
  private partialFill = 0;
  /** Bytes still to skip of a rejected frame. */
  private skip = 0;

  constructor(private readonly onFrame: (frame: Uint8Array) => void, opts: FrameDecoderOptions) {
    this.max = opts.maxFrame;
    this.min = opts.minFrame ?? 14;
  }

  /** Bytes held for an incomplete prefix or frame. */
  get buffered(): number { return this.prefixFill + this.partialFill; }

  push(chunk: Uint8Array): void {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let off = 0;
    while (off < b.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, b.length - off);
        this.skip -= n;
        off += n;
        continue;
      }
      const p = this.partial;
      if (p !== undefined) {
        const n = Math.min(p.length - this.partialFill, b.length - off);
        b.copy(p, this.partialFill, off, off + n);
        this.partialFill += n;
        off += n;
        if (this.partialFill === p.length) {
          this.partial = undefined;
          this.partialFill = 0;
          this.emit(p);
        }
        continue;
      }
      let len: number;
      if (this.prefixFill === 0 && b.length - off >= PREFIX_BYTES) {
        len = b.readUInt32BE(off);
        off += PREFIX_BYTES;
        if (this.accept(len) && b.length - off >= len) {
          // Fast path: the whole frame is in this chunk; hand out a view.
          this.emit(b.subarray(off, off + len));
          off += len;
          continue;
        }
      } else {
        const n = Math.min(PREFIX_BYTES - this.prefixFill, b.length - off);
        b.copy(this.prefix, this.prefixFill, off, off + n);
        this.prefixFill += n;
        off += n;
        if (this.prefixFill < PREFIX_BYTES) continue;
        this.prefixFill = 0;
        len = this.prefix.readUInt32BE(0);
      }
      if (this.accept(len)) {
        this.partial = Buffer.allocUnsafe(len);
        this.partialFill = 0;
      } else {
        if (len > this.max) this.oversized++;
        else this.runts++;
        this.skip = len;
      }
    }
  }

  private accept(len: number): boolean { return len >= this.min && len <= this.max; }

  private emit(frame: Uint8Array): void {
    this.frames++;
    this.onFrame(frame);
  }
}

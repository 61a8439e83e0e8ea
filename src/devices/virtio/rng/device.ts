/**
 * virtio-rng, the entropy device (virtio 1.2 §5.4, device ID 4).
 *
 * One queue (requestq). The driver posts device-writable buffers; the device fills them from an
 * injected EntropySource and returns them. No feature bits, no config space (§5.4.3–5.4.4).
 *
 * Threat model: the guest chooses buffer sizes (up to all of RAM). One request is capped at
 * MAX_BYTES_PER_REQUEST so a guest cannot make the host generate gigabytes per kick; a request
 * with no writable buffer (§5.4.6.1 says they must be writable) is counted and returned with 0 bytes.
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, VIRTIO_ID_ENTROPY,
} from '../device.js';
import type { EntropySource } from './backend.js';

export type { EntropySource } from './backend.js';

/** Largest number of bytes produced for one request. */
export const MAX_BYTES_PER_REQUEST = 64 * 1024;

export interface VirtioRngConfig {
  source: EntropySource;
  /** Queue size offered (power of two; default 64). */
  queueSize?: number;
}

export class VirtioRng implements VirtioDevice {
  readonly name = 'virtio-rng';
  readonly deviceId = VIRTIO_ID_ENTROPY;
  readonly features = 0n;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = 0;
  /** Bytes of entropy delivered to the guest (metric). */
  bytesDelivered = 0;
  private ctx!: VirtioContext;
  private q: VirtQueue | undefined;
  private readonly source: EntropySource;

  constructor(cfg: VirtioRngConfig) {
    this.source = cfg.source;
    this.queueMaxSizes = [cfg.queueSize ?? 64];
  }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }
  readConfig(): number { return 0; }
  writeConfig(): void {}
  activate(queues: ReadonlyArray<VirtQueue | undefined>): void { this.q = queues[0]; this.notify(0); }
  reset(): void { this.q = undefined; }

  notify(index: number): void {
    const q = this.q;
    if (index !== 0 || q === undefined) return;
    for (let c = q.pop(); c !== undefined; c = q.pop()) {
      if (c.writableLength === 0) {
        this.ctx.errors.report('no-writable-buffer', 'request without a device-writable buffer');
        q.pushUsed(c, 0);
        continue;
      }
      const n = Math.min(c.writableLength, MAX_BYTES_PER_REQUEST);
      const done = c.forEachWritable(0, n, (view) => this.source.fill(view));
      this.bytesDelivered += done;
      q.pushUsed(c, done);
    }
    q.notify();
  }
}

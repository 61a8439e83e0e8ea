/**
 * A generic virtio test device (ID 0x7f, not a real virtio type): queue 0 copies each chain's
 * readable bytes into its writable buffers synchronously; queue 1 does the same asynchronously (on
 * a later microtask), to exercise late completions and completions racing a reset. Config space:
 * u32 `value` (driver-writable) at 0, u32 `host` (read-only, set with setHost → config interrupt) at 4.
 */
import {
  type VirtioDevice, type VirtioContext, type VirtQueue, type DescriptorChain, ConfigSpace,
} from '../../src/devices/virtio/device.js';

export const ECHO_DEVICE_ID = 0x7f;

export class EchoDevice implements VirtioDevice {
  readonly name = 'virtio-echo';
  readonly deviceId = ECHO_DEVICE_ID;
  readonly features = 1n << 0n;
  readonly queueMaxSizes: readonly number[];
  readonly configSize = 8;
  readonly cfg = new ConfigSpace(8);
  ctx!: VirtioContext;
  queues: ReadonlyArray<VirtQueue | undefined> = [];
  activations = 0;
  resets = 0;
  /** Async completions still to run. */
  pendingAsync = 0;
  /** Maximum bytes echoed per chain. */
  maxBytes = 1 << 20;

  constructor(queueMax = 16) { this.queueMaxSizes = [queueMax, queueMax]; }

  attach(ctx: VirtioContext): void { this.ctx = ctx; }
  readConfig(o: number, s: 1 | 2 | 4): number { return this.cfg.read(o, s); }
  writeConfig(o: number, s: 1 | 2 | 4, v: number): void {
    if (o < 4) this.cfg.write(o, s, v);
    else this.ctx.errors.report('config-readonly', 'write to read-only config');
  }
  activate(qs: ReadonlyArray<VirtQueue | undefined>): void { this.queues = qs; this.activations++; }
  reset(): void { this.queues = []; this.resets++; this.cfg.set32(0, 0); }

  setHost(v: number): void { this.cfg.set32(4, v); this.ctx.configChanged(); }

  private echo(c: DescriptorChain): number {
    const n = Math.min(c.readableLength, c.writableLength, this.maxBytes);
    return c.write(0, c.read(0, n));
  }

  notify(i: number): void {
    const q = this.queues[i];
    if (q === undefined) return;
    if (i === 0) {
      for (let c = q.pop(); c; c = q.pop()) q.pushUsed(c, this.echo(c));
      q.notify();
      return;
    }
    for (let c = q.pop(); c; c = q.pop()) {
      const chain = c;
      this.pendingAsync++;
      queueMicrotask(() => {
        this.pendingAsync--;
        // Compute at completion time, as a block device writes read data when the I/O finishes.
        let n = 0;
        try { n = this.echo(chain); } catch { n = 0; }
        q.complete(chain, n);
      });
    }
  }
}

/**
 * Firecracker-style rate limiting for a VM's disks: a bandwidth bucket (bytes) and an operations bucket, each
 * `size` tokens refilled linearly over `refillTimeMs`, plus a one-time burst spent first. Requests wait (in
 * order) until both buckets hold enough tokens; a request larger than a bucket waits until the bucket is full
 * and then empties it, so it is never refused. Limits can be changed while the VM runs (`update`). NICs get the
 * same buckets per direction, with the net backend's flow control instead of waiting (`limitNic`).
 */
import type { RateLimiter as RateLimiterConfig, TokenBucket as TokenBucketConfig } from '../api/types.js';
import { wrapBackend, type Disk } from '../machine/virt/disks.js';
import type { Nic } from '../machine/virt/net.js';


export class TokenBucket {
  private tokens: number;
  private burst: number;
  private last: number;

  constructor(private readonly cfg: TokenBucketConfig, private readonly now: () => number = () => performance.now()) {
    this.tokens = cfg.size;
    this.burst = cfg.oneTimeBurst ?? 0;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.cfg.size, this.tokens + ((t - this.last) * this.cfg.size) / this.cfg.refillTimeMs);
    this.last = t;
  }

  /** Milliseconds to wait before `n` tokens can be taken (0 = now). */
  delayFor(n: number): number {
    if (this.cfg.size === 0) return 0; // size 0 = unlimited, as in Firecracker
    this.refill();
    const need = Math.min(n, this.cfg.size) - this.burst - this.tokens;
    return need <= 0 ? 0 : (need * this.cfg.refillTimeMs) / this.cfg.size;
  }

  /** Takes `n` tokens (call after delayFor(n) returned 0). */
  take(n: number): void {
    if (this.cfg.size === 0) return;
    this.refill();
    const fromBurst = Math.min(this.burst, n);
    this.burst -= fromBurst;
    this.tokens = Math.max(0, this.tokens - Math.min(n - fromBurst, this.cfg.size));
  }
}

export class RateLimiter {
  private bandwidth: TokenBucket | undefined;
  private ops: TokenBucket | undefined;
  private chain: Promise<void> = Promise.resolve();
  /** Total time requests spent waiting for tokens. */
  throttledMs = 0;

  constructor(cfg: RateLimiterConfig | undefined, private readonly now: () => number = () => performance.now()) { this.update(cfg); }

  /** New limits take effect for the next request. */
  update(cfg: RateLimiterConfig | undefined): void {
    this.bandwidth = cfg?.bandwidth ? new TokenBucket(cfg.bandwidth, this.now) : undefined;
    this.ops = cfg?.ops ? new TokenBucket(cfg.ops, this.now) : undefined;
  }

  get limited(): boolean { return this.bandwidth !== undefined || this.ops !== undefined; }

  /** Resolves when one operation of `bytes` may proceed; operations are admitted in order. */
  consume(bytes: number): Promise<void> {
    if (!this.limited) return Promise.resolve();
    const step = async (): Promise<void> => {
      for (;;) {
        const d = Math.max(this.bandwidth?.delayFor(bytes) ?? 0, this.ops?.delayFor(1) ?? 0);
        if (d <= 0) break;
        const t = this.now();
        await new Promise((r) => setTimeout(r, Math.ceil(d)));
        this.throttledMs += this.now() - t;
      }
      this.bandwidth?.take(bytes);
      this.ops?.take(1);
    };
    const p = this.chain.then(step);
    this.chain = p.catch(() => {});
    return p;
  }
}

/** I/O counters of one disk. */
export interface DiskCounters { readBytes: number; writeBytes: number; ops: number }

/** Wraps a disk's backend so reads and writes pass the limiter and are counted. */
export function limitDisk(d: Disk, limiter: RateLimiter, counters: DiskCounters): Disk {
  const b = d.backend;
  const backend = wrapBackend(b, {
    read: async (offset, dst) => { await limiter.consume(dst.length); counters.ops++; counters.readBytes += dst.length; return b.read(offset, dst); },
    write: async (offset, src) => { await limiter.consume(src.length); counters.ops++; counters.writeBytes += src.length; return b.write(offset, src); },
    flush: async () => { await limiter.consume(0); counters.ops++; return b.flush(); },
    discard: async (offset, length) => { await limiter.consume(0); counters.ops++; return b.discard(offset, length); },
    writeZeroes: async (offset, length, mayUnmap) => { await limiter.consume(0); counters.ops++; return b.writeZeroes(offset, length, mayUnmap); },
  });
  return { ...d, backend };
}

type NetBackend = Nic['backend'];

/** Both directions' buckets of one NIC (the same limits apply to receive and transmit, each its own buckets). */
class DirectionBuckets {
  bandwidth: TokenBucket | undefined;
  ops: TokenBucket | undefined;
  throttledMs = 0;
  set(cfg: RateLimiterConfig | undefined): void {
    this.bandwidth = cfg?.bandwidth ? new TokenBucket(cfg.bandwidth) : undefined;
    this.ops = cfg?.ops ? new TokenBucket(cfg.ops) : undefined;
  }
  delay(bytes: number): number { return Math.max(this.bandwidth?.delayFor(bytes) ?? 0, this.ops?.delayFor(1) ?? 0); }
  take(bytes: number): void { this.bandwidth?.take(bytes); this.ops?.take(1); }
}

/** Counters of one NIC. */
export interface NetCounters { rxBytes: number; txBytes: number; rxFrames: number; txFrames: number }

/** A NIC whose backend passes frames through token buckets; `update` changes the limits live. */
export interface LimitedNic { nic: Nic; update(cfg: RateLimiterConfig | undefined): void; throttledMs(): number }

/**
 * Wraps a NIC's backend: transmit frames over the limit are queued and the device is told the backend is
 * congested (send → false, then the drain callback), so the guest sees back-pressure, not loss; received frames
 * over the limit are held and the real backend is asked to stop reading (setReceiving(false)) until tokens return.
 */
export function limitNic(n: Nic, cfg: RateLimiterConfig | undefined, counters: NetCounters): LimitedNic {
  const inner = n.backend;
  const tx = new DirectionBuckets(), rx = new DirectionBuckets();
  tx.set(cfg); rx.set(cfg);
  const txq: Uint8Array[] = [];
  const rxq: Uint8Array[] = [];
  let txTimer: NodeJS.Timeout | undefined, rxTimer: NodeJS.Timeout | undefined;
  let innerCongested = false, toldCongested = false, deviceReceiving = true;
  let drainCb: (() => void) | undefined, frameCb: ((f: Uint8Array) => void) | undefined;

  const pumpTx = (): void => {
    txTimer = undefined;
    while (txq.length > 0 && !innerCongested) {
      const f = txq[0]!;
      const d = tx.delay(f.length);
      if (d > 0) { tx.throttledMs += d; txTimer = setTimeout(pumpTx, Math.ceil(d)); return; }
      tx.take(f.length);
      txq.shift();
      counters.txBytes += f.length; counters.txFrames++;
      if (!inner.send(f)) innerCongested = true;
    }
    if (txq.length === 0 && !innerCongested && toldCongested) { toldCongested = false; drainCb?.(); }
  };
  const pumpRx = (): void => {
    rxTimer = undefined;
    while (rxq.length > 0 && deviceReceiving) {
      const f = rxq[0]!;
      const d = rx.delay(f.length);
      if (d > 0) { rx.throttledMs += d; inner.setReceiving?.(false); rxTimer = setTimeout(pumpRx, Math.ceil(d)); return; }
      rx.take(f.length);
      rxq.shift();
      counters.rxBytes += f.length; counters.rxFrames++;
      frameCb?.(f);
    }
    if (rxq.length === 0) inner.setReceiving?.(deviceReceiving);
  };
  inner.onDrain?.(() => { innerCongested = false; pumpTx(); });
  inner.onFrame((f) => {
    rxq.push(f);
    if (rxq.length > 1024) rxq.shift(); // a backend that ignores setReceiving cannot grow this without bound
    if (rxTimer === undefined) pumpRx();
  });
  const backend: NetBackend = {
    send: (f) => {
      txq.push(f);
      if (txTimer === undefined) pumpTx();
      if (txq.length > 0 || innerCongested) { toldCongested = true; return false; }
      return true;
    },
    onFrame: (cb) => { frameCb = cb; },
    onDrain: (cb) => { drainCb = cb; },
    setReceiving: (on) => { deviceReceiving = on; if (on) { if (rxTimer === undefined) pumpRx(); } else inner.setReceiving?.(false); },
    close: () => { if (txTimer) clearTimeout(txTimer); if (rxTimer) clearTimeout(rxTimer); inner.close(); },
  };
  return {
    nic: { ...n, backend },
    update: (c) => { tx.set(c); rx.set(c); if (txTimer) { clearTimeout(txTimer); pumpTx(); } if (rxTimer) { clearTimeout(rxTimer); pumpRx(); } },
    throttledMs: () => tx.throttledMs + rx.throttledMs,
  };
}

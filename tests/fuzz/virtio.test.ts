/**
 * Fuzz test of the virtio stack: every device in virtio-targets.ts is driven through the
 * virtio-mmio transport with random and adversarial descriptor tables, rings and register writes,
 * over the real guest memory of a wasm Core (32 MiB of RAM).
 *
 * Per run: HV_FUZZ_CASES cases in total (default 120 000, split evenly across targets, at least
 * 30 000 per target), from a
 * seeded PRNG — the seed is printed; replay with HV_FUZZ_SEED=<seed>. Checked after every case:
 *  - no exception escapes the transport or device (any throw fails with seed and case number);
 *  - every guest-memory access outside RAM (counted by a checking GuestMemory wrapper that throws
 *    like the real one) was caught and turned into DEVICE_NEEDS_RESET;
 *  - used-ring ids are valid descriptor indices and the interrupt line matches InterruptStatus;
 *  - a case never takes long (bounded work per kick);
 * and regularly (and at the end): after a reset the device serves a well-formed request (probe).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { testCore } from '../fakes/virtio-rig.js';
import { VirtioTestDriver, type DriverQueue } from '../fakes/virtio-driver.js';
import { VirtioMmio } from '../../src/devices/virtio/mmio.js';
import * as R from '../../src/devices/virtio/regs.js';
import {
  STATUS_DEVICE_NEEDS_RESET, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT,
  VIRTIO_F_RING_INDIRECT_DESC, VIRTIO_F_RING_EVENT_IDX, bit, type VirtioDevice,
} from '../../src/devices/virtio/device.js';
import { GuestMemoryError, type GuestMemory } from '../../src/memory/guest-memory.js';
import { FUZZ_TARGETS, type FuzzTarget } from './virtio-targets.js';

/** Cases per run (all devices together), at least MIN_PER_TARGET per device. */
const TOTAL_CASES = Number(process.env['HV_FUZZ_CASES'] ?? 120_000);
const MIN_PER_TARGET = Math.min(TOTAL_CASES, 30_000);
const SEED = Number(process.env['HV_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
/** A recovery probe every this many cases (and at the end). */
const PROBE_EVERY = 500;
/** A single case must not take longer than this (ms), whatever the guest wrote. */
const SLOW_CASE_MS = 1000;

/** xorshift32 PRNG: small, fast, reproducible. */
class Rng {
  constructor(private s: number) { if (this.s === 0) this.s = 0x9e3779b9; }
  u32(): number { let x = this.s; x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; this.s = x; return x; }
  int(n: number): number { return this.u32() % n; }
  chance(p: number): boolean { return this.u32() / 2 ** 32 < p; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]!; }
}

/** A GuestMemory that counts out-of-RAM attempts (then throws like the real one). */
class CheckedMemory implements GuestMemory {
  violations = 0;
  constructor(private readonly m: GuestMemory) {}
  get ramBase(): number { return this.m.ramBase; }
  get ramSize(): number { return this.m.ramSize; }
  isRam(a: number, l: number): boolean { return this.m.isRam(a, l); }
  private c(a: number, l: number): void { if (!this.m.isRam(a, l)) { this.violations++; throw new GuestMemoryError(a, l); } }
  read(a: number, l: number) { this.c(a, l); return this.m.read(a, l); }
  write(a: number, d: Uint8Array) { this.c(a, d.length); this.m.write(a, d); }
  fill(a: number, l: number, v: number) { this.c(a, l); this.m.fill(a, l, v); }
  read8(a: number) { this.c(a, 1); return this.m.read8(a); }
  read16(a: number) { this.c(a, 2); return this.m.read16(a); }
  read32(a: number) { this.c(a, 4); return this.m.read32(a); }
  read64(a: number) { this.c(a, 8); return this.m.read64(a); }
  write8(a: number, v: number) { this.c(a, 1); this.m.write8(a, v); }
  write16(a: number, v: number) { this.c(a, 2); this.m.write16(a, v); }
  write32(a: number, v: number) { this.c(a, 4); this.m.write32(a, v); }
  write64(a: number, v: bigint) { this.c(a, 8); this.m.write64(a, v); }
  view(a: number, l: number) { this.c(a, l); return this.m.view(a, l); }
  writableView(a: number, l: number) { this.c(a, l); return this.m.writableView(a, l); }
}

interface Stats {
  cases: number;
  needsReset: number;
  resets: number;
  probes: number;
  used: number;
  guestErrors: number;
  violations: number;
  maxCaseMs: number;
  kinds: Set<string>;
}

/** Everything one target's fuzz loop needs. */
class Bench {
  readonly mem: CheckedMemory;
  readonly dev: VirtioDevice;
  readonly t: VirtioMmio;
  readonly drv: VirtioTestDriver;
  readonly irq = { level: false };
  maxQueue = 16;
  /** The mock's view of the queues no longer matches the device (raw setup storm): re-init next case. */
  dirty = false;

  constructor(readonly target: FuzzTarget) {
    this.mem = new CheckedMemory(testCore().guest);
    this.dev = target.make();
    this.t = new VirtioMmio({ device: this.dev, mem: this.mem, irq: { setLevel: (h) => { this.irq.level = h; } }, name: 'fuzz', log: () => {} });
    this.drv = new VirtioTestDriver(this.t, this.mem);
  }

  /** Re-initialises with random features and queue sizes. */
  reinit(rng: Rng, full = false): void {
    let accept = ~0n;
    if (!full) {
      if (rng.chance(0.3)) accept &= ~bit(VIRTIO_F_RING_INDIRECT_DESC);
      if (rng.chance(0.3)) accept &= ~bit(VIRTIO_F_RING_EVENT_IDX);
      if (rng.chance(0.2)) accept &= ~0xffffffn; // no device features
    }
    const queueSize = full ? 16 : rng.pick([1, 2, 4, 8, 16, 32, 64, 256]);
    this.drv.init({ accept, queueSize });
    this.maxQueue = queueSize;
    this.dirty = false;
  }
}

/** Random address: mostly valid heap buffers, sometimes at the edges of RAM or far outside. */
function randAddr(rng: Rng, b: Bench, len: number): number | bigint {
  const m = b.mem;
  switch (rng.int(12)) {
    case 0: return m.ramBase + m.ramSize - rng.int(64);           // straddles the end
    case 1: return m.ramBase - 1 - rng.int(4096);                  // just below RAM
    case 2: return rng.int(2 ** 32);                               // anywhere in 32 bits
    case 3: return BigInt(rng.u32()) << 32n | BigInt(rng.u32());   // anywhere in 64 bits
    case 4: return 0;
    default: return b.drv.alloc(Math.min(len, 1 << 16) || 1, rng.pick([1, 2, 16, 4096]));
  }
}

function randLen(rng: Rng): number {
  switch (rng.int(10)) {
    case 0: return 0;
    case 1: return 0xffffffff;
    case 2: return rng.u32();
    case 3: return 16 * (1 + rng.int(8));
    case 4: return 1 << rng.int(20);
    default: return 1 + rng.int(64);
  }
}

/** One descriptor table shape, written straight into the ring (bypassing the mock's bookkeeping). */
function adversarial(rng: Rng, b: Bench, q: DriverQueue): void {
  const n = q.size;
  const kind = rng.int(12);
  const flagsR = (): number => rng.int(8) | (rng.chance(0.05) ? rng.int(0x10000) : 0);
  switch (kind) {
    case 0: { // random table + random heads
      const k = 1 + rng.int(Math.min(n, 8));
      for (let i = 0; i < k; i++) {
        const len = randLen(rng);
        q.writeDesc(rng.int(n), randAddr(rng, b, len), len, flagsR(), rng.int(n + 2));
      }
      for (let i = 0, h = 1 + rng.int(3); i < h; i++) q.publish(rng.chance(0.9) ? rng.int(n) : rng.int(0x10000));
      return;
    }
    case 1: { // loop of length L
      const L = 1 + rng.int(n);
      for (let i = 0; i < L; i++) q.writeDesc(i, b.drv.alloc(8), 8, VIRTQ_DESC_F_NEXT | (rng.chance(0.5) ? VIRTQ_DESC_F_WRITE : 0), (i + 1) % L);
      q.publish(rng.int(L));
      return;
    }
    case 2: { // chain using the whole queue (legal if directions are right), maybe one too many via next
      for (let i = 0; i < n; i++) q.writeDesc(i, b.drv.alloc(4), 4, (i + 1 < n || rng.chance(0.5) ? VIRTQ_DESC_F_NEXT : 0) | (i >= n / 2 ? VIRTQ_DESC_F_WRITE : 0), i + 1);
      q.publish(0);
      return;
    }
    case 3: { // indirect table: random entries, maybe nested / zero length / odd length / looping
      const entries = 1 + rng.int(rng.chance(0.1) ? 2048 : 8);
      const tbl = b.drv.alloc(16 * Math.min(entries, 64), 16);
      for (let i = 0; i < Math.min(entries, 64); i++) {
        const len = randLen(rng);
        q.writeDesc(i, rng.chance(0.8) ? b.drv.alloc(16) : randAddr(rng, b, len), rng.chance(0.7) ? 16 : len,
          rng.pick([0, VIRTQ_DESC_F_NEXT, VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_WRITE, VIRTQ_DESC_F_INDIRECT]), rng.int(entries + 1), tbl);
      }
      const len = rng.pick([16 * entries, 0, 16 * entries + 8, 16 * entries * 2, 0xfffffff0]);
      q.writeDesc(0, rng.chance(0.9) ? tbl : randAddr(rng, b, len), len, VIRTQ_DESC_F_INDIRECT | (rng.chance(0.1) ? VIRTQ_DESC_F_NEXT : 0), rng.int(n));
      q.publish(0);
      return;
    }
    case 4: // avail idx jumps
      q.setAvailIdx(rng.u32());
      return;
    case 5: { // readable after writable
      q.writeDesc(0, b.drv.alloc(8), 8, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 % n);
      q.writeDesc(1 % n, b.drv.alloc(8), 8, 0, 0);
      q.publish(0);
      return;
    }
    case 6: { // huge but in-RAM buffers
      const a = b.mem.ramBase + 0x40_0000;
      q.writeDesc(0, a, b.mem.ramSize - 0x40_0000, rng.chance(0.5) ? VIRTQ_DESC_F_WRITE : 0, 0);
      q.publish(0);
      return;
    }
    case 7: { // the same head many times
      const h = rng.int(n);
      q.writeDesc(h, b.drv.alloc(16), 16, rng.chance(0.5) ? VIRTQ_DESC_F_WRITE : 0, 0);
      for (let i = 0; i < n; i++) q.publish(h);
      return;
    }
    case 8: { // overwrite the driver's ring areas with garbage (the used ring is the device's: only its flags)
      if (rng.chance(0.2)) { b.mem.write16(q.used, rng.int(0x10000)); return; }
      const bytes = new Uint8Array(1 + rng.int(64));
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      const [where, size] = rng.pick([[q.desc, 16 * q.size], [q.avail, 6 + 2 * q.size]] as const);
      const at = where + rng.int(size);
      b.mem.write(at, bytes.subarray(0, Math.min(bytes.length, where + size - at)));
      return;
    }
    default: { // well-formed chains (possibly indirect), random sizes and directions
      const k = 1 + rng.int(4);
      const bufs = [];
      let writing = false;
      for (let i = 0; i < k; i++) {
        writing ||= rng.chance(0.5);
        const len = 1 + rng.int(rng.chance(0.1) ? 70000 : 300);
        bufs.push({ addr: b.drv.alloc(len, 1), len, write: writing });
      }
      // Sometimes a list of plausible PFNs / stats entries in the readable part.
      if (!bufs[0]!.write && rng.chance(0.5)) {
        const first = bufs[0]!;
        for (let o = 0; o + 4 <= first.len; o += 4) b.mem.write32(first.addr + o, rng.chance(0.7) ? (b.mem.ramBase >>> 12) + rng.int(b.mem.ramSize >>> 12) : rng.u32());
      }
      const h = q.add(bufs, { indirect: rng.chance(0.3) });
      if (h === undefined) q.publish(rng.int(n));
    }
  }
}

/** Raw queue setup with random (often invalid) sizes, addresses and alignments, then DRIVER_OK and kicks. */
function setupStorm(rng: Rng, b: Bench): void {
  const d = b.drv, m = b.mem;
  d.w32(R.STATUS, 0);
  d.w32(R.STATUS, 1); d.w32(R.STATUS, 3);
  d.w32(R.DRIVER_FEATURES_SEL, 1); d.w32(R.DRIVER_FEATURES, 1);
  d.w32(R.STATUS, 11);
  const addr = (): number => rng.pick([
    m.ramBase + 0x40_0000 + 16 * rng.int(4096), m.ramBase + 0x40_0000 + rng.int(65536), m.ramBase + m.ramSize - rng.int(8192),
    rng.u32(), 0, m.ramBase - 16,
  ]);
  for (let i = 0, k = 1 + rng.int(4); i < k; i++) {
    d.w32(R.QUEUE_SEL, rng.chance(0.9) ? rng.int(4) : rng.u32());
    d.w32(R.QUEUE_NUM, rng.chance(0.7) ? 1 << rng.int(10) : rng.u32());
    for (const [lo, hi] of [[R.QUEUE_DESC_LOW, R.QUEUE_DESC_HIGH], [R.QUEUE_DRIVER_LOW, R.QUEUE_DRIVER_HIGH], [R.QUEUE_DEVICE_LOW, R.QUEUE_DEVICE_HIGH]] as const) {
      d.w32(lo, addr());
      d.w32(hi, rng.chance(0.9) ? 0 : rng.u32());
    }
    d.w32(R.QUEUE_READY, rng.chance(0.9) ? 1 : rng.u32());
  }
  if (rng.chance(0.8)) d.w32(R.STATUS, 15);
  for (let i = 0, k = rng.int(4); i < k; i++) d.w32(R.QUEUE_NOTIFY, rng.int(5));
  b.dirty = true;
}

/** A well-formed chain with one random byte of its descriptor or the avail ring flipped. */
function mutated(rng: Rng, b: Bench, q: DriverQueue): void {
  const bufs = [{ addr: b.drv.alloc(64), len: 64 }, { addr: b.drv.alloc(64), len: 64, write: true }];
  const h = q.add(bufs, { indirect: rng.chance(0.3) });
  if (h === undefined) return;
  const at = rng.chance(0.8) ? q.desc + 16 * h + rng.int(16) : q.avail + rng.int(4 + 2 * q.size);
  b.mem.write8(at, b.mem.read8(at) ^ (1 << rng.int(8)));
}

/** Random register and config-space traffic, including writes in the wrong state. */
function registerStorm(rng: Rng, b: Bench): void {
  const regs = [R.STATUS, R.QUEUE_SEL, R.QUEUE_NUM, R.QUEUE_READY, R.QUEUE_NOTIFY, R.INTERRUPT_ACK, R.DRIVER_FEATURES,
    R.DRIVER_FEATURES_SEL, R.DEVICE_FEATURES_SEL, R.QUEUE_DESC_LOW, R.QUEUE_DESC_HIGH, R.QUEUE_DRIVER_LOW, R.QUEUE_DEVICE_LOW,
    R.SHM_SEL, R.QUEUE_RESET, R.CONFIG_GENERATION, R.MAGIC_VALUE];
  const hi = { value: 0 };
  for (let i = 0, k = 1 + rng.int(4); i < k; i++) {
    const sz = (rng.chance(0.9) ? 2 : rng.int(4)) as 0 | 1 | 2 | 3;
    if (rng.chance(0.3)) {
      const off = R.CONFIG + rng.int(32);
      if (rng.chance(0.5)) b.t.read(off, sz, hi); else b.t.write(off, sz, rng.u32(), rng.u32());
    } else if (rng.chance(0.2)) {
      b.t.read(rng.int(0x100), sz, hi);
    } else {
      const off = rng.chance(0.9) ? rng.pick(regs) : rng.int(0x100);
      const v = rng.chance(0.5) ? rng.int(16) : rng.u32();
      b.t.write(off, sz, v, 0);
    }
  }
}

/** Checks the invariants that must hold after any case. */
function check(b: Bench, where: () => string): void {
  const st = b.t.deviceStatus;
  if (b.mem.violations > 0) {
    assert.ok(st & STATUS_DEVICE_NEEDS_RESET || b.t.needsResetCount > 0, `out-of-RAM access not turned into NEEDS_RESET (${where()})`);
  }
  assert.equal(b.irq.level, b.t.interruptStatus !== 0, `IRQ line out of sync with InterruptStatus (${where()})`);
  if (!(st & STATUS_DEVICE_NEEDS_RESET) && !b.dirty) {
    for (let i = 0; i < b.drv.queueCount; i++) {
      const q = b.drv.queue(i);
      for (const u of q.takeUsed()) assert.ok(u.id < q.size, `used id ${u.id} ≥ queue size ${q.size} (${where()})`);
    }
  }
}

async function fuzzTarget(target: FuzzTarget, cases: number, seed: number): Promise<Stats> {
  const rng = new Rng(seed);
  const b = new Bench(target);
  const st: Stats = { cases: 0, needsReset: 0, resets: 0, probes: 0, used: 0, guestErrors: 0, violations: 0, maxCaseMs: 0, kinds: new Set() };
  const settle = target.settle ?? ((): Promise<void> => new Promise((r) => setImmediate(r)));
  const probe = async (c: number): Promise<void> => {
    await settle();
    b.reinit(rng, true);
    const ok = await target.probe(b.drv, b.dev);
    assert.ok(ok, `${target.name}: device did not recover after reset (seed ${seed}, case ${c}, status 0x${b.t.deviceStatus.toString(16)})`);
    assert.equal(b.t.deviceStatus & STATUS_DEVICE_NEEDS_RESET, 0);
    st.probes++;
    b.reinit(rng);
  };
  b.reinit(rng);
  for (let c = 0; c < cases; c++) {
    const t0 = performance.now();
    const where = (): string => `${target.name}, seed ${seed}, case ${c}`;
    try {
      if (b.t.deviceStatus & STATUS_DEVICE_NEEDS_RESET || b.drv.queueCount === 0 || b.dirty || rng.chance(0.01)) {
        if (b.t.deviceStatus & STATUS_DEVICE_NEEDS_RESET) st.needsReset++;
        st.resets++;
        b.reinit(rng);
      }
      if (rng.chance(0.03)) registerStorm(rng, b);
      if (rng.chance(0.02)) setupStorm(rng, b);
      else if (b.drv.queueCount > 0) {
        const qi = rng.int(b.drv.queueCount);
        if (rng.chance(0.15)) mutated(rng, b, b.drv.queue(qi));
        else adversarial(rng, b, b.drv.queue(qi));
        if (rng.chance(0.95)) b.drv.w32(R.QUEUE_NOTIFY, rng.chance(0.97) ? qi : rng.int(70000));
        if (rng.chance(0.05)) b.drv.ackInterrupt();
      }
      if (rng.chance(0.1)) await settle();
      check(b, where);
    } catch (e) {
      assert.fail(`${where()}: ${e instanceof Error ? e.stack : String(e)}`);
    }
    const dt = performance.now() - t0;
    if (dt > st.maxCaseMs) st.maxCaseMs = dt;
    st.cases++;
    if ((c + 1) % PROBE_EVERY === 0) await probe(c);
  }
  await probe(cases);
  st.guestErrors = b.t.errors.count;
  st.violations = b.mem.violations;
  for (const k of b.t.errors.byKind.keys()) st.kinds.add(k);
  return st;
}

test(`virtio fuzz: ${TOTAL_CASES} cases over ${FUZZ_TARGETS.length} devices (seed ${SEED}; replay with HV_FUZZ_SEED=${SEED})`, async (t) => {
  console.log(`virtio fuzz seed: ${SEED} (replay: HV_FUZZ_SEED=${SEED})`);
  const per = Math.max(MIN_PER_TARGET, Math.ceil(TOTAL_CASES / FUZZ_TARGETS.length));
  let total = 0;
  const start = performance.now();
  for (const [i, target] of FUZZ_TARGETS.entries()) {
    const t0 = performance.now();
    const st = await fuzzTarget(target, per, (SEED + i * 0x9e3779b9) >>> 0);
    const ms = performance.now() - t0;
    total += st.cases;
    const line = `${target.name}: ${st.cases} cases in ${(ms / 1000).toFixed(1)} s (${Math.round(st.cases / (ms / 1000))}/s), ` +
      `${st.needsReset} NEEDS_RESET, ${st.resets} resets, ${st.probes} recovery probes ok, ${st.guestErrors} guest errors ` +
      `[${[...st.kinds].sort().join(' ')}], ${st.violations} out-of-RAM attempts (all caught), slowest case ${st.maxCaseMs.toFixed(1)} ms`;
    console.log(line);
    t.diagnostic(line);
    assert.ok(st.maxCaseMs < SLOW_CASE_MS, `${target.name}: a case took ${st.maxCaseMs.toFixed(1)} ms`);
  }
  assert.ok(total >= TOTAL_CASES);
  const secs = (performance.now() - start) / 1000;
  console.log(`virtio fuzz: ${total} cases in ${secs.toFixed(1)} s (${Math.round(total / secs)}/s)`);
  assert.ok(secs < 60, `fuzzing took ${secs.toFixed(1)} s`);
});

/**
 * The run loop: time-slices the harts of one machine on this thread, lets Node's event loop drain I/O between
 * slices, sleeps while every hart waits for an interrupt (WFI) until the next timer deadline or an I/O event,
 * and ends the run on a machine event (poweroff, fail, HTIF exit), a timeout or a host request.
 */
import { performance } from 'node:perf_hooks';
import { ExitReason } from '../cpu/host/core.js';
import type { RunnableMachine, MachineEvent } from '../machine/virt/runnable.js';

export type { RunnableMachine, MachineEvent };

export interface RunOptions {
  /** Wall-clock limit in ms; the run ends with { kind: 'timeout' }. */
  timeoutMs?: number;
  /** Reboot requests end the run instead of resetting (QEMU -no-reboot). */
  noReboot?: boolean;
  /** Instructions per hart per slice. */
  sliceBudget?: number;
  /** Lets the caller wake a sleeping loop (I/O arrived). The loop installs its waker here. */
  wakeup?: { wake: () => void };
  /** Polled between slices; true ends the run with { kind: 'stopped' }. */
  shouldStop?: () => boolean;
  /**
   * Called before every round of slices; a returned promise is awaited first (pause, CPU-limit duty cycle,
   * host commands such as reboot that must run between slices). See src/vm/vm-main.ts.
   */
  gate?: () => Promise<void> | undefined;
}

export type RunResult = MachineEvent | { kind: 'timeout' } | { kind: 'stopped' };

const DEFAULT_SLICE = 200_000;
/**
 * Cross-hart wakeups (IPIs): the sender often spins until the target answers (OpenSBI's remote fences wait
 * for every target hart; Linux's smp_call_function waits for the callee), but on this one thread the target
 * runs only after the sender's slice ends, so every such round trip burnt a whole slice (an idle 2-hart guest
 * on OpenSBI used 7-20 % of a core). For a while after a hart wakes another, slices are short.
 */
const IPI_SLICE = 10_000;
const IPI_SLICE_MS = 20;
/**
 * How long a busy guest runs before Node's event loop gets a turn to read sockets and finish disk I/O.
 * Host→guest traffic is bounded by it: passt can only queue a socket buffer's worth of frames (about
 * 200 KiB) while the hart runs, so with 4 ms a TCP download stalled at ~45 MB/s with the guest idle part
 * of the time; with 1 ms it reached ~70 MB/s (bench io-net). A turn costs a few microseconds.
 */
const IO_POLL_MS = 1;

/** Runs until the machine powers off, fails, times out or is stopped. */
export async function runMachine(m: RunnableMachine, opts: RunOptions = {}): Promise<RunResult> {
  const slice = opts.sliceBudget ?? DEFAULT_SLICE;
  const start = performance.now();
  const deadline = opts.timeoutMs !== undefined ? start + opts.timeoutMs : Infinity;
  let wakeResolve: (() => void) | undefined;
  if (opts.wakeup) opts.wakeup.wake = () => { const r = wakeResolve; wakeResolve = undefined; r?.(); };
  let lastYield = performance.now();
  let shortSlicesUntil = 0;
  for (;;) {
    const g = opts.gate?.();
    if (g !== undefined) { await g; lastYield = performance.now(); }
    let anyRan = false;
    for (let h = 0; h < m.harts; h++) {
      if (!m.isRunnable(h)) continue;
      const core = m.core;
      if (core.isWaiting(h) && !core.hasWakeup(h)) continue;
      anyRan = true;
      let quiet = 0; // other harts with no pending wakeup before this slice
      if (m.harts > 1) for (let o = 0; o < m.harts; o++) if (o !== h && !core.hasWakeup(o)) quiet |= 1 << o;
      const r = core.run(h, performance.now() < shortSlicesUntil ? Math.min(slice, IPI_SLICE) : slice);
      if (r === ExitReason.Sbi) m.handleSbi(h);
      else if (r === ExitReason.Request) { core.clearExitRequest(); m.onExitRequest(); }
      for (let o = 0; quiet !== 0 && o < m.harts; o++) {
        if ((quiet >> o) & 1 && core.hasWakeup(o)) { shortSlicesUntil = performance.now() + IPI_SLICE_MS; break; }
      }
      m.tick();
      const ev = m.takeEvent();
      if (ev !== undefined) {
        if (ev.kind === 'reset' && !opts.noReboot) { m.reset(); break; }
        return ev;
      }
    }
    m.tick();
    const now = performance.now();
    if (now >= deadline) return { kind: 'timeout' };
    if (opts.shouldStop?.()) return { kind: 'stopped' };
    let allWaiting = true;
    for (let h = 0; h < m.harts; h++) {
      if (m.isRunnable(h) && (!m.core.isWaiting(h) || m.core.hasWakeup(h))) { allWaiting = false; break; }
    }
    // Not `|| !anyRan`: a timer that fired in the tick above has just woken a hart, which must run now.
    if (allWaiting) {
      // Idle: sleep until the next timer deadline, an I/O wakeup, or the run deadline.
      const next = Math.min(m.nextDeadlineMs() ?? Infinity, deadline, now + 1000);
      const ms = Math.max(0, next - now);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { wakeResolve = undefined; resolve(); }, ms);
        wakeResolve = () => { clearTimeout(t); resolve(); };
      });
      lastYield = performance.now();
    } else if (now - lastYield >= IO_POLL_MS) {
      // Let I/O callbacks (console input, disk completions) run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      lastYield = performance.now();
    }
  }
}

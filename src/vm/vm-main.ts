/**
 * One VM = one OS process: `node dist/src/vm/vm-main.js <vm-dir>`. Reads `<vm-dir>/spec.json` (a VmSpec whose
 * paths the daemon has already resolved and confined), boots the virt machine and serves a QMP-like control
 * socket `<vm-dir>/ctl.sock` (JSON lines, see ControlRequest in src/api/types.ts). Console output goes to a
 * scrollback ring, to subscribed control clients and to `<vm-dir>/console.log`. Before it ends, the process
 * writes `<vm-dir>/exit.json` with the reason (guest poweroff, guest failure, guest kernel panic text, stop,
 * kill), so a daemon that was not its parent (it restarted meanwhile) can still learn why.
 *
 * CPU weight and limit: cgroup v1/v2 `cpu` controller when the host lets us create a group; otherwise the
 * limit is enforced by a duty cycle in the run loop (run, then sleep so that CPU time / wall time ≤ limit) and
 * the weight by the threads' nice value.
 */
import { createServer, type Socket } from 'node:net';
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { VirtMachine } from '../machine/virt/machine.js';
import type { BootPayload } from '../machine/virt/boot.js';
import { openDisks, closeDisks, type Disk } from '../machine/virt/disks.js';
import { runMachine } from './runner.js';
import { vmCgroupDir } from './handle.js';
import { RateLimiter, limitDisk, limitNic, type DiskCounters, type LimitedNic, type NetCounters } from './rate-limit.js';
import { openNics, closeNics, type Nic } from '../machine/virt/net.js';
import { parseMac } from '../base/mac.js';
import type { ControlMessage, ControlRequest, ExitRecord, VmSpec } from '../api/types.js';

const SCROLLBACK = 64 * 1024;
const CONSOLE_LOG_MAX = 1024 * 1024;
const PANIC_RE = /Kernel panic - not syncing: ?([^\r\n]*)/;

const dir = process.argv[2];
if (dir === undefined) { process.stderr.write('usage: vm-main.js <vm-dir>\n'); process.exit(2); }
const spec = JSON.parse(readFileSync(join(dir, 'spec.json'), 'utf8')) as VmSpec & { id: string };
const sockPath = join(dir, 'ctl.sock');
const logPath = join(dir, 'console.log');

// ---- console: ring buffer + log file + subscribers ----
let ring = Buffer.alloc(0);
const subscribers = new Set<Socket>();
let panicText = '';
let panicTail = '';
let pendingOut: Buffer[] = [];
/** Guest output arrives a byte at a time from the UART; it is batched until the run loop yields. */
function consoleOut(bytes: Uint8Array): void {
  if (pendingOut.length === 0) setImmediate(flushConsole);
  pendingOut.push(Buffer.from(bytes));
}
function flushConsole(): void {
  const b = Buffer.concat(pendingOut);
  pendingOut = [];
  ring = ring.length + b.length > SCROLLBACK ? Buffer.concat([ring, b]).subarray(-SCROLLBACK) : Buffer.concat([ring, b]);
  try {
    if (existsSync(logPath) && statSync(logPath).size > CONSOLE_LOG_MAX) renameSync(logPath, logPath + '.1');
    appendFileSync(logPath, b);
  } catch { /* the log is best effort */ }
  const line = JSON.stringify({ event: 'console', data: b.toString('base64') } satisfies ControlMessage) + '\n';
  for (const s of subscribers) s.write(line);
  if (panicText === '') {
    const text = panicTail + b.toString('latin1');
    const m = PANIC_RE.exec(text);
    panicTail = m ? text.slice(m.index) : text.slice(-200);
    if (m && /[\r\n]/.test(text.slice(m.index + m[0].length))) {
      panicText = m[1]!.replace(/\s*\]---\s*$/, '').trim() || 'Kernel panic';
      // Give the guest a moment to print the rest (stack, "end Kernel panic"), then end as failed.
      setTimeout(() => finish(`guest kernel panic: ${panicText}`, true, 3), 300);
    }
  }
}

// ---- allocation: cgroup or duty cycle ----
const enforcement: Record<string, string> = { cpuWeight: 'stored', cpuLimit: 'duty-cycle', balloonTargetMiB: spec.balloon ? 'virtio-balloon' : 'stored', diskRateLimits: 'token-bucket', netRateLimits: 'token-bucket' };
const diskLimiter = new RateLimiter(spec.rateLimits?.disk);
const diskCounters: DiskCounters = { readBytes: 0, writeBytes: 0, ops: 0 };
const netCounters: NetCounters = { rxBytes: 0, txBytes: 0, rxFrames: 0, txFrames: 0 };
let nics: LimitedNic[] = [];
let cgroupDir: string | undefined;
function setupCgroup(): void {
  if (process.env['HV_NO_CGROUP'] === '1') return;
  try {
    const base = vmCgroupDir(spec.id);
    if (base === undefined) return;
    mkdirSync(base, { recursive: true });
    writeFileSync(join(base, 'cgroup.procs'), String(process.pid));
    cgroupDir = base;
    enforcement['cpuWeight'] = 'cgroup-v1 cpu.shares';
    enforcement['cpuLimit'] = 'cgroup-v1 cfs quota';
  } catch { cgroupDir = undefined; }
}
function leaveCgroup(): void {
  if (cgroupDir === undefined) return;
  try {
    writeFileSync(join(cgroupDir, '..', '..', 'cgroup.procs'), String(process.pid));
    rmdirSync(cgroupDir);
  } catch { /* the daemon removes leftovers */ }
}
let cpuLimit: number | null = spec.cpuLimit ?? null;
let cpuWeight = spec.cpuWeight ?? 100;
/**
 * Without a cgroup the weight becomes a nice value for every thread of this process: CFS gives each nice level
 * about 1.25× the CPU share of the next (kernel/sched/core.c sched_prio_to_weight), so weight w ↦ nice
 * −log₁.₂₅(w/100), clamped to −20…19. Lowering nice below 0 needs CAP_SYS_NICE; without it hv keeps 0.
 */
function applyNice(): void {
  // `| 0`: weight 100 gives −0, which os.setPriority rejects with a native assertion (not an exception).
  const nice = Math.max(-20, Math.min(19, Math.round(-Math.log(cpuWeight / 100) / Math.log(1.25)))) | 0;
  let applied = nice;
  let tids: string[] = [];
  try { tids = readdirSync('/proc/self/task'); } catch { tids = [String(process.pid)]; }
  for (const tid of tids) {
    try { setPriority(Number(tid), applied); } catch { if (applied < 0) { applied = 0; try { setPriority(Number(tid), 0); } catch { /* gone */ } } }
  }
  enforcement['cpuWeight'] = `nice ${applied}`;
}
function applyCpu(): void {
  if (cgroupDir === undefined) { applyNice(); return; }
  writeFileSync(join(cgroupDir, 'cpu.shares'), String(Math.max(2, Math.round(cpuWeight * 1024 / 100))));
  writeFileSync(join(cgroupDir, 'cpu.cfs_period_us'), '100000');
  writeFileSync(join(cgroupDir, 'cpu.cfs_quota_us'), cpuLimit === null ? '-1' : String(Math.max(1000, Math.round(cpuLimit * 100000))));
}
/** The affinity this process inherited (restored when the VM's hostCpus are cleared). */
const inheritedCpus = /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '';
let hostCpus: number[] | null = spec.hostCpus ?? null;
/**
 * Host CPU affinity: `taskset -a -p -c LIST <pid>` sets it on every thread of this process (threads started later
 * inherit it from the main thread), then every thread's Cpus_allowed_list is read back for `enforcement`.
 */
function applyAffinity(): void {
  if (hostCpus === null && enforcement['hostCpus'] === undefined) return; // never set: keep the inherited affinity
  const list = hostCpus === null ? inheritedCpus : hostCpus.join(',');
  try {
    execFileSync('taskset', ['-a', '-p', '-c', list, String(process.pid)], { stdio: 'ignore', timeout: 5000 });
  } catch (e) {
    enforcement['hostCpus'] = `not applied (taskset -a -p -c ${list}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'taskset (util-linux) is not installed' : (e as Error).message.split('\n')[0]})`;
    return;
  }
  const seen = new Set<string>();
  let threads = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try { seen.add(/Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/self/task/${tid}/status`, 'utf8'))?.[1] ?? '?'); threads++; } catch { /* thread ended */ }
  }
  enforcement['hostCpus'] = hostCpus === null ? `any (inherited ${[...seen].join(' ')})` : `taskset: ${threads} threads on host CPUs ${[...seen].join(' | ')}`;
}
let throttledMs = 0;
let windowCpu = process.cpuUsage();
let windowWall = performance.now();
/** Duty-cycle throttle: sleeps when this process used more CPU than the limit allows over the current window. */
function dutyCycle(): Promise<void> | undefined {
  if (cpuLimit === null || cgroupDir !== undefined) return undefined;
  const wall = performance.now() - windowWall;
  if (wall < 20) return undefined;
  const u = process.cpuUsage(windowCpu);
  const cpuMs = (u.user + u.system) / 1000;
  const sleepMs = cpuMs / cpuLimit - wall;
  if (wall > 1000) { windowWall = performance.now(); windowCpu = process.cpuUsage(); }
  if (sleepMs <= 1) return undefined;
  throttledMs += sleepMs;
  return new Promise((r) => setTimeout(r, sleepMs));
}

// ---- the machine ----
function payload(): BootPayload {
  const kernel = { data: new Uint8Array(readFileSync(spec.kernel)), name: spec.kernel };
  if (spec.bios === 'none') return { kind: 'bare', kernel };
  const bios = spec.bios !== undefined && spec.bios !== 'builtin' ? { firmware: { data: new Uint8Array(readFileSync(spec.bios)), name: spec.bios } } : {};
  const initrd = spec.initrd !== undefined ? { initrd: { data: new Uint8Array(readFileSync(spec.initrd)), name: spec.initrd } } : {};
  return { kind: 'linux', kernel, bootargs: spec.append ?? 'console=ttyS0 earlycon=sbi', ...initrd, ...bios };
}

const wakeup = { wake: (): void => {} };
let machine!: VirtMachine;
let disks: Disk[] = [];
let paused = false;
let resumeWaiters: (() => void)[] = [];
let rebootRequested = false;
let stopping = false;
/** A stop request pressed the power button (the guest's poweroff then counts as a graceful stop). */
let powerButtonPressed = false;
let finished = false;

function finish(reason: string, failed: boolean, code: number): void {
  if (finished) return;
  finished = true;
  const rec: ExitRecord = { reason, failed, time: new Date().toISOString() };
  try { writeFileSync(join(dir!, 'exit.json'), JSON.stringify(rec)); } catch { /* nothing more to do */ }
  const line = JSON.stringify({ event: 'exit', reason, failed } satisfies ControlMessage) + '\n';
  for (const s of subscribers) s.write(line);
  leaveCgroup();
  try { unlinkSync(sockPath); } catch { /* gone */ }
  // Disk images are written back and closed first (bounded: a stuck backend must not keep the VM alive).
  const exit = (): void => { setTimeout(() => process.exit(code), 20); };
  try { closeNics(nics.map((n) => n.nic)); } catch { /* best effort */ }
  setTimeout(exit, 3000).unref();
  closeDisks(disks, (l) => process.stderr.write(`hv: ${l}\n`)).then(exit, exit);
}

function gate(): Promise<void> | undefined {
  if (rebootRequested) { rebootRequested = false; machine.reset(); }
  if (paused) return new Promise((r) => { resumeWaiters.push(r); });
  return dutyCycle();
}

function stats(): Record<string, number> {
  const u = process.cpuUsage();
  let instr = 0n;
  for (let h = 0; h < machine.harts; h++) instr += machine.core.instret(h);
  let throttled = throttledMs / 1000;
  if (cgroupDir !== undefined) {
    try {
      const m = /throttled_time (\d+)/.exec(readFileSync(join(cgroupDir, 'cpu.stat'), 'utf8'));
      if (m) throttled = Number(m[1]) / 1e9;
    } catch { /* keep the duty-cycle figure */ }
  }
  return {
    hostCpuSeconds: (u.user + u.system) / 1e6,
    guestInstructions: Number(instr),
    rssBytes: process.memoryUsage.rss(),
    throttledSeconds: throttled,
    balloonMiB: machine.balloon ? machine.balloon.actual * 4096 / 1048576 : 0,
    diskReadBytes: diskCounters.readBytes,
    diskWriteBytes: diskCounters.writeBytes,
    diskOps: diskCounters.ops,
    diskThrottledSeconds: diskLimiter.throttledMs / 1000,
    netRxBytes: netCounters.rxBytes,
    netTxBytes: netCounters.txBytes,
    netFrames: netCounters.rxFrames + netCounters.txFrames,
    netThrottledSeconds: nics.reduce((a, n) => a + n.throttledMs(), 0) / 1000,
  };
}

function handle(req: ControlRequest, sock: Socket): unknown {
  switch (req.cmd) {
    case 'status': return { state: stopping ? 'stopping' : paused ? 'paused' : 'running', pid: process.pid, enforcement };
    case 'stats': return stats();
    case 'pause': paused = true; wakeup.wake(); return { state: 'paused' };
    case 'resume': {
      paused = false;
      const w = resumeWaiters; resumeWaiters = [];
      for (const r of w) r();
      return { state: 'running' };
    }
    case 'reboot': rebootRequested = true; if (paused) handle({ id: 0, cmd: 'resume' }, sock); wakeup.wake(); return {};
    case 'stop': {
      // Graceful first (QEMU system_powerdown): press the board's power button (virtio-input KEY_POWER) and wait
      // for the guest to power off until the timeout, then end the VM (hard stop). timeoutMs 0 = hard stop now.
      stopping = true;
      const t = Math.max(0, Math.min(req.timeoutMs, 600_000));
      if (t > 0 && machine.requestPowerOff()) powerButtonPressed = true;
      wakeup.wake();
      const why = powerButtonPressed ? 'the guest did not power off after the power button was pressed' : 'the guest did not power off';
      setTimeout(() => finish(`stopped by request (hard stop after ${t} ms: ${why})`, false, 0), t);
      return { timeoutMs: t, powerButton: powerButtonPressed };
    }
    case 'kill': setImmediate(() => finish('killed by request', false, 0)); return {};
    case 'set': {
      if (req.cpuWeight !== undefined) cpuWeight = req.cpuWeight;
      if (req.cpuLimit !== undefined) { cpuLimit = req.cpuLimit; windowWall = performance.now(); windowCpu = process.cpuUsage(); }
      applyCpu();
      if (req.hostCpus !== undefined) { hostCpus = req.hostCpus; applyAffinity(); }
      if (req.balloonTargetMiB !== undefined && machine.balloon) machine.balloon.setTarget(req.balloonTargetMiB * 256);
      if (req.rateLimits !== undefined) { diskLimiter.update(req.rateLimits.disk); for (const n of nics) n.update(req.rateLimits.net); }
      return { enforcement };
    }
    case 'console': subscribers.add(sock); return { scrollback: ring.toString('base64') };
    case 'input': machine.input(new Uint8Array(Buffer.from(req.data, 'base64'))); wakeup.wake(); return {};
    default: throw new Error(`unknown command ${JSON.stringify((req as { cmd: unknown }).cmd)}`);
  }
}

function serve(): void {
  try { unlinkSync(sockPath); } catch { /* none */ }
  const server = createServer((sock) => {
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl); buf = buf.slice(nl + 1);
        if (line.trim() === '') continue;
        let req: ControlRequest;
        try { req = JSON.parse(line) as ControlRequest; } catch { sock.write(JSON.stringify({ id: -1, ok: false, error: 'bad JSON' }) + '\n'); continue; }
        let msg: ControlMessage;
        try { msg = { id: req.id, ok: true, result: handle(req, sock) }; } catch (e) { msg = { id: req.id, ok: false, error: (e as Error).message }; }
        sock.write(JSON.stringify(msg) + '\n');
      }
    });
    sock.on('error', () => {});
    sock.on('close', () => subscribers.delete(sock));
  });
  server.listen(sockPath);
}

process.on('SIGTERM', () => finish('terminated (SIGTERM)', false, 0));
process.on('SIGINT', () => finish('interrupted (SIGINT)', false, 0));
process.on('uncaughtException', (e) => finish(`hv VM process error: ${e.message}`, true, 70));

// Under host memory pressure the kernel should pick a VM process, never the daemon (best effort).
try { writeFileSync('/proc/self/oom_score_adj', '500'); } catch { /* not permitted */ }
try {
  setupCgroup();
  applyCpu();
  applyAffinity();
  disks = await openDisks((spec.disks ?? []).map((d, i) => ({ file: d.path, readOnly: d.readOnly ?? false, id: `disk${i}`, ...(d.quotaMiB !== undefined ? { quotaBytes: d.quotaMiB * 1048576 } : {}) })), (l) => process.stderr.write(`hv: warning: ${l}\n`));
  if ((spec.disks ?? []).some((d) => d.quotaMiB !== undefined)) enforcement['diskQuota'] = 'allocated blocks (writes fail when full)';
  const limited = disks.map((d) => limitDisk(d, diskLimiter, diskCounters));
  const opened: Nic[] = await openNics((spec.nics ?? []).map((n) => ({
    ...(n.kind === 'user' ? { kind: 'user' as const, forwards: n.forwards ?? [] } : { kind: 'switch' as const, name: n.name }),
    ...(n.mac !== undefined ? { mac: parseMac(n.mac)! } : {}),
  })), (l) => process.stderr.write(`hv: ${l}\n`));
  nics = opened.map((n) => limitNic(n, spec.rateLimits?.net, netCounters));
  machine = new VirtMachine({
    ...(limited.length ? { disks: limited } : {}),
    ...(nics.length ? { nics: nics.map((n) => n.nic) } : {}),
    ramSize: (spec.memoryMiB ?? 128) * 1024 * 1024,
    harts: spec.cpus ?? 1,
    boot: payload(),
    console: { write: consoleOut },
    log: (line) => process.stderr.write(`hv: ${line}\n`),
    wake: () => wakeup.wake(),
    ...(spec.balloon ? { balloon: true } : {}),
  });
  if (spec.balloonTargetMiB !== undefined && machine.balloon) machine.balloon.setTarget(spec.balloonTargetMiB * 256);
} catch (e) {
  finish(`cannot start: ${(e as Error).message}`, true, 2);
  await new Promise(() => {}); // finish() ends the process
}
serve();
writeFileSync(join(dir, 'pid'), String(process.pid));
const result = await runMachine(machine, { wakeup, gate, shouldStop: () => finished });
switch (result.kind) {
  case 'poweroff': finish(stopping ? `guest powered off (graceful stop${powerButtonPressed ? ' after the power button was pressed' : ''})` : 'guest powered off', false, 0); break;
  case 'fail': finish(result.message ?? `guest reported failure (code ${result.code})`, true, 1); break;
  case 'reset': finish('guest reset', false, 0); break;
  default: break;
}

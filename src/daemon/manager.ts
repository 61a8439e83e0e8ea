/**
 * The VM registry and the one place where VmCommands are handled. Owns the VM processes through VmHandles
 * (src/vm/handle.ts), persists definitions/state/events in the Store, applies restart policies with back-off,
 * admission control (memory ≤ host RAM × overcommit ratio) and path confinement of kernel/disk paths.
 */
import { EventEmitter } from 'node:events';
import { execFile } from 'node:child_process';
import { projectRoot } from '../base/paths.js';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, readSync, closeSync, realpathSync, rmSync, statSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { CommandError, type HostInfo, type VmCommand, type VmEvent, type VmInfo, type VmSetRequest, type VmSpec, type VmState, type VmStats } from '../api/types.js';
import { attach, launch, readExitRecord, isAlive, vmCgroupDir, type VmHandle, type VmExit } from '../vm/handle.js';
import { rmdirSync } from 'node:fs';
import type { Store, VmRow } from './store.js';

export interface ManagerOptions {
  stateDir: string;
  /** Extra directories kernel/disk paths may live in (the image cache). */
  allowedDirs: string[];
  hostMemoryBytes: number;
  hostCpus: number;
  overcommitRatio: number;
  /** Environment for VM processes (tests set HV_NO_CGROUP). */
  vmEnv?: NodeJS.ProcessEnv;
  /** Default graceful-stop timeout. */
  stopTimeoutMs?: number;
}

interface Live {
  row: VmRow;
  handle?: VmHandle;
  /** Set when the user asked for stop/kill/delete, so the exit is not a failure to restart from. */
  stopRequested?: boolean;
  restartTimer?: NodeJS.Timeout;
  lastStart?: number;
  backoffMs?: number;
  scrollback: Buffer;
  consoleClients: Set<(b: Buffer) => void>;
  enforcement: Record<string, string>;
  starting?: Promise<void>;
  /** The end of the console output, for failure messages split across chunks (watchGuest). */
  guestTail?: string;
}

const SCROLLBACK = 64 * 1024;
const ACTIVE: readonly VmState[] = ['starting', 'running', 'paused', 'stopping'];
const MiB = 1024 * 1024;

export class VmManager {
  readonly events = new EventEmitter();
  private readonly vms = new Map<string, Live>();
  private closed = false;

  constructor(private readonly store: Store, private readonly opts: ManagerOptions) {
    this.events.setMaxListeners(0);
  }

  vmDir(id: string): string { return join(this.opts.stateDir, 'vms', id); }

  /** Loads the registry; re-attaches to VM processes that survived a daemon restart; reports the vanished. */
  async init(): Promise<void> {
    for (const row of this.store.listVms()) {
      const live: Live = { row, scrollback: Buffer.alloc(0), consoleClients: new Set(), enforcement: {} };
      this.vms.set(row.id, live);
      if (!ACTIVE.includes(row.state)) { this.removeCgroup(row.id); continue; }
      const h = row.pid !== null ? await attach(this.vmDir(row.id), row.pid) : undefined;
      if (h !== undefined) {
        this.wire(live, h);
        try {
          const st = await h.send({ cmd: 'status' }) as { state: VmState; enforcement: Record<string, string> };
          live.enforcement = st.enforcement;
          this.setState(live, st.state === 'stopping' ? 'stopping' : st.state, null, 'VM process re-attached after a daemon restart');
        } catch { /* the exit handler reports it */ }
      } else {
        this.removeCgroup(row.id);
        const rec = readExitRecord(this.vmDir(row.id));
        const reason = rec ? `ended while the daemon was down: ${rec.reason}` : 'VM process vanished while the daemon was down';
        this.setState(live, 'lost', reason, reason, 'failure');
        live.row.pid = null;
        this.store.updateVm(live.row);
        if (row.spec.restartPolicy === 'always' || (row.spec.restartPolicy === 'on-failure' && (rec?.failed ?? true))) this.scheduleRestart(live);
      }
    }
  }

  // ---- the command handler ----

  async execute(cmd: VmCommand): Promise<unknown> {
    switch (cmd.kind) {
      case 'create': return await this.create(cmd.spec);
      case 'list': return [...this.vms.values()].map((l) => this.info(l, null));
      case 'inspect': { const l = this.get(cmd.id); return this.info(l, await this.stats(l)); }
      case 'start': { const l = this.get(cmd.id); await this.start(l); return this.info(l, null); }
      case 'stop': { const l = this.get(cmd.id); await this.stop(l, cmd.timeoutMs ?? this.opts.stopTimeoutMs ?? 10_000); return this.info(l, null); }
      case 'kill': { const l = this.get(cmd.id); await this.kill(l); return this.info(l, null); }
      case 'pause': return this.pauseResume(this.get(cmd.id), true);
      case 'resume': return this.pauseResume(this.get(cmd.id), false);
      case 'reboot': {
        const l = this.get(cmd.id);
        this.requireActive(l, 'reboot');
        await l.handle!.send({ cmd: 'reboot' });
        this.event(l.row.id, 'state', `${l.row.name}: reboot requested`);
        if (l.row.state === 'paused') this.setState(l, 'running', null, `${l.row.name}: resumed by reboot`);
        return this.info(l, null);
      }
      case 'delete': return this.delete(this.get(cmd.id), cmd.disks);
      case 'set': return this.set(this.get(cmd.id), cmd.changes);
      case 'host': return this.host();
    }
  }

  private get(idOrName: string): Live {
    const l = this.vms.get(idOrName) ?? [...this.vms.values()].find((v) => v.row.name === idOrName);
    if (l === undefined) throw new CommandError('not_found', `no VM with id or name ${JSON.stringify(idOrName)}`);
    return l;
  }

  private requireActive(l: Live, what: string): void {
    if (l.handle === undefined || !(['running', 'paused'] as VmState[]).includes(l.row.state)) {
      throw new CommandError('conflict', `cannot ${what} VM ${l.row.name}: it is ${l.row.state}`);
    }
  }

  // ---- paths ----

  /** Resolves a user path (relative = under <state>/images) and refuses anything outside the allowed dirs. */
  private confine(p: string, what: string, mustExist: boolean): string {
    if (p.includes('\0')) throw new CommandError('invalid', `${what} path contains a NUL byte`);
    const roots = [this.opts.stateDir, ...this.opts.allowedDirs].map((r) => resolve(r));
    const abs = isAbsolute(p) ? resolve(p) : resolve(this.opts.stateDir, 'images', p);
    let real = abs;
    try { real = realpathSync(abs); } catch { /* may not exist yet */ }
    const inside = (x: string): boolean => roots.some((r) => { const rel = relative(r, x); return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel); });
    if (!inside(abs) || !inside(real) || abs.split(sep).includes('..')) {
      throw new CommandError('invalid', `${what} path ${JSON.stringify(p)} is outside the allowed directories (${roots.join(', ')}; relative paths are under ${join(this.opts.stateDir, 'images')})`);
    }
    if (mustExist && !existsSync(real)) throw new CommandError('invalid', `${what} ${JSON.stringify(p)}: no such file`);
    if (mustExist && !statSync(real).isFile()) throw new CommandError('invalid', `${what} ${JSON.stringify(p)}: not a regular file`);
    return real;
  }

  private checkKernel(path: string): void {
    const fd = openSync(path, 'r');
    const b = Buffer.alloc(64);
    try { readSync(fd, b, 0, 64, 0); } finally { closeSync(fd); }
    const elf = b.readUInt32BE(0) === 0x7f454c46;
    const image = b.readUInt32LE(56) === 0x05435352; // "RSC\x05"
    if (!elf && !image) throw new CommandError('invalid', `kernel ${path}: not an ELF file or a RISC-V Linux Image`);
  }

  // ---- lifecycle ----

  private async create(spec0: VmSpec): Promise<VmInfo> {
    const spec: VmSpec = { ...spec0, cpus: spec0.cpus ?? 1, memoryMiB: spec0.memoryMiB ?? 128, restartPolicy: spec0.restartPolicy ?? 'no', cpuWeight: spec0.cpuWeight ?? 100 };
    if ([...this.vms.values()].some((l) => l.row.name === spec.name)) throw new CommandError('conflict', `a VM named ${spec.name} already exists`);
    spec.kernel = this.confine(spec.kernel, 'kernel', true);
    this.checkKernel(spec.kernel);
    if (spec.initrd !== undefined) spec.initrd = this.confine(spec.initrd, 'initrd', true);
    if (spec.bios !== undefined && spec.bios !== 'none' && spec.bios !== 'builtin') spec.bios = this.confine(spec.bios, 'bios', true);
    if (spec.disks) spec.disks = spec.disks.map((d) => ({ ...d, path: this.confine(d.path, 'disk', d.backing === undefined), ...(d.backing !== undefined ? { backing: this.confine(d.backing, 'backing image', true) } : {}) }));
    if (spec.balloonTargetMiB !== undefined && spec.balloonTargetMiB > spec.memoryMiB!) throw new CommandError('invalid', `balloonTargetMiB ${spec.balloonTargetMiB} exceeds the VM's memory (${spec.memoryMiB} MiB)`);
    if (spec.hostCpus !== undefined) spec.hostCpus = this.checkHostCpus(spec.hostCpus);
    const cap = this.capacity();
    if (spec.memoryMiB! * MiB > cap) throw new CommandError('capacity', `VM ${spec.name} needs ${spec.memoryMiB} MiB but the host's memory capacity is ${Math.floor(cap / MiB)} MiB (host RAM × overcommit ratio ${this.opts.overcommitRatio})`);
    for (const d of spec.disks ?? []) {
      if (d.backing === undefined) continue;
      if (existsSync(d.path)) throw new CommandError('conflict', `disk ${d.path} already exists; a linked clone needs a new file`);
    }
    for (const d of spec.disks ?? []) if (d.backing !== undefined) await this.linkedClone(d.backing, d.path);
    const row: VmRow = { id: randomBytes(6).toString('hex'), name: spec.name, spec, state: 'created', pid: null, createdAt: new Date().toISOString(), startedAt: null, reason: null, restarts: 0 };
    this.store.insertVm(row);
    const l: Live = { row, scrollback: Buffer.alloc(0), consoleClients: new Set(), enforcement: {} };
    this.vms.set(row.id, l);
    this.event(row.id, 'created', `${row.name}: created (${spec.cpus} vCPU, ${spec.memoryMiB} MiB)`);
    return this.info(l, null);
  }

  /** Creates a qcow2 overlay of `base` at `path` with `hv image create` (the block code lives in backends/). */
  private linkedClone(base: string, path: string): Promise<void> {
    return new Promise((resolveP, reject) => {
      execFile(process.execPath, [join(projectRoot(), 'bin', 'hv.js'), 'image', 'create', '--backing', base, path], { timeout: 30_000 }, (err, _out, stderr) => {
        if (err) reject(new CommandError('invalid', `cannot create linked clone ${path} of ${base}: ${stderr.trim().replace(/^hv: /, '') || err.message}`));
        else resolveP();
      });
    });
  }

  /** Removes a VM's (empty) cgroup left behind by a VM process that was killed with SIGKILL. */
  private removeCgroup(id: string): void {
    const cg = vmCgroupDir(id);
    if (cg !== undefined && existsSync(cg)) { try { rmdirSync(cg); } catch { /* still in use */ } }
  }

  /** Host CPU affinity: every CPU must exist on this host; returned sorted. */
  private checkHostCpus(list: number[]): number[] {
    const bad = list.filter((c) => c >= this.opts.hostCpus);
    if (bad.length) throw new CommandError('invalid', `hostCpus: host CPU ${bad.join(', ')} does not exist (this host has ${this.opts.hostCpus} CPUs: 0-${this.opts.hostCpus - 1})`);
    return [...list].sort((x, y) => x - y);
  }

  private capacity(): number { return this.opts.hostMemoryBytes * this.opts.overcommitRatio; }
  private allocated(except?: Live): number {
    let sum = 0;
    for (const l of this.vms.values()) if (l !== except && ACTIVE.includes(l.row.state)) sum += (l.row.spec.memoryMiB ?? 128) * MiB;
    return sum;
  }

  private async start(l: Live): Promise<void> {
    if (ACTIVE.includes(l.row.state)) throw new CommandError('conflict', `VM ${l.row.name} is already ${l.row.state}`);
    const need = (l.row.spec.memoryMiB ?? 128) * MiB;
    const used = this.allocated(l);
    if (used + need > this.capacity()) {
      throw new CommandError('capacity', `cannot start VM ${l.row.name}: it needs ${need / MiB} MiB, ${Math.floor(used / MiB)} MiB are allocated to running VMs and the host's capacity is ${Math.floor(this.capacity() / MiB)} MiB (host RAM ${Math.floor(this.opts.hostMemoryBytes / MiB)} MiB × overcommit ${this.opts.overcommitRatio})`);
    }
    if (l.restartTimer) { clearTimeout(l.restartTimer); l.restartTimer = undefined; }
    l.stopRequested = false;
    this.setState(l, 'starting', null, `${l.row.name}: starting`);
    try {
      const h = await launch(this.vmDir(l.row.id), { ...l.row.spec, id: l.row.id }, this.opts.vmEnv);
      l.row.pid = h.pid;
      l.row.startedAt = new Date().toISOString();
      l.lastStart = Date.now();
      this.wire(l, h);
      try { l.enforcement = ((await h.send({ cmd: 'status' })) as { enforcement: Record<string, string> }).enforcement; } catch { /* exit handler */ }
      if (l.row.state === 'starting') this.setState(l, 'running', null, `${l.row.name}: running (pid ${h.pid})`);
    } catch (e) {
      const reason = (e as Error).message;
      this.setState(l, 'failed', reason, `${l.row.name}: failed to start: ${reason}`, 'failure');
      throw new CommandError('start_failed', `VM ${l.row.name} failed to start: ${reason}`);
    }
  }

  /** Connects a handle's events to the registry: console scrollback/fan-out and process exit. */
  private wire(l: Live, h: VmHandle): void {
    l.handle = h;
    h.events.on('console', (b: Buffer) => {
      this.watchGuest(l, b);
      l.scrollback = Buffer.concat([l.scrollback, b]);
      if (l.scrollback.length > SCROLLBACK) l.scrollback = l.scrollback.subarray(-SCROLLBACK);
      for (const c of l.consoleClients) c(b);
    });
    h.events.once('exit', (x: VmExit) => this.onExit(l, h, x));
    h.send({ cmd: 'console' }).then((r) => {
      const sb = Buffer.from((r as { scrollback: string }).scrollback, 'base64');
      if (l.scrollback.length === 0) l.scrollback = sb;
    }).catch(() => {});
  }

  /**
   * Failures inside a guest that keeps running, seen on its console: the Linux OOM killer ("Out of memory: Killed
   * process 123 (tail)") is reported as a failure event. (A kernel panic ends the VM; vm-main.ts reports that.)
   */
  private watchGuest(l: Live, b: Buffer): void {
    const text = (l.guestTail ?? '') + b.toString('latin1');
    const re = /Out of memory: Killed process (\d+) \(([^)\r\n]*)\)/g;
    let m: RegExpExecArray | null;
    let end = 0;
    while ((m = re.exec(text)) !== null) {
      end = m.index + m[0].length;
      this.event(l.row.id, 'failure', `${l.row.name}: guest OOM killer: killed process ${m[1]} (${m[2]})`, { guest: 'oom-kill', pid: Number(m[1]), process: m[2] });
    }
    l.guestTail = text.slice(Math.max(end, text.length - 200));
  }

  private onExit(l: Live, h: VmHandle, x: VmExit): void {
    if (l.handle !== h || this.closed) return;
    l.handle = undefined;
    l.row.pid = null;
    if (!this.vms.has(l.row.id)) return;
    const requested = l.stopRequested === true;
    const failed = x.failed && !requested;
    this.setState(l, failed ? 'failed' : 'stopped', x.reason, `${l.row.name}: ${failed ? 'failed' : 'stopped'}: ${x.reason}`, failed ? 'failure' : 'state');
    const p = l.row.spec.restartPolicy ?? 'no';
    if (!requested && (p === 'always' || (p === 'on-failure' && failed))) this.scheduleRestart(l);
  }

  private scheduleRestart(l: Live): void {
    if (this.closed) return;
    // Exponential back-off from 250 ms to 30 s; reset after a run of a minute or more.
    l.backoffMs = l.lastStart !== undefined && Date.now() - l.lastStart > 60_000 ? 250 : Math.min(30_000, (l.backoffMs ?? 125) * 2);
    const delay = l.backoffMs;
    this.event(l.row.id, 'restart', `${l.row.name}: restarting in ${delay} ms (policy ${l.row.spec.restartPolicy})`, { delayMs: delay });
    l.restartTimer = setTimeout(() => {
      l.restartTimer = undefined;
      if (this.closed || !this.vms.has(l.row.id) || ACTIVE.includes(l.row.state)) return;
      l.row.restarts++;
      this.start(l).catch(() => { if (!this.closed) this.scheduleRestart(l); });
    }, delay);
  }

  private async stop(l: Live, timeoutMs: number): Promise<void> {
    if (l.restartTimer) { clearTimeout(l.restartTimer); l.restartTimer = undefined; }
    if (l.handle === undefined) {
      if (l.row.state === 'lost' || l.row.state === 'failed') { this.setState(l, 'stopped', l.row.reason, `${l.row.name}: stopped`); return; }
      throw new CommandError('conflict', `cannot stop VM ${l.row.name}: it is ${l.row.state}`);
    }
    l.stopRequested = true;
    const h = l.handle;
    const gone = new Promise<void>((r) => h.events.once('exit', () => r()));
    this.setState(l, 'stopping', null, `${l.row.name}: stopping (power button pressed; hard stop after ${timeoutMs} ms)`);
    try { await h.send({ cmd: 'resume' }); await h.send({ cmd: 'stop', timeoutMs }); } catch { /* gone already */ }
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([gone, new Promise((r) => { timer = setTimeout(r, timeoutMs + 3000); })]);
    clearTimeout(timer);
    if (l.handle === h) await this.kill(l);
  }

  private async kill(l: Live): Promise<void> {
    if (l.restartTimer) { clearTimeout(l.restartTimer); l.restartTimer = undefined; }
    const h = l.handle;
    if (h === undefined) throw new CommandError('conflict', `cannot kill VM ${l.row.name}: it is ${l.row.state}`);
    l.stopRequested = true;
    const gone = new Promise<void>((r) => h.events.once('exit', () => r()));
    try { process.kill(-h.pid, 'SIGKILL'); } catch { try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ } }
    await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
    if (l.handle === h) { l.handle = undefined; h.close(); l.row.pid = null; this.setState(l, 'stopped', 'killed by request', `${l.row.name}: killed`); }
  }

  private async pauseResume(l: Live, pause: boolean): Promise<VmInfo> {
    this.requireActive(l, pause ? 'pause' : 'resume');
    if (pause && l.row.state === 'paused') throw new CommandError('conflict', `VM ${l.row.name} is already paused`);
    if (!pause && l.row.state !== 'paused') throw new CommandError('conflict', `cannot resume VM ${l.row.name}: it is not paused`);
    await l.handle!.send({ cmd: pause ? 'pause' : 'resume' });
    this.setState(l, pause ? 'paused' : 'running', null, `${l.row.name}: ${pause ? 'paused' : 'resumed'}`);
    return this.info(l, null);
  }

  private async delete(l: Live, disks: boolean): Promise<{ id: string; deleted: true; disksDeleted: string[] }> {
    if (l.handle) await this.kill(l);
    if (l.restartTimer) clearTimeout(l.restartTimer);
    this.vms.delete(l.row.id);
    this.store.deleteVm(l.row.id);
    const removed: string[] = [];
    if (disks) {
      for (const d of l.row.spec.disks ?? []) {
        // Only disks inside the state directory are hv's to delete (never the shared image cache).
        if (relative(this.opts.stateDir, d.path).startsWith('..')) continue;
        rmSync(d.path, { force: true });
        removed.push(d.path);
      }
    }
    rmSync(this.vmDir(l.row.id), { recursive: true, force: true });
    this.removeCgroup(l.row.id);
    this.event(l.row.id, 'deleted', `${l.row.name}: deleted${removed.length ? ` with ${removed.length} disk(s)` : ''}`);
    return { id: l.row.id, deleted: true, disksDeleted: removed };
  }

  private async set(l: Live, c: VmSetRequest): Promise<VmInfo> {
    const spec = { ...l.row.spec };
    if (c.memoryMiB !== undefined && c.memoryMiB !== spec.memoryMiB) {
      if (ACTIVE.includes(l.row.state)) throw new CommandError('conflict', `cannot change the memory size of running VM ${l.row.name}; set balloonTargetMiB instead, or stop it first`);
      if (c.memoryMiB * MiB > this.capacity()) throw new CommandError('capacity', `${c.memoryMiB} MiB exceeds the host's memory capacity (${Math.floor(this.capacity() / MiB)} MiB)`);
      spec.memoryMiB = c.memoryMiB;
    }
    if (c.balloonTargetMiB !== undefined && c.balloonTargetMiB > (spec.memoryMiB ?? 128)) throw new CommandError('invalid', `balloonTargetMiB ${c.balloonTargetMiB} exceeds the VM's memory (${spec.memoryMiB} MiB)`);
    if (c.cpuWeight !== undefined) spec.cpuWeight = c.cpuWeight;
    if (c.cpuLimit !== undefined) { if (c.cpuLimit === null) delete spec.cpuLimit; else spec.cpuLimit = c.cpuLimit; }
    if (c.hostCpus !== undefined) { if (c.hostCpus === null) delete spec.hostCpus; else spec.hostCpus = this.checkHostCpus(c.hostCpus); }
    if (c.balloonTargetMiB !== undefined) spec.balloonTargetMiB = c.balloonTargetMiB;
    if (c.rateLimits !== undefined) spec.rateLimits = c.rateLimits;
    if (c.restartPolicy !== undefined) spec.restartPolicy = c.restartPolicy;
    l.row.spec = spec;
    this.store.updateVm(l.row);
    if (l.handle && (c.cpuWeight !== undefined || c.cpuLimit !== undefined || c.hostCpus !== undefined || c.balloonTargetMiB !== undefined || c.rateLimits !== undefined)) {
      const r = await l.handle.send({
        cmd: 'set',
        ...(c.cpuWeight !== undefined ? { cpuWeight: c.cpuWeight } : {}),
        ...(c.cpuLimit !== undefined ? { cpuLimit: c.cpuLimit } : {}),
        ...(c.hostCpus !== undefined ? { hostCpus: spec.hostCpus ?? null } : {}),
        ...(c.balloonTargetMiB !== undefined ? { balloonTargetMiB: c.balloonTargetMiB } : {}),
        ...(c.rateLimits !== undefined ? { rateLimits: c.rateLimits } : {}),
      }) as { enforcement: Record<string, string> };
      l.enforcement = r.enforcement;
    }
    this.event(l.row.id, 'allocation', `${l.row.name}: allocation changed: ${JSON.stringify(c)}`, c as Record<string, unknown>);
    return this.info(l, null);
  }

  private host(): HostInfo {
    const byState: Record<string, number> = {};
    let weight = 0, limit = 0;
    for (const l of this.vms.values()) {
      byState[l.row.state] = (byState[l.row.state] ?? 0) + 1;
      if (ACTIVE.includes(l.row.state)) { weight += l.row.spec.cpuWeight ?? 100; limit += l.row.spec.cpuLimit ?? this.opts.hostCpus; }
    }
    return {
      cpus: this.opts.hostCpus, memoryBytes: this.opts.hostMemoryBytes, overcommitRatio: this.opts.overcommitRatio,
      memoryCapacityBytes: Math.floor(this.capacity()), memoryAllocatedBytes: this.allocated(),
      vms: { total: this.vms.size, running: byState['running'] ?? 0, byState },
      cpuWeightTotal: weight, cpuLimitTotal: limit,
    };
  }

  // ---- views ----

  async stats(l: Live): Promise<VmStats | null> {
    if (l.handle === undefined) return null;
    try { return await l.handle.send({ cmd: 'stats' }, 1000) as VmStats; } catch { return null; }
  }

  /** All VMs with live stats (for /metrics). */
  async allWithStats(): Promise<{ info: VmInfo }[]> {
    return Promise.all([...this.vms.values()].map(async (l) => ({ info: this.info(l, await this.stats(l)) })));
  }

  info(l: Live, stats: VmStats | null): VmInfo {
    const r = l.row;
    return { id: r.id, name: r.name, state: r.state, spec: r.spec, pid: r.pid, createdAt: r.createdAt, startedAt: r.startedAt, reason: r.reason, restarts: r.restarts, enforcement: l.enforcement, stats };
  }

  /** Console access: scrollback now, then live output; `input` goes to the guest UART. */
  console(idOrName: string, onOutput: (b: Buffer) => void): { scrollback: Buffer; input: (b: Buffer) => void; close: () => void } {
    const l = this.get(idOrName);
    l.consoleClients.add(onOutput);
    return {
      scrollback: l.scrollback,
      input: (b) => { l.handle?.send({ cmd: 'input', data: b.toString('base64') }).catch(() => {}); },
      close: () => { l.consoleClients.delete(onOutput); },
    };
  }

  /** The console log file's tail. */
  logs(idOrName: string, maxBytes = 256 * 1024): string {
    const l = this.get(idOrName);
    try { const b = readFileSync(join(this.vmDir(l.row.id), 'console.log')); return b.subarray(-maxBytes).toString('utf8'); } catch { return ''; }
  }

  resolveId(idOrName: string): string { return this.get(idOrName).row.id; }

  storedEvents(since: number, vmId?: string): VmEvent[] { return this.store.events(since, vmId); }

  private setState(l: Live, state: VmState, reason: string | null, message: string, type: VmEvent['type'] = 'state'): void {
    l.row.state = state;
    if (reason !== null || state === 'running' || state === 'starting') l.row.reason = reason;
    this.store.updateVm(l.row);
    this.event(l.row.id, type, message, { state, ...(reason !== null ? { reason } : {}) });
  }

  event(vmId: string | null, type: VmEvent['type'], message: string, data?: Record<string, unknown>): void {
    if (this.closed) return;
    const e = this.store.addEvent({ time: new Date().toISOString(), vmId, type, message, ...(data ? { data } : {}) });
    this.events.emit('event', e);
  }

  /** Detaches from every VM process (they keep running) and stops timers. */
  close(): void {
    this.closed = true;
    for (const l of this.vms.values()) { if (l.restartTimer) clearTimeout(l.restartTimer); l.handle?.close(); }
  }

  /** For tests and `hv down --all`: kills every VM process. */
  killAll(): void {
    for (const l of this.vms.values()) if (l.handle && isAlive(l.handle.pid)) { try { process.kill(-l.handle.pid, 'SIGKILL'); } catch { /* gone */ } }
  }
}

/**
 * The contract between hv's front ends (REST, CLI) and the daemon: the VM spec, the closed VmCommand union the
 * daemon handles in one place, the results and events it produces, and the control protocol spoken on each VM
 * process's UNIX socket. Types and JSON Schemas only (no I/O): the schemas drive request validation in the
 * daemon and the OpenAPI document at /v1/openapi.json.
 */

/** Life-cycle states of a VM as the daemon reports them. */
export const VM_STATES = ['created', 'starting', 'running', 'paused', 'stopping', 'stopped', 'failed', 'lost'] as const;
export type VmState = (typeof VM_STATES)[number];

export const RESTART_POLICIES = ['no', 'on-failure', 'always'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

/** Firecracker-style token bucket: `size` tokens refilled over `refillTimeMs`, plus a one-time burst. */
export interface TokenBucket { size: number; refillTimeMs: number; oneTimeBurst?: number }
/** Bandwidth (bytes) and operations buckets of one device class. */
export interface RateLimiter { bandwidth?: TokenBucket; ops?: TokenBucket }
export interface RateLimits { disk?: RateLimiter; net?: RateLimiter }

export interface DiskSpec {
  /** Image file, relative to the state directory's images/ folder or absolute inside the state or image-cache dirs. */
  path: string;
  readOnly?: boolean;
  /** Create the disk as a qcow2 overlay of this base image (linked clone). */
  backing?: string;
  /** Disk size quota in MiB. */
  quotaMiB?: number;
}

/** A host port forwarded to the guest (user networking). */
export interface HostForwardSpec { proto: 'tcp' | 'udp'; hostAddr?: string; hostPort: number; guestPort: number }
/** One NIC: user-mode networking (passt, with port forwards) or a port on an hv switch. */
export type NicSpec =
  | { kind: 'user'; forwards?: HostForwardSpec[]; mac?: string }
  | { kind: 'switch'; name: string; mac?: string };

/** What a VM is made of: everything `POST /v1/vms` accepts. */
export interface VmSpec {
  name: string;
  cpus?: number;
  memoryMiB?: number;
  /** Kernel: a bare-metal ELF (bios "none") or a RISC-V Linux Image/ELF. Path rules as for disks. */
  kernel: string;
  initrd?: string;
  /** "none": the kernel is a bare ELF started in M-mode; "builtin" (default): hv's SBI; otherwise a firmware file. */
  bios?: string;
  append?: string;
  disks?: DiskSpec[];
  nics?: NicSpec[];
  restartPolicy?: RestartPolicy;
  /** Relative CPU share under contention (cgroup cpu.shares semantics; default 100). */
  cpuWeight?: number;
  /** Maximum CPU, in host cores (0.25 = a quarter of one core); absent = unlimited. */
  cpuLimit?: number;
  /** Host CPU affinity: the host CPUs (0-based) every thread of the VM process may run on; absent = any. */
  hostCpus?: number[];
  /** Add a virtio-balloon; `balloonTargetMiB` is how much the guest is asked to give back. */
  balloon?: boolean;
  balloonTargetMiB?: number;
  rateLimits?: RateLimits;
}

/** Live allocation changes (`PATCH /v1/vms/:id`). `cpuLimit: null` removes the limit. */
export interface VmSetRequest {
  cpuWeight?: number;
  cpuLimit?: number | null;
  /** Host CPU affinity (live); `null` = any host CPU. */
  hostCpus?: number[] | null;
  memoryMiB?: number;
  balloonTargetMiB?: number;
  rateLimits?: RateLimits;
  restartPolicy?: RestartPolicy;
}

export interface VmStats {
  hostCpuSeconds: number;
  guestInstructions: number;
  rssBytes: number;
  throttledSeconds: number;
  balloonMiB: number;
  diskReadBytes: number;
  diskWriteBytes: number;
  diskOps: number;
  diskThrottledSeconds: number;
  netRxBytes: number;
  netTxBytes: number;
  netFrames: number;
  netThrottledSeconds: number;
}

/** A VM as the API shows it. */
export interface VmInfo {
  id: string;
  name: string;
  state: VmState;
  spec: VmSpec;
  pid: number | null;
  createdAt: string;
  startedAt: string | null;
  /** Why the VM last stopped or failed (exit status, signal, guest panic text). */
  reason: string | null;
  restarts: number;
  /** Which allocation controls are enforced and how ("cgroup-v1", "duty-cycle", "stored"). */
  enforcement: Record<string, string>;
  stats: VmStats | null;
}

export interface HostInfo {
  cpus: number;
  memoryBytes: number;
  overcommitRatio: number;
  memoryCapacityBytes: number;
  memoryAllocatedBytes: number;
  vms: { total: number; running: number; byState: Record<string, number> };
  cpuWeightTotal: number;
  cpuLimitTotal: number;
}

export interface VmEvent {
  seq: number;
  time: string;
  vmId: string | null;
  type: 'created' | 'state' | 'failure' | 'restart' | 'allocation' | 'deleted' | 'daemon';
  message: string;
  data?: Record<string, unknown>;
}

/** The closed set of commands the daemon handles (transport layers only parse into these). */
export type VmCommand =
  | { kind: 'create'; spec: VmSpec }
  | { kind: 'list' }
  | { kind: 'inspect'; id: string }
  | { kind: 'start'; id: string }
  | { kind: 'stop'; id: string; timeoutMs?: number }
  | { kind: 'kill'; id: string }
  | { kind: 'pause'; id: string }
  | { kind: 'resume'; id: string }
  | { kind: 'reboot'; id: string }
  | { kind: 'delete'; id: string; disks: boolean }
  | { kind: 'set'; id: string; changes: VmSetRequest }
  | { kind: 'host' };

/** Failure categories, mapped to HTTP statuses by the REST layer. */
export type CommandErrorCode = 'invalid' | 'not_found' | 'conflict' | 'capacity' | 'start_failed' | 'unavailable';
export const ERROR_STATUS: Record<CommandErrorCode, number> = { invalid: 400, not_found: 404, conflict: 409, capacity: 422, start_failed: 422, unavailable: 503 };

export class CommandError extends Error {
  constructor(readonly code: CommandErrorCode, message: string) { super(message); this.name = 'CommandError'; }
}

// ---- control protocol of a VM process (JSON lines over its UNIX socket, like QMP) ----

/** Requests to a VM process; each carries a client-chosen `id` echoed in the reply. */
export type ControlRequest =
  | { id: number; cmd: 'status' }
  | { id: number; cmd: 'stats' }
  | { id: number; cmd: 'pause' }
  | { id: number; cmd: 'resume' }
  | { id: number; cmd: 'reboot' }
  | { id: number; cmd: 'stop'; timeoutMs: number }
  | { id: number; cmd: 'kill' }
  | { id: number; cmd: 'set'; cpuWeight?: number; cpuLimit?: number | null; hostCpus?: number[] | null; balloonTargetMiB?: number; rateLimits?: RateLimits }
  /** Start streaming console output to this connection; the reply carries the scrollback (base64). */
  | { id: number; cmd: 'console' }
  | { id: number; cmd: 'input'; data: string };

export interface ControlStatus { state: 'running' | 'paused' | 'stopping'; pid: number; enforcement: Record<string, string> }

/** A reply (`id` set) or an asynchronous event (`event` set). */
export type ControlMessage =
  | { id: number; ok: true; result?: unknown }
  | { id: number; ok: false; error: string }
  | { event: 'console'; data: string }
  | { event: 'state'; state: string }
  | { event: 'exit'; reason: string; failed: boolean };

/** Written by a VM process to `exit.json` in its directory before it ends. */
export interface ExitRecord { reason: string; failed: boolean; time: string }

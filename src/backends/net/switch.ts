/**
 * `switch=NAME` networking: VMs on one host (separate `hv run` processes) joined by a learning
 * Ethernet switch (learning-switch.ts).
 *
 * Topology: the switch itself runs inside one of the member VM processes (the *owner*) and listens
 * on a UNIX socket, `$XDG_RUNTIME_DIR/hv/switch-NAME.sock` (or `/tmp/hv-UID/switch-NAME.sock`
 * without XDG_RUNTIME_DIR); the directory is created with mode 0700 and must belong to the user,
 * so other users cannot join or listen in. Every member, the owner included, connects to that
 * socket and exchanges frames with the 4-byte length-prefixed framing of passt and QEMU's
 * `-netdev stream` (so a QEMU VM can join too: `-netdev stream,addr.type=unix,addr.path=…`).
 *
 * Ownership and take-over: the right to own a switch is an abstract-namespace UNIX socket
 * (`@hv-switch-<hash of the socket path>`) that the owner keeps bound. Binding it is atomic and the
 * kernel releases it when the owner process dies, however it dies, so there is never a stale lock.
 * A VM that cannot connect (no socket yet, or its owner died) tries to take the lock; the winner
 * replaces the socket file and serves, the others retry connecting. When the owner exits, the
 * members see their connection close, elect a new owner the same way and reconnect within tens of
 * milliseconds; MAC tables are relearnt from traffic. Frames sent in that window are lost (as on a
 * real switch being replaced). The abstract namespace is per network namespace: VMs sharing a switch
 * must run in the same one.
 *
 * Limits: a member whose socket buffer holds more than 4 MiB (it is not reading) loses the frames
 * sent to it rather than stalling the others; frames longer than MAX_FRAME_BYTES are skipped.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, statSync, unlinkSync, chmodSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { UserError } from '../../base/errors.js';
import { MAX_FRAME_BYTES } from '../../devices/virtio/net/backend.js';
import { encodeFrame, FrameDecoder } from './framing.js';
import { LearningSwitch, type LearningSwitchOptions } from './learning-switch.js';
import { StreamLink } from './stream-link.js';

/** Switch names: what fits in a file name safely. */
export const SWITCH_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Bytes a slow member may have queued before frames to it are dropped. */
const MEMBER_QUEUE_LIMIT = 4 << 20;

/** The private directory holding switch sockets; created (0700) if needed and checked. */
export function switchDir(env: NodeJS.ProcessEnv = process.env): string {
  const uid = process.getuid?.() ?? 0;
  const xdg = env['XDG_RUNTIME_DIR'];
  const dir = xdg ? join(xdg, 'hv') : join('/tmp', `hv-${uid}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new UserError(`cannot create the switch directory ${dir}: ${(e as Error).message}`);
  }
  const st = statSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new UserError(`switch directory ${dir} must be a directory owned by you with mode 0700 (it is not): refusing to use it`);
  }
  return dir;
}

/** The socket path of switch `name` in `dir`. */
export function switchSocketPath(name: string, dir: string): string {
  if (!SWITCH_NAME_RE.test(name)) throw new UserError(`invalid switch name ${JSON.stringify(name)}: use letters, digits, '.', '_' and '-' (at most 64)`);
  return join(dir, `switch-${name}.sock`);
}

/** The switch server: accepts members on a UNIX socket and switches frames between them. */
export class SwitchServer {
  readonly sw: LearningSwitch;
  /** Frames dropped because a member was not reading. */
  droppedSlowMember = 0;
  private readonly server: Server;
  private readonly members = new Set<Socket>();

  private constructor(server: Server, opts: LearningSwitchOptions) {
    this.server = server;
    this.sw = new LearningSwitch(opts);
    server.on('connection', (s) => this.member(s));
  }

  /** Listens on `path` (which must not exist). */
  static listen(path: string, opts: LearningSwitchOptions = {}): Promise<SwitchServer> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      const ss = new SwitchServer(server, opts);
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        server.on('error', () => {});
        try { chmodSync(path, 0o600); } catch { /* the directory is private anyway */ }
        resolve(ss);
      });
    });
  }

  get memberCount(): number { return this.members.size; }

  private member(s: Socket): void {
    this.members.add(s);
    s.setNoDelay(true);
    const port = this.sw.addPort({
      deliver: (frame) => {
        if (s.writableLength > MEMBER_QUEUE_LIMIT) { this.droppedSlowMember++; return; }
        s.write(encodeFrame(frame));
      },
    });
    const dec = new FrameDecoder((f) => this.sw.input(port, f), { maxFrame: MAX_FRAME_BYTES });
    s.on('data', (chunk: Buffer) => dec.push(chunk));
    s.on('error', () => {});
    s.on('close', () => { this.members.delete(s); this.sw.removePort(port); });
  }

  /** Stops listening and disconnects every member. */
  close(): void {
    this.server.close();
    for (const s of this.members) s.destroy();
    this.members.clear();
  }
}

export interface SwitchBackendOptions {
  name: string;
  /** Directory for the socket (default switchDir()). */
  dir?: string;
  log?: (line: string) => void;
  /** Options for the switch when this VM owns it. */
  switchOptions?: LearningSwitchOptions;
}

/** Abstract-namespace name of the ownership lock for a switch socket path. */
function lockName(path: string): string {
  return `\0hv-switch-${createHash('sha256').update(path).digest('hex').slice(0, 32)}`;
}

/**
 * A NIC backend attached to switch `name`: connects to the switch, serving it when nobody else
 * does, and reconnects (taking over if needed) when the connection drops.
 */
export class SwitchBackend extends StreamLink {
  readonly path: string;
  /** The switch, while this process owns it. */
  server: SwitchServer | undefined;
  private lock: Server | undefined;
  private closedFlag = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private attempts = 0;
  private everConnected = false;
  private readonly log: (line: string) => void;
  private readonly label: string;
  private connectedWaiters: (() => void)[] = [];

  constructor(private readonly o: SwitchBackendOptions) {
    super(1 << 20, () => this.lost());
    this.path = switchSocketPath(o.name, o.dir ?? switchDir());
    this.log = o.log ?? (() => {});
    this.label = `switch ${o.name}`;
    this.connect();
  }

  /** Resolves once connected to the switch (tests, start-up). */
  whenConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((r) => this.connectedWaiters.push(r));
  }

  private connect(): void {
    if (this.closedFlag) return;
    this.retryTimer = undefined;
    const s = createConnection(this.path);
    s.once('connect', () => {
      s.removeAllListeners('error');
      if (this.closedFlag) { s.destroy(); return; }
      this.attempts = 0;
      if (this.everConnected) this.log(`${this.label}: reconnected`);
      this.everConnected = true;
      this.attach(s);
      for (const w of this.connectedWaiters.splice(0)) w();
    });
    s.once('error', () => { s.destroy(); this.takeOver(); });
  }

  /** Connection failed: become the owner if nobody is, else try again shortly. */
  private takeOver(): void {
    if (this.closedFlag) return;
    if (this.server !== undefined) { this.retry(); return; }
    const lock = createServer((c) => c.destroy()); // nobody needs to talk to the lock
    lock.once('error', () => { lock.close(); this.retry(); });
    lock.listen(lockName(this.path), () => {
      if (this.closedFlag) { lock.close(); return; }
      this.lock = lock;
      // We hold the lock, so any socket file is stale (its owner died): replace it.
      try { unlinkSync(this.path); } catch { /* none */ }
      SwitchServer.listen(this.path, this.o.switchOptions).then((srv) => {
        if (this.closedFlag) { srv.close(); this.releaseOwnership(); return; }
        this.server = srv;
        this.connect();
      }, (e: Error) => {
        this.log(`${this.label}: cannot listen on ${this.path}: ${e.message}`);
        this.releaseOwnership();
        this.retry();
      });
    });
  }

  private retry(): void {
    if (this.closedFlag || this.retryTimer !== undefined) return;
    const delay = Math.min(1000, 10 * 2 ** Math.min(this.attempts++, 7)) * (0.5 + Math.random());
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  /** The connection to the switch dropped (its owner exited): reconnect, taking over if needed. */
  private lost(): void {
    if (this.closedFlag) return;
    this.log(`${this.label}: connection lost; reconnecting`);
    this.retry();
  }

  private releaseOwnership(): void {
    if (this.server !== undefined) {
      this.server.close();
      this.server = undefined;
      try { unlinkSync(this.path); } catch { /* gone */ }
    }
    this.lock?.close();
    this.lock = undefined;
  }

  override close(): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    super.close();
    this.releaseOwnership();
  }
}

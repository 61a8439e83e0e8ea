/**
 * User-mode networking through passt (https://passt.top, Debian package `passt`): one passt
 * process per NIC, owned by hv, speaking the length-prefixed frame stream that QEMU's
 * `-netdev stream` speaks. passt gives the guest DHCP (and NDP/DHCPv6), DNS forwarding, outbound
 * TCP/UDP/ICMP through ordinary host sockets (no privileges, no tap), and port forwards from the
 * host to the guest (`-t`/`-u`).
 *
 * How hv runs it (checked against passt 0.0~git20230309, Debian bookworm, and later versions):
 *
 *   passt --foreground --quiet --one-off --socket DIR/passt-RANDOM.sock --pid DIR/passt.pid
 *         [-t ADDR/HOSTPORT:GUESTPORT]…
 *
 * - `--socket` in a fresh private directory, with an unguessable name: hv connects as passt's
 *   only client, then deletes the directory. Not `--fd` with a socket pair: passt enlarges its
 *   socket's send buffer (SO_SNDBUF, up to net.core.wmem_max) only for connections it accepts
 *   itself, and with the default ~208 KiB buffer it drops the frames of a TCP burst that do not
 *   fit (sent with MSG_DONTWAIT) and waits for its 2-second retransmission timer: bulk transfers
 *   into the guest crawled at ~1 MB/s instead of ~35 MB/s.
 * - `--one-off`: passt exits when that connection closes, i.e. when hv exits for any reason
 *   (even SIGKILL). hv also kills it on close() and from a process 'exit' handler.
 * - `--pid`: passt writes its pid file after it has parsed its options and bound the forwarded
 *   ports, right before it starts serving; hv waits for that file and the socket (or passt's
 *   exit, whose stderr then becomes the error message, e.g. "Failed to bind any port for '-t …'").
 * - As root, passt drops to user `nobody` before it binds its socket and writes the pid file, so
 *   the directory must be writable by `nobody`: mode 0o1733, which only root can list.
 * - Addressing is passt's default: the guest gets the host's own address, prefix and gateway
 *   (from the interface with the default route), and connections from the guest to the
 *   gateway address reach the host's loopback ("map-gw"). A host without a default route makes
 *   passt refuse to start ("External interface not usable").
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createConnection, type Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { UserError } from '../../base/errors.js';
import { StreamLink } from './stream-link.js';
import { AckCoalescer } from './ack-coalescer.js';

/** One host → guest port forward. */
export interface HostForward {
  proto: 'tcp' | 'udp';
  /** Host address to bind (default: all addresses). */
  hostAddr?: string;
  hostPort: number;
  guestPort: number;
}

export interface PasstOptions {
  forwards?: readonly HostForward[];
  /** Name for log lines, e.g. "net0". */
  name?: string;
  /** Where passt's later messages (after start-up) go. */
  log?: (line: string) => void;
  /** The passt executable (default: found on PATH). */
  passtPath?: string;
  /** Milliseconds to wait for passt to come up (default 10 000). */
  startTimeoutMs?: number;
}

/** The install hint shown when passt is missing. */
export const PASST_INSTALL_HINT = 'install it with: sudo apt-get install passt';

/** Finds the passt executable on PATH (Debian installs it as /usr/bin/passt); undefined if absent. */
export function findPasst(path = process.env['PATH'] ?? ''): string | undefined {
  for (const d of path.split(delimiter).filter(Boolean)) {
    const p = join(d, 'passt');
    try { accessSync(p, constants.X_OK); return p; } catch { /* next */ }
  }
  return undefined;
}

/** passt's command-line arguments for the forwards (-t/-u ADDR/HOST:GUEST). */
export function passtForwardArgs(forwards: readonly HostForward[]): string[] {
  const args: string[] = [];
  for (const f of forwards) {
    args.push(f.proto === 'tcp' ? '-t' : '-u', `${f.hostAddr ? `${f.hostAddr}/` : ''}${f.hostPort}:${f.guestPort}`);
  }
  return args;
}

/** Lines of passt's stderr worth showing (its syslog fallback chatter removed). */
function meaningful(lines: string[]): string[] {
  return lines.map((l) => l.trim()).filter((l) => l !== '' && !/^Failed to send \d+ bytes to syslog$/.test(l) && !/^Don't run as root/.test(l));
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Synchronous last resort; --one-off ends passt when hv's connection closes even when this cannot run (SIGKILL).
  process.on('exit', () => { for (const c of running) { try { c.kill('SIGKILL'); } catch { /* gone */ } } });
}

/** A passt process serving one client on a private UNIX socket (see the header). */
export interface PasstProcess {
  readonly child: ChildProcess;
  /** Where to connect (QEMU: `-netdev stream,server=off,addr.type=unix,addr.path=…`). */
  readonly socketPath: string;
  /** passt's stderr so far (last 50 lines, syslog chatter removed). */
  messages(): string[];
  /** Removes the socket's directory (once the client is connected). */
  cleanup(): void;
  /** Ends passt (SIGTERM) and cleans up. */
  stop(): void;
}

/**
 * Starts passt with the given forwards and resolves once it is ready for its client; rejects with
 * a UserError if passt is missing, fails (e.g. a forwarded port is taken) or does not come up.
 */
export async function launchPasst(o: PasstOptions = {}): Promise<PasstProcess> {
  const name = o.name ?? 'net';
  const bin = o.passtPath ?? findPasst();
  if (bin === undefined) {
    throw new UserError(`--net user needs passt (user-mode networking), which is not installed; ${PASST_INSTALL_HINT}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'hv-passt-'));
  // As root, passt binds its socket and writes its pid file as "nobody".
  if (process.getuid?.() === 0) chmodSync(dir, 0o1733);
  const pidFile = join(dir, 'passt.pid');
  // Unguessable, in a directory nobody else can list: no one can connect before hv does.
  const socketPath = join(dir, `passt-${randomBytes(12).toString('hex')}.sock`);
  const args = ['--foreground', '--quiet', '--one-off', '--socket', socketPath, '--pid', pidFile, ...passtForwardArgs(o.forwards ?? [])];
  const cleanup = (): void => { rmSync(dir, { recursive: true, force: true }); };
  let child: ChildProcess;
  try {
    child = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    cleanup();
    throw new UserError(`cannot start passt (${bin}): ${(e as Error).message}`);
  }
  installExitHook();
  running.add(child);
  child.on('exit', () => running.delete(child));
  const stderr: string[] = [];
  let partial = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    const lines = (partial + s).split('\n');
    partial = lines.pop()!;
    stderr.push(...meaningful(lines));
    if (stderr.length > 50) stderr.splice(0, stderr.length - 50);
  });
  const proc: PasstProcess = {
    child,
    socketPath,
    messages: () => meaningful([...stderr, partial]),
    cleanup,
    stop: () => {
      running.delete(child);
      if (child.exitCode === null && child.signalCode === null) { try { child.kill('SIGTERM'); } catch { /* gone */ } }
      cleanup();
    },
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timeoutMs = o.startTimeoutMs ?? 10_000;
      const t0 = Date.now();
      let done = false;
      const finish = (err?: UserError): void => {
        if (done) return;
        done = true;
        clearInterval(poll);
        child.off('exit', onExit);
        if (err) reject(err); else resolve();
      };
      const poll = setInterval(() => {
        let pid = '';
        try { pid = readFileSync(pidFile, 'utf8'); } catch { /* not yet */ }
        let sock = false;
        try { sock = statSync(socketPath).isSocket(); } catch { /* not yet */ }
        if (/^\d+\s*$/.test(pid) && sock) finish();
        else if (Date.now() - t0 > timeoutMs) finish(new UserError(`${name}: passt did not start within ${timeoutMs / 1000} s`));
      }, 5);
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        // Let the last stderr bytes arrive before composing the message.
        setImmediate(() => {
          const msg = proc.messages();
          finish(new UserError(`${name}: passt exited during start-up (${signal ?? `status ${code}`})${msg.length ? `: ${msg.join('; ')}` : ''}`));
        });
      };
      child.once('exit', onExit);
      child.once('error', (e) => finish(new UserError(`${name}: passt could not run (${bin}): ${e.message}`)));
    });
  } catch (e) {
    proc.stop();
    throw e;
  }
  return proc;
}

/** Connects to a ready passt, retrying briefly while its socket is bound but not yet listening. */
function connectTo(path: string, timeoutMs: number): Promise<Socket> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      const s = createConnection(path);
      s.once('connect', () => { s.removeAllListeners('error'); resolve(s); });
      s.once('error', (e) => {
        s.destroy();
        if (Date.now() - t0 > timeoutMs) reject(e); else setTimeout(attempt, 5);
      });
    };
    attempt();
  });
}

/** A NIC backend served by a passt child process. */
export class PasstBackend extends StreamLink {
  private closing = false;
  /** The guest's pure ACKs reach passt coalesced (./ack-coalescer.ts). */
  readonly acks = new AckCoalescer((f) => super.send(f));

  private constructor(readonly passt: PasstProcess) {
    super();
  }

  get child(): ChildProcess { return this.passt.child; }

  /** Starts passt, connects to it and resolves once it serves; rejects with a UserError if it is missing or fails. */
  static async start(o: PasstOptions = {}): Promise<PasstBackend> {
    const name = o.name ?? 'net';
    const passt = await launchPasst(o);
    let sock: Socket;
    try {
      sock = await connectTo(passt.socketPath, o.startTimeoutMs ?? 10_000);
    } catch (e) {
      passt.stop();
      throw new UserError(`${name}: cannot connect to passt: ${(e as Error).message}`);
    }
    passt.cleanup();
    const be = new PasstBackend(passt);
    passt.child.on('exit', (code, signal) => {
      if (be.closing) return;
      const msg = passt.messages().filter((l) => !/^(UNIX domain socket bound|You can now start|kvm |or qrap|\.\/qrap)/.test(l));
      o.log?.(`${name}: passt exited (${signal ?? `status ${code}`}); this NIC is disconnected${msg.length ? `: ${msg.slice(-3).join('; ')}` : ''}`);
    });
    be.attach(sock);
    return be;
  }

  override send(frame: Uint8Array): boolean { return this.acks.send(frame); }

  override close(): void {
    if (this.closing) return;
    this.closing = true;
    this.acks.discard();
    super.close();
    this.passt.stop();
  }
}

/**
 * `hv daemon`: the host service. State directory (`$HV_STATE_DIR`, else `$XDG_STATE_HOME/hv`, else
 * `~/.local/state/hv`, mode 0700) holds `token` (0600, created at first start), `hv.db` (SQLite, WAL),
 * `daemon.json` (pid, port, socket: how the CLI finds the daemon), `hv.sock` (UNIX socket) and `vms/<id>/`.
 * VM processes are detached: stopping the daemon leaves them running; the next daemon re-attaches.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { randomBytes } from 'node:crypto';
import { cpus, homedir, totalmem } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../base/errors.js';
import { Store } from './store.js';
import { VmManager } from './manager.js';
import { buildServer } from './server.js';
import { loadTls, type TlsMaterial, type TlsOptions } from './tls.js';

export const DEFAULT_PORT = 7420;

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['HV_STATE_DIR']) return env['HV_STATE_DIR'];
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'hv');
}

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'hv');
}

export interface DaemonInfo {
  pid: number; port: number; host: string; socket: string; startedAt: string;
  /** With TLS: the certificate the TCP listener serves (clients trust it as their CA) and its SHA-256 fingerprint. */
  tls?: { ca: string; fingerprint256: string };
}

export interface DaemonOptions {
  stateDir?: string;
  port?: number;
  host?: string;
  overcommitRatio?: number;
  hostMemoryBytes?: number;
  vmEnv?: NodeJS.ProcessEnv;
  /** HTTPS on the TCP listener (the UNIX socket stays plain HTTP: it is mode 0600 and local). */
  tls?: TlsOptions;
}

export interface RunningDaemon { info: DaemonInfo; token: string; manager: VmManager; close(): Promise<void> }

function isAlive(pid: number): boolean { try { process.kill(pid, 0); return true; } catch { return false; } }

/** Reads or creates the bearer token (mode 0600). */
export function ensureToken(dir: string): string {
  const p = join(dir, 'token');
  if (existsSync(p)) return readFileSync(p, 'utf8').trim();
  const t = randomBytes(32).toString('hex');
  writeFileSync(p, t + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(p, 0o600);
  return t;
}

export async function startDaemon(o: DaemonOptions = {}): Promise<RunningDaemon> {
  const dir = o.stateDir ?? stateDir();
  mkdirSync(join(dir, 'vms'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'images'), { recursive: true });
  const infoPath = join(dir, 'daemon.json');
  try {
    const old = JSON.parse(readFileSync(infoPath, 'utf8')) as DaemonInfo;
    if (old.pid !== process.pid && isAlive(old.pid)) throw new UserError(`a daemon is already running for ${dir} (pid ${old.pid}, port ${old.port})`);
  } catch (e) { if (e instanceof UserError) throw e; }
  const token = ensureToken(dir);
  const store = new Store(join(dir, 'hv.db'));
  const envOver = Number(process.env['HV_OVERCOMMIT']);
  const envMem = Number(process.env['HV_HOST_MEMORY_MIB']);
  const manager = new VmManager(store, {
    stateDir: dir,
    allowedDirs: [imageCacheDir()],
    hostMemoryBytes: o.hostMemoryBytes ?? (envMem > 0 ? envMem * 1048576 : totalmem()),
    hostCpus: cpus().length,
    overcommitRatio: o.overcommitRatio ?? (envOver > 0 ? envOver : 1.5),
    ...(o.vmEnv ? { vmEnv: o.vmEnv } : {}),
  });
  await manager.init();
  const tokenPath = join(dir, 'token');
  let tls: TlsMaterial | undefined;
  try { tls = o.tls ? loadTls(dir, o.tls) : undefined; } catch (e) { manager.close(); store.close(); throw e; }
  const app = await buildServer(manager, { token, tokenPath, ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}) });
  const host = o.host ?? '127.0.0.1';
  try {
    await app.listen({ port: o.port ?? DEFAULT_PORT, host });
  } catch (e) {
    manager.close();
    store.close();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot listen on ${host}:${o.port ?? DEFAULT_PORT}: ${code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : (e as Error).message}`);
  }
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : (o.port ?? DEFAULT_PORT);
  // The UNIX socket forwards to the TCP listener (same auth, WebSockets included).
  const sockPath = join(dir, 'hv.sock');
  rmSync(sockPath, { force: true });
  // With TLS it opens a TLS connection to the listener and pipes only once the peer has shown our own certificate.
  const unix: Server = createServer((c) => {
    c.pause();
    const t = tls ? tlsConnect({ port, host, rejectUnauthorized: false, servername: 'localhost' }) : connect(port, host);
    const pipe = (): void => { c.pipe(t).pipe(c); c.resume(); };
    if (tls) {
      const fp = tls.fingerprint256;
      (t as TLSSocket).once('secureConnect', () => { if ((t as TLSSocket).getPeerCertificate().fingerprint256 === fp) pipe(); else { t.destroy(); c.destroy(); } });
    } else pipe();
    t.on('error', () => c.destroy()); c.on('error', () => t.destroy());
  });
  await new Promise<void>((r) => unix.listen(sockPath, r));
  chmodSync(sockPath, 0o600);
  const info: DaemonInfo = { pid: process.pid, port, host, socket: sockPath, startedAt: new Date().toISOString(), ...(tls ? { tls: { ca: tls.certFile, fingerprint256: tls.fingerprint256 } } : {}) };
  writeFileSync(infoPath, JSON.stringify(info));
  manager.event(null, 'daemon', `daemon started (pid ${process.pid}, port ${port}, schema v${store.schemaVersion()})`);
  return {
    info, token, manager,
    close: async () => {
      manager.close();
      unix.close();
      await app.close();
      store.close();
      rmSync(infoPath, { force: true });
      rmSync(sockPath, { force: true });
    },
  };
}

/** Foreground daemon for `hv daemon`; returns when SIGTERM/SIGINT arrives. */
export async function runDaemonForeground(o: DaemonOptions): Promise<number> {
  const d = await startDaemon(o);
  process.stderr.write(`hv daemon: listening on ${d.info.tls ? 'https' : 'http'}://${d.info.host}:${d.info.port} and ${d.info.socket} (token in ${join(o.stateDir ?? stateDir(), 'token')})\n`);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await d.close();
  process.stderr.write('hv daemon: stopped (VMs keep running and are re-attached at the next start)\n');
  return 0;
}

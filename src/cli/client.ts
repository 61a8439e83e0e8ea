/**
 * The CLI's HTTP client for the daemon's REST API: finds the daemon through `<state>/daemon.json` (or
 * HV_DAEMON_URL) and its bearer token in `<state>/token` (or HV_TOKEN), talks JSON over HTTP or HTTPS (trusting
 * the certificate daemon.json names, or HV_CA), and turns API errors into one-line UserErrors.
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { PeerCertificate } from 'node:tls';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../base/errors.js';

export function cliStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['HV_STATE_DIR']) return env['HV_STATE_DIR'];
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'hv');
}

export interface Endpoint {
  base: string;
  token: string;
  /** HTTPS: the certificate (or CA) to trust, from daemon.json's `tls.ca` or HV_CA. */
  ca?: Buffer;
  /** HTTPS to the local daemon: its certificate's SHA-256 fingerprint, checked instead of the host name. */
  fingerprint256?: string;
}

export function findDaemon(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const dir = cliStateDir(env);
  let base = env['HV_DAEMON_URL'];
  let caFile = env['HV_CA'];
  let fingerprint256: string | undefined;
  if (base === undefined) {
    let info: { host: string; port: number; pid: number; tls?: { ca: string; fingerprint256: string } };
    try { info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as typeof info; } catch {
      throw new UserError(`the hv daemon is not running (no ${join(dir, 'daemon.json')}); start it with 'hv up' or 'hv daemon'`, { exitStatus: 3 });
    }
    base = `${info.tls ? 'https' : 'http'}://${info.host}:${info.port}`;
    if (info.tls) { caFile ??= info.tls.ca; fingerprint256 = info.tls.fingerprint256; }
  }
  let token = env['HV_TOKEN'];
  if (token === undefined) {
    try { token = readFileSync(join(dir, 'token'), 'utf8').trim(); } catch (e) {
      throw new UserError(`cannot read the daemon's token ${join(dir, 'token')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitStatus: 3 });
    }
  }
  let ca: Buffer | undefined;
  if (caFile !== undefined && base.startsWith('https:')) {
    try { ca = readFileSync(caFile); } catch (e) { throw new UserError(`cannot read the daemon's TLS certificate ${caFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitStatus: 3 }); }
  }
  return { base, token, ...(ca ? { ca } : {}), ...(fingerprint256 ? { fingerprint256 } : {}) };
}

/** TLS options for a connection to the daemon (node:https and ws take the same ones). */
export function tlsOptions(ep: Endpoint): { ca?: Buffer; checkServerIdentity?: (host: string, cert: PeerCertificate) => Error | undefined } {
  const fp = ep.fingerprint256;
  return {
    ...(ep.ca ? { ca: ep.ca } : {}),
    ...(fp ? { checkServerIdentity: (_h: string, cert: PeerCertificate) => cert.fingerprint256 === fp ? undefined : new Error(`the daemon's certificate changed (fingerprint ${cert.fingerprint256}, expected ${fp})`) } : {}),
  };
}

/** One request to the daemon; resolves with the response (body unread) or rejects with a UserError. */
export function request(ep: Endpoint, method: string, path: string, body?: unknown): Promise<IncomingMessage> {
  const url = new URL(ep.base + path);
  const payload = body !== undefined ? Buffer.from(JSON.stringify(body)) : undefined;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(url, {
      method,
      headers: { authorization: `Bearer ${ep.token}`, ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}) },
      ...tlsOptions(ep),
    }, resolve);
    req.on('error', (e) => reject(new UserError(`cannot reach the hv daemon at ${ep.base}: ${e.message}`, { exitStatus: 3 })));
    req.end(payload);
  });
}

export async function api<T = unknown>(ep: Endpoint, method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(ep, method, path, body);
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    let msg = text;
    try { msg = (JSON.parse(text) as { message: string }).message; } catch { /* plain text */ }
    throw new UserError(msg, { exitStatus: status === 404 ? 4 : status >= 500 ? 70 : 2 });
  }
  if ((res.headers['content-type'] ?? '').includes('application/json')) return JSON.parse(text) as T;
  return text as T;
}

/**
 * The CLI's HTTP client for the daemon's REST API: finds the daemon through `<state>/daemon.json` (or
 * HV_DAEMON_URL) and its bearer token in `<state>/token` (or HV_TOKEN), talks JSON, and turns API errors into
 * one-line UserErrors.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../base/errors.js';

export function cliStateDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['HV_STATE_DIR']) return env['HV_STATE_DIR'];
  return join(env['XDG_STATE_HOME'] || join(homedir(), '.local', 'state'), 'hv');
}

export interface Endpoint { base: string; token: string }

export function findDaemon(env: NodeJS.ProcessEnv = process.env): Endpoint {
  const dir = cliStateDir(env);
  let base = env['HV_DAEMON_URL'];
  if (base === undefined) {
    let info: { host: string; port: number; pid: number };
    try { info = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as typeof info; } catch {
      throw new UserError(`the hv daemon is not running (no ${join(dir, 'daemon.json')}); start it with 'hv up' or 'hv daemon'`, { exitStatus: 3 });
    }
    base = `http://${info.host}:${info.port}`;
  }
  let token = env['HV_TOKEN'];
  if (token === undefined) {
    try { token = readFileSync(join(dir, 'token'), 'utf8').trim(); } catch (e) {
      throw new UserError(`cannot read the daemon's token ${join(dir, 'token')}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitStatus: 3 });
    }
  }
  return { base, token };
}

export async function api<T = unknown>(ep: Endpoint, method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(ep.base + path, {
      method,
      headers: { authorization: `Bearer ${ep.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (e) {
    throw new UserError(`cannot reach the hv daemon at ${ep.base}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`, { exitStatus: 3 });
  }
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try { msg = (JSON.parse(text) as { message: string }).message; } catch { /* plain text */ }
    throw new UserError(msg, { exitStatus: res.status === 404 ? 4 : res.status >= 500 ? 70 : 2 });
  }
  if ((res.headers.get('content-type') ?? '').includes('application/json')) return JSON.parse(text) as T;
  return text as T;
}

/**
 * The daemon with TLS (`hv up --tls`): a self-signed certificate is made once in the state directory, the TCP
 * port speaks only HTTPS, the CLI trusts the certificate daemon.json names (API calls, SSE events and the
 * WebSocket console), the UNIX socket stays plain HTTP with the same token, and bad TLS options get clear errors.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VmInfo } from '../../src/api/types.js';
import { projectRoot } from '../isa/build.js';
import { buildGuests, toolchain } from './guests.js';

const HAVE_OPENSSL = spawnSync('openssl', ['version']).status === 0;
const skip = !toolchain ? 'the RISC-V cross compiler is not installed' : !HAVE_OPENSSL ? 'openssl is not installed' : false;
const HV = join(projectRoot(), 'bin', 'hv.js');
let dir = '';
const env = (): NodeJS.ProcessEnv => ({ ...process.env, HV_STATE_DIR: dir, HV_NO_CGROUP: '1' });
const hv = (args: string[], input?: string): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [HV, ...args], { env: env(), encoding: 'utf8', timeout: 30_000, ...(input !== undefined ? { input } : {}) });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};
interface Info { pid: number; port: number; socket: string; tls?: { ca: string; fingerprint256: string } }
const info = (): Info => JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as Info;

/** GET over plain HTTP (TCP port or UNIX socket) or HTTPS; resolves with status and body, or the error. */
function get(kind: 'http' | 'https' | 'unix', path: string, opts: { ca?: Buffer } = {}): Promise<{ status: number; body: string } | Error> {
  const i = info();
  const token = readFileSync(join(dir, 'token'), 'utf8').trim();
  return new Promise((resolve) => {
    const headers = { authorization: `Bearer ${token}` };
    const done = (res: import('node:http').IncomingMessage): void => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => { body += c; }).on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    };
    const req = kind === 'https'
      ? httpsRequest({ host: '127.0.0.1', port: i.port, path, headers, ...(opts.ca ? { ca: opts.ca } : {}) }, done)
      : httpRequest(kind === 'unix' ? { socketPath: i.socket, path, headers } : { host: '127.0.0.1', port: i.port, path, headers }, done);
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(e));
    req.end();
  });
}

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'hv-tls-'));
  mkdirSync(join(dir, 'images'), { recursive: true });
  buildGuests(join(dir, 'images'));
});

after(() => {
  if (skip) return;
  hv(['down', '--all']);
  rmSync(dir, { recursive: true, force: true });
});

describe('daemon over TLS', { skip }, () => {
  test('bad TLS options: clear errors, no daemon left running', () => {
    const half = hv(['daemon', '--port', '0', '--tls-cert', '/nonexistent.pem']);
    assert.equal(half.status, 2, half.stderr);
    assert.match(half.stderr, /--tls-cert and --tls-key go together/);
    const missing = hv(['daemon', '--port', '0', '--tls-cert', '/nonexistent.pem', '--tls-key', '/nonexistent.key']);
    assert.equal(missing.status, 2, missing.stderr);
    assert.match(missing.stderr, /cannot read the TLS certificate \/nonexistent\.pem: ENOENT/);
    // A certificate with somebody else's key.
    const a = join(dir, 'a'), b = join(dir, 'b');
    for (const p of [a, b]) {
      assert.equal(spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=x', '-keyout', `${p}.key`, '-out', `${p}.pem`]).status, 0);
    }
    const wrong = hv(['up', '--port', '0', '--tls-cert', `${a}.pem`, '--tls-key', `${b}.key`]);
    assert.notEqual(wrong.status, 0);
    assert.match(wrong.stderr, /is not the key of the certificate/);
    writeFileSync(`${b}.pem`, 'not a certificate\n');
    const garbage = hv(['daemon', '--port', '0', '--tls-cert', `${b}.pem`, '--tls-key', `${b}.key`]);
    assert.equal(garbage.status, 2, garbage.stderr);
    assert.match(garbage.stderr, /is not a PEM certificate/);
  });

  test('hv up --tls: HTTPS only on the TCP port, the CLI trusts the self-signed certificate, the UNIX socket stays HTTP', async () => {
    const up = hv(['up', '--port', '0', '--tls']);
    assert.equal(up.status, 0, up.stderr);
    assert.match(up.stdout, /https:\/\/127\.0\.0\.1:\d+/);
    const i = info();
    assert.ok(i.tls, 'daemon.json names the certificate');
    assert.equal(statSync(join(dir, 'tls', 'key.pem')).mode & 0o777, 0o600);
    const ca = readFileSync(i.tls.ca);

    const tlsOk = await get('https', '/v1/host', { ca });
    assert.ok(!(tlsOk instanceof Error), String(tlsOk));
    assert.equal(tlsOk.status, 200);
    const untrusted = await get('https', '/v1/host');
    assert.ok(untrusted instanceof Error && /self[- ]signed/i.test(untrusted.message), `no CA: ${String(untrusted)}`);
    const plain = await get('http', '/v1/host');
    assert.ok(plain instanceof Error || plain.status === 400, `plain HTTP on the TLS port: ${JSON.stringify(plain)}`);
    const unix = await get('unix', '/v1/host');
    assert.ok(!(unix instanceof Error), String(unix));
    assert.equal(unix.status, 200);
    const unauth = await new Promise<number>((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port: i.port, path: '/v1/vms', ca, headers: { authorization: 'Bearer nope' } }, (res) => { res.resume(); resolve(res.statusCode ?? 0); });
      req.on('error', () => resolve(-1));
      req.end();
    });
    assert.equal(unauth, 401);

    // The CLI over HTTPS: create and start a VM, list it, read events, attach to its console over wss.
    const create = hv(['vm', 'create', 'tls1', '--kernel', 'heartbeat.elf', '--bios', 'none', '-m', '32M', '--start', '--json']);
    assert.equal(create.status, 0, create.stderr);
    assert.equal((JSON.parse(create.stdout) as VmInfo).state, 'running');
    const ls = hv(['vm', 'ls', '--json']);
    assert.equal(ls.status, 0, ls.stderr);
    assert.deepEqual((JSON.parse(ls.stdout) as VmInfo[]).map((v) => v.name), ['tls1']);
    const ev = hv(['events', '--json']);
    assert.equal(ev.status, 0, ev.stderr);
    assert.match(ev.stdout, /"type":"state"/);
    const con = hv(['vm', 'console', 'tls1'], '');
    assert.equal(con.status, 0, con.stderr);
    assert.match(con.stdout, /hb/);

    // A changed certificate is refused by the CLI (pinned fingerprint in daemon.json).
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify({ ...i, tls: { ...i.tls, fingerprint256: 'AA:BB' } }));
    const pinned = hv(['vm', 'ls']);
    assert.equal(pinned.status, 3, pinned.stderr);
    assert.match(pinned.stderr, /certificate changed/);
    writeFileSync(join(dir, 'daemon.json'), JSON.stringify(i));
    const rm = hv(['vm', 'rm', 'tls1']);
    assert.equal(rm.status, 0, rm.stderr);
  });
});

/**
 * `hv daemon` as a real process: kill -9 of the daemon leaves its VMs running; the next daemon re-attaches
 * them (same pid, console still live, control still works) and reports a VM whose process vanished meanwhile
 * as `lost`, not forgets it. Also a CLI round trip (`hv vm …`, `hv host`, `hv events`) against that daemon.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import type { VmInfo } from '../../src/api/types.js';
import { projectRoot } from '../isa/build.js';
import { buildGuests, toolchain } from './guests.js';
import { ApiClient, sleep, waitFor } from './helpers.js';

const skip = toolchain ? false : 'the RISC-V cross compiler is not installed';
const HV = join(projectRoot(), 'bin', 'hv.js');
let dir = '';
let daemon: ChildProcess | undefined;
const vmPids = new Set<number>();
const env = (): NodeJS.ProcessEnv => ({ ...process.env, HV_STATE_DIR: dir, HV_NO_CGROUP: '1' });

async function startDaemon(): Promise<ApiClient> {
  const child = spawn(process.execPath, [HV, 'daemon', '--port', '0'], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => { err += s; });
  daemon = child;
  const info = await waitFor(`daemon.json (daemon stderr: ${err})`, () => {
    try { const i = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')) as { pid: number; port: number }; return i.pid === child.pid ? i : undefined; } catch { return undefined; }
  });
  const api = new ApiClient(`http://127.0.0.1:${info.port}`, readFileSync(join(dir, 'token'), 'utf8').trim());
  await api.loadOpenApi();
  return api;
}

const hv = (args: string[]): { status: number | null; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, [HV, ...args], { env: env(), encoding: 'utf8', timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

before(() => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'hv-restart-'));
  mkdirSync(join(dir, 'images'), { recursive: true });
  buildGuests(join(dir, 'images'));
});

after(() => {
  if (skip) return;
  try { daemon?.kill('SIGKILL'); } catch { /* gone */ }
  for (const pid of vmPids) { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }
  rmSync(dir, { recursive: true, force: true });
});

describe('daemon kill -9 and restart', { skip }, () => {
  test('running VMs keep running and are re-attached; a vanished one is reported lost', async () => {
    let api = await startDaemon();
    const mk = async (name: string): Promise<VmInfo> => {
      const r = await api.call('POST', '/v1/vms?start=true', { name, kernel: 'heartbeat.elf', bios: 'none', memoryMiB: 32 });
      assert.equal(r.status, 201, r.text);
      const v = r.body as VmInfo;
      vmPids.add(v.pid!);
      return v;
    };
    const keep = await mk('keep');
    const gone = await mk('gone');
    await sleep(300);

    daemon!.kill('SIGKILL');
    await new Promise((r) => daemon!.once('exit', r));
    process.kill(gone.pid!, 'SIGKILL');
    await sleep(300);
    process.kill(keep.pid!, 0); // still alive without its daemon

    api = await startDaemon();
    const k = (await api.call('GET', '/v1/vms/keep')).body as VmInfo;
    assert.equal(k.state, 'running');
    assert.equal(k.pid, keep.pid);
    assert.ok(k.stats !== null && k.stats.guestInstructions > 0, 'stats come from the re-attached VM process');
    const g = (await api.call('GET', '/v1/vms/gone')).body as VmInfo;
    assert.equal(g.state, 'lost');
    assert.match(g.reason ?? '', /vanished while the daemon was down/);

    const ws = new WebSocket(`${api.base.replace('http', 'ws')}/v1/vms/keep/console`, { headers: { authorization: `Bearer ${api.token}` } });
    let text = '';
    ws.on('message', (b: Buffer) => { text += b.toString(); });
    await waitFor('scrollback and live beats after re-attach', () => (text.match(/\n/g) ?? []).length >= 5);
    ws.close();
    const evs = (await api.call('GET', '/v1/events?follow=false')).text;
    assert.match(evs, /re-attached after a daemon restart/);

    const p = await api.call('POST', '/v1/vms/keep/pause');
    assert.equal((p.body as VmInfo).state, 'paused', 'control works after re-attach');
    const s = await api.call('POST', '/v1/vms/keep/stop?timeoutMs=100');
    assert.equal((s.body as VmInfo).state, 'stopped');
  });

  test('CLI over the API: vm create/ls/show/set/start/stop/rm, host, events', () => {
    let r = hv(['vm', 'create', 'cli1', '--kernel', 'heartbeat.elf', '--bios', 'none', '-m', '32M', '--start', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const v = JSON.parse(r.stdout) as VmInfo;
    vmPids.add(v.pid!);
    assert.equal(v.state, 'running');
    r = hv(['vm', 'ls']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^ID\s+NAME\s+STATE/);
    assert.match(r.stdout, /cli1\s+running/);
    r = hv(['vm', 'set', 'cli1', '--cpu-limit', '0.5', '--cpu-weight', '300']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cpu limit:\s+0\.5/);
    r = hv(['vm', 'show', 'cli1']);
    assert.match(r.stdout, /state:\s+running/);
    r = hv(['host']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /memory:\s+0\.0 GiB allocated/);
    r = hv(['vm', 'show', 'nope']);
    assert.equal(r.status, 4);
    assert.equal(r.stderr, 'hv: no VM with id or name "nope"\n');
    r = hv(['vm', 'create', 'bad', '--kernel', '../../../etc/passwd']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^hv: kernel path .* is outside the allowed directories/);
    r = hv(['vm', 'stop', 'cli1', '--timeout', '0.1']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /cli1 stopped/);
    r = hv(['events', '--vm', 'cli1']);
    assert.match(r.stdout, /created.*cli1: created/);
    r = hv(['vm', 'rm', 'cli1']);
    assert.equal(r.status, 0, r.stderr);
    writeFileSync(join(dir, 'images', 'base.img'), new Uint8Array(1 << 20));
    r = hv(['vm', 'create', 'cli2', '--kernel', 'heartbeat.elf', '--bios', 'none', '--disk', 'c2.qcow2', '--clone', 'base.img', '--net', `switch=hvt-${process.pid},mac=52:54:00:00:00:09`, '--json']);
    assert.equal(r.status, 0, r.stderr);
    const c2 = JSON.parse(r.stdout) as VmInfo;
    assert.deepEqual(c2.spec.disks, [{ path: join(dir, 'images', 'c2.qcow2'), backing: join(dir, 'images', 'base.img') }]);
    assert.deepEqual(c2.spec.nics, [{ kind: 'switch', name: `hvt-${process.pid}`, mac: '52:54:00:00:00:09' }]);
    r = hv(['vm', 'rm', 'cli2', '--disks']);
    assert.equal(r.status, 0, r.stderr);
  });
});

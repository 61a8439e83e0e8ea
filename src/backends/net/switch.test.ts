/** Tests of the host-local switch over real UNIX sockets: ownership, frame exchange, take-over, crash recovery. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwitchBackend, switchDir, switchSocketPath } from './switch.js';
import { isUserError } from '../../base/errors.js';

const BCAST = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
const mac = (n: number): number[] => [0x52, 0x54, 0, 0, 0, n];
const frame = (dst: number[], src: number[], tag: number): Uint8Array => Uint8Array.from([...dst, ...src, 0x88, 0xb5, tag, ...new Array(45).fill(0)]);

function privateDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'hv-switch-test-'));
  chmodSync(d, 0o700);
  return d;
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A member with an inbox of received tags. */
function member(name: string, dir: string): { be: SwitchBackend; inbox: number[] } {
  const be = new SwitchBackend({ name, dir });
  const inbox: number[] = [];
  be.onFrame((f) => inbox.push(f[14]!));
  return { be, inbox };
}

test('switch: the first member owns it; members exchange broadcast and learned unicast frames', async () => {
  const dir = privateDir();
  const a = member('lan', dir), b = member('lan', dir), c = member('lan', dir);
  try {
    await Promise.all([a.be.whenConnected(), b.be.whenConnected(), c.be.whenConnected()]);
    assert.equal([a, b, c].filter((m) => m.be.server !== undefined).length, 1, 'exactly one owner');
    a.be.send(frame(BCAST, mac(1), 1));
    await until(() => b.inbox.length === 1 && c.inbox.length === 1, 'broadcast');
    b.be.send(frame(mac(1), mac(2), 2)); // mac(1) is learnt: only a gets it
    await until(() => a.inbox.length === 1, 'unicast');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual([a.inbox, b.inbox, c.inbox], [[2], [1], [1]]);
  } finally {
    for (const m of [a, b, c]) m.be.close();
  }
  await until(() => !existsSync(switchSocketPath('lan', dir)), 'socket file removed by the last owner');
  rmSync(dir, { recursive: true, force: true });
});

test('switch: when the owner leaves, a member takes over and the others carry on', async () => {
  const dir = privateDir();
  const ms = [member('x', dir), member('x', dir), member('x', dir)];
  await Promise.all(ms.map((m) => m.be.whenConnected()));
  const owner = ms.find((m) => m.be.server !== undefined)!;
  const rest = ms.filter((m) => m !== owner);
  owner.be.close();
  await until(() => rest.some((m) => m.be.server !== undefined) && rest.every((m) => m.be.connected), 'take-over');
  // Connections settle: keep sending until the other member hears it.
  let tag = 10;
  await until(() => { rest[0]!.be.send(frame(BCAST, mac(7), tag++)); return rest[1]!.inbox.length > 0; }, 'traffic after take-over');
  for (const m of rest) m.be.close();
  rmSync(dir, { recursive: true, force: true });
});

test('switch: a stale socket file (owner crashed) is replaced by the next member', async () => {
  const dir = privateDir();
  writeFileSync(switchSocketPath('s', dir), 'not a socket');
  const a = member('s', dir), b = member('s', dir);
  await Promise.all([a.be.whenConnected(), b.be.whenConnected()]);
  a.be.send(frame(BCAST, mac(1), 5));
  await until(() => b.inbox.length === 1, 'frame through the new switch');
  a.be.close(); b.be.close();
  rmSync(dir, { recursive: true, force: true });
});

test('switch: an owner killed with SIGKILL is replaced; its lock dies with it', async () => {
  const dir = privateDir();
  const mod = fileURLToPath(new URL('./switch.js', import.meta.url));
  const script = `import { SwitchBackend } from ${JSON.stringify(mod)};
    const be = new SwitchBackend({ name: 'k', dir: ${JSON.stringify(dir)} });
    await be.whenConnected(); console.log(be.server ? 'owner' : 'member'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const role = await new Promise<string>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(d.toString().trim())));
    assert.equal(role, 'owner');
    const b = member('k', dir);
    await b.be.whenConnected();
    assert.equal(b.be.server, undefined);
    child.kill('SIGKILL');
    await until(() => b.be.server !== undefined && b.be.connected, 'take-over after SIGKILL');
    const c = member('k', dir);
    await c.be.whenConnected();
    b.be.send(frame(BCAST, mac(2), 9));
    await until(() => c.inbox.length === 1, 'traffic through the new owner');
    b.be.close(); c.be.close();
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('switch directory: created private; refused when others can get in; bad names refused', () => {
  const base = privateDir();
  const d = switchDir({ XDG_RUNTIME_DIR: base });
  assert.equal(d, join(base, 'hv'));
  const open = join(base, 'open');
  mkdirSync(join(open, 'hv'), { recursive: true, mode: 0o755 });
  chmodSync(join(open, 'hv'), 0o755);
  assert.throws(() => switchDir({ XDG_RUNTIME_DIR: open }), (e) => isUserError(e) && /mode 0700/.test(e.message));
  assert.throws(() => switchSocketPath('../evil', d), (e) => isUserError(e) && /invalid switch name/.test(e.message));
  rmSync(base, { recursive: true, force: true });
});

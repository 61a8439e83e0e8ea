/**
 * `hv run --net …` on bad input or a broken environment: one line on stderr (`hv: …`), exit status 2,
 * nothing on stdout, no guest started. No guest boots here, so this file is fast.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { HV_BIN, projectRoot } from '../boot/console.js';

interface Result { status: number | null; stdout: string; stderr: string }

function hv(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HV_BIN, ...args], { cwd: projectRoot(), env, stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function rejects(args: string[], re: RegExp, env?: NodeJS.ProcessEnv): Promise<void> {
  const full = ['run', '--timeout', '20', ...args];
  const r = await hv(full, env);
  const show = `hv ${full.join(' ')}\n  status ${r.status}\n  stdout ${JSON.stringify(r.stdout.slice(0, 300))}\n  stderr ${JSON.stringify(r.stderr.slice(0, 500))}`;
  assert.equal(r.status, 2, show);
  assert.equal(r.stdout, '', show);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `one line of error\n${show}`);
  assert.match(lines[0]!, /^hv: /, show);
  assert.match(lines[0]!, re, show);
}

test('hv run --net: bad specs are refused before anything starts', async () => {
  await rejects(['--net', 'user,hostfwd=tcp:127.0.0.1:99999-:80'], /invalid --net "user,hostfwd=tcp:127\.0\.0\.1:99999-:80": .*host port "99999"/);
  await rejects(['--net', 'user,hostfwd=tcp:127.0.0.1:8080-:0'], /guest port "0"/);
  await rejects(['--net', 'tap0'], /invalid --net "tap0": expected "user/);
  await rejects(['--net', 'user,bogus=1'], /unknown option "bogus=1"/);
  await rejects(['--net', 'switch=a b'], /switch name/);
  await rejects(['--net', 'switch=lan,mac=52:54:00:12:34'], /mac=52:54:00:12:34: expected six hex octets/);
  await rejects(['--net', 'switch=lan,mac=52:54:00:00:00:01', '--net', 'user,mac=52:54:00:00:00:01'], /given to two NICs/);
  await rejects(['--net'], /--net/);
});

test('hv run --net user without passt says how to install it (exit 2)', async () => {
  await rejects(['--net', 'user'], /passt.*not installed.*apt-get install passt/, { ...process.env, PATH: '/nonexistent' });
});

test('hv run --net user with a forwarded port already in use fails with passt\'s reason (exit 2)', { skip: spawnSync('sh', ['-c', 'command -v passt']).status !== 0 && 'passt is not installed' }, async () => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  try {
    await rejects(['--net', `user,hostfwd=tcp:127.0.0.1:${port}-:80`], new RegExp(`net0: passt exited during start-up .*bind.*${port}`, 'i'));
  } finally {
    s.close();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCpio, writeCpio, type CpioEntry } from './cpio.js';

const haveCpio = spawnSync('sh', ['-c', 'command -v cpio'], { stdio: 'ignore' }).status === 0;
const SKIP_CPIO = haveCpio ? false : 'the cpio tool is not installed (Debian package `cpio`: sudo apt-get install cpio)';
const isRoot = process.getuid?.() === 0;

const entries: CpioEntry[] = [
  { name: 'bin', type: 'dir' },
  { name: 'bin/busybox', type: 'file', mode: 0o755, data: Buffer.from('#!fake busybox\n') },
  { name: 'bin/sh', type: 'symlink', target: 'busybox' },
  { name: 'bin/[', type: 'symlink', target: 'busybox' },
  { name: 'dev', type: 'dir' },
  { name: 'dev/console', type: 'char', major: 5, minor: 1, mode: 0o600 },
  { name: 'dev/sda', type: 'block', major: 8, minor: 0, mode: 0o660 },
  { name: 'empty', type: 'file', data: Buffer.alloc(0) },
  // sizes that exercise every 4-byte padding case
  { name: 'p1', type: 'file', data: Buffer.from('a') },
  { name: 'p2', type: 'file', data: Buffer.from('ab') },
  { name: 'p3', type: 'file', data: Buffer.from('abc') },
  { name: 'p4', type: 'file', data: Buffer.from('abcd') },
  { name: 'tmp', type: 'dir', mode: 0o1777 },
  { name: 'ünïcode-name', type: 'file', data: Buffer.from('utf8\n') },
];

test('writeCpio → readCpio round-trips entries', () => {
  const buf = writeCpio(entries, { mtime: 1234 });
  assert.equal(buf.length % 512, 0, 'archive padded to 512 bytes');
  assert.equal(buf.toString('ascii', 0, 6), '070701');
  const back = readCpio(buf);
  assert.equal(back.length, entries.length);
  for (const [i, e] of entries.entries()) {
    const b = back[i]!;
    assert.equal(b.name, e.name);
    assert.equal(b.type, e.type);
    assert.equal(b.mtime, 1234);
    if (e.type === 'file') assert.deepEqual(b.data, e.data);
    if (e.type === 'symlink') assert.equal(b.target, e.target);
    if (e.type === 'char' || e.type === 'block') { assert.equal(b.major, e.major); assert.equal(b.minor, e.minor); }
    if (e.mode !== undefined) assert.equal(b.mode, e.mode);
  }
});

test('writeCpio is deterministic and rejects bad names', () => {
  assert.deepEqual(writeCpio(entries), writeCpio(entries));
  assert.throws(() => writeCpio([{ name: 'a/../b', type: 'dir' }]), /bad cpio entry name/);
  assert.throws(() => writeCpio([{ name: 'x', type: 'dir' }, { name: '/x', type: 'dir' }]), /duplicate/);
  assert.throws(() => writeCpio([{ name: 'l', type: 'symlink' }]), /no target/);
});

test('cpio -t lists the archive, including the device nodes and symlinks', { skip: SKIP_CPIO }, () => {
  const buf = writeCpio(entries);
  const r = spawnSync('cpio', ['-itv', '--quiet'], { input: buf });
  assert.equal(r.status, 0, r.stderr.toString());
  const lines = r.stdout.toString().trim().split('\n');
  assert.equal(lines.length, entries.length);
  const line = (name: string): string => lines.find((l) => l.endsWith(` ${name}`) || l.includes(` ${name} -> `))!;
  assert.match(line('dev/console'), /^crw------- .* 5,\s+1 /);
  assert.match(line('dev/sda'), /^brw-rw---- .* 8,\s+0 /);
  assert.match(line('bin/sh'), /^lrwxrwxrwx .* bin\/sh -> busybox$/);
  assert.match(line('bin/busybox'), /^-rwxr-xr-x /);
  assert.match(line('tmp'), /^drwxrwxrwt /);
});

test('cpio -i extracts files, symlinks (and, as root, device nodes)', { skip: SKIP_CPIO }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-cpio-'));
  try {
    const list = isRoot ? entries : entries.filter((e) => e.type !== 'char' && e.type !== 'block');
    const r = spawnSync('cpio', ['-idm', '--quiet', '--no-absolute-filenames'], { input: writeCpio(list), cwd: dir });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.equal(readFileSync(join(dir, 'bin/busybox'), 'utf8'), '#!fake busybox\n');
    assert.equal(statSync(join(dir, 'bin/busybox')).mode & 0o777, 0o755);
    assert.equal(readlinkSync(join(dir, 'bin/sh')), 'busybox');
    assert.equal(readlinkSync(join(dir, 'bin/[')), 'busybox');
    for (const p of ['p1', 'p2', 'p3', 'p4']) assert.equal(readFileSync(join(dir, p), 'utf8'), 'abcd'.slice(0, Number(p[1])));
    assert.equal(readFileSync(join(dir, 'ünïcode-name'), 'utf8'), 'utf8\n');
    assert.equal(statSync(join(dir, 'empty')).size, 0);
    if (isRoot) {
      const st = lstatSync(join(dir, 'dev/console'));
      assert.ok(st.isCharacterDevice());
      assert.equal(st.rdev, (5 << 8) | 1);
      assert.ok(lstatSync(join(dir, 'dev/sda')).isBlockDevice());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('readCpio reads what GNU cpio writes (newc)', { skip: SKIP_CPIO }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hv-cpio-'));
  try {
    spawnSync('sh', ['-c', 'mkdir d && printf hello > d/f && ln -s f d/l'], { cwd: dir });
    const r = spawnSync('cpio', ['-o', '-H', 'newc', '--quiet'], { input: 'd\nd/f\nd/l\n', cwd: dir });
    assert.equal(r.status, 0, r.stderr.toString());
    const back = readCpio(r.stdout);
    assert.deepEqual(back.map((e) => [e.name, e.type]), [['d', 'dir'], ['d/f', 'file'], ['d/l', 'symlink']]);
    assert.equal(back[1]!.data!.toString(), 'hello');
    assert.equal(back[2]!.target, 'f');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

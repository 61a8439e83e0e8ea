/**
 * virtio-blk end to end, through `node bin/hv.js run --drive …` and the serial console:
 *
 *  1. bad --drive input (missing file, unknown format, bad option, truncated qcow2, bad magic,
 *     backing-file loop): one line on stderr, exit status 2, the image files unchanged;
 *  2. one VM, two disks: on vda (a raw ext4 image made on the host with mke2fs) the guest writes
 *     files, syncs and powers off — the host reads them back with debugfs and `e2fsck -fn` is clean;
 *     vdb is an hv qcow2 overlay (`hv image create --backing`) on a qemu-img-made qcow2 base: the guest
 *     reads the base's file and writes a new one — the base is unchanged (hash), `qemu-img check`
 *     passes on the overlay and the file system in it is clean;
 *  3. a root disk: `hv image build --format raw`, converted to qcow2 by qemu-img, boots as / with
 *     `root=/dev/vda` (the initramfs switches root to its busybox init).
 *
 * Needs the default image (pulled on first use), e2fsprogs and qemu-utils.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HvConsole, HV_BIN, projectRoot } from '../boot/console.js';
import { defaultImagePaths } from '../../src/images/index.js';

const HAVE_TOOLS = ['qemu-img', 'mke2fs', 'debugfs', 'e2fsck'].every((t) => spawnSync('sh', ['-c', `command -v ${t} || test -x /usr/sbin/${t} || test -x /sbin/${t}`]).status === 0);
const BOOT_MS = 150_000;
/**
 * HV-BOOT-OK to the shell prompt: /init prints the marker *before* it loads the kernel modules (virtio,
 * ext4, …; each signature-checked by the guest kernel) and probes /dev/vda for a root system. That takes
 * ~12 s on an idle host and 40-50 s when other boots share the 2 cores, all of it silent after the
 * virtio_blk probe lines.
 */
const SHELL_MS = 120_000;
const PROMPT = /# $/m;
let dir = '';
const running = new Set<HvConsole>();
const p = (f: string): string => join(dir, f);
const sha = (f: string): string => createHash('sha256').update(readFileSync(p(f))).digest('hex');
const run = (cmd: string, args: string[]): string => execFileSync(cmd, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });

function boot(args: string[]): HvConsole {
  const vm = HvConsole.spawn(['run', '--memory', '512M', '--timeout', '240', ...args]);
  running.add(vm);
  return vm;
}

interface Result { status: number | null; stdout: string; stderr: string }
function hv(args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [HV_BIN, ...args], { cwd: projectRoot(), stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** A raw ext4 image made on the host, optionally holding files. */
function mkext4(file: string, size: string, files: Record<string, string> = {}): void {
  const tree = p(`${file}.tree`);
  rmSync(tree, { recursive: true, force: true });
  execFileSync('mkdir', ['-p', tree]);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(tree, name), text);
  run('mke2fs', ['-q', '-F', '-t', 'ext4', '-E', 'root_owner=0:0', '-d', tree, p(file), size]);
}

describe('virtio-blk: disks in a booted guest', { skip: HAVE_TOOLS ? false : 'needs qemu-utils and e2fsprogs', concurrency: 2 }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hv-disk-'));
    if (await defaultImagePaths() === null) {
      const r = spawnSync(process.execPath, [HV_BIN, 'image', 'pull'], { cwd: projectRoot(), stdio: ['ignore', 'inherit', 'inherit'], timeout: 900_000 });
      assert.equal(r.status, 0, '`hv image pull` failed');
    }
  });
  after(async () => {
    for (const vm of running) await vm.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('bad --drive input: one line, exit status 2, images untouched', async () => {
    mkext4('ok.raw', '8M');
    run('qemu-img', ['create', '-q', '-f', 'qcow2', 'good.qcow2', '16M']);
    copyFileSync(p('good.qcow2'), p('trunc.qcow2'));
    run('truncate', ['-s', '70000', p('trunc.qcow2')]);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', 'lb.qcow2', '16M']);
    run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', 'lb.qcow2', '-F', 'qcow2', 'la.qcow2']);
    run('qemu-img', ['rebase', '-u', '-b', 'la.qcow2', '-F', 'qcow2', 'lb.qcow2']);
    const files = ['ok.raw', 'trunc.qcow2', 'la.qcow2', 'lb.qcow2'];
    const before = files.map(sha);
    const cases: [string, RegExp][] = [
      [`file=${p('nope.qcow2')}`, /nope\.qcow2: no such file/],
      [`file=${p('ok.raw')},format=vmdk`, /unknown format "vmdk"/],
      [`file=${p('ok.raw')},cache=none`, /unknown option "cache"/],
      ['format=raw', /file=PATH is required/],
      [`file=${p('trunc.qcow2')}`, /trunc\.qcow2: .*truncated/],
      [`file=${p('ok.raw')},format=qcow2`, /ok\.raw: not a qcow2 image \(bad magic\)/],
      [`file=${p('la.qcow2')}`, /backing file loop: .*la\.qcow2 → .*lb\.qcow2 → .*la\.qcow2/],
    ];
    await Promise.all(cases.map(async ([spec, re]) => {
      const r = await hv(['run', '--timeout', '20', '--drive', spec]);
      const msg = `--drive ${spec}: status ${r.status}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(0, 300)}`;
      assert.equal(r.status, 2, msg);
      assert.match(r.stderr, re, msg);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${msg}`);
      assert.equal(r.stdout, '', `the guest never ran: ${msg}`);
    }));
    assert.deepEqual(files.map(sha), before, 'no partial writes');
  });

  test('guest writes to an ext4 raw disk and a qcow2 overlay; the host reads them back, file systems and images are clean', async () => {
    mkext4('data.raw', '64M');
    mkext4('base.raw', '64M', { 'from-base.txt': 'written on the host\n' });
    run('qemu-img', ['convert', '-O', 'qcow2', 'base.raw', 'base.qcow2']);
    const baseHash = sha('base.qcow2');
    const c = await hv(['image', 'create', '--backing', p('base.qcow2'), p('overlay.qcow2')]);
    assert.equal(c.status, 0, c.stderr);
    assert.match(c.stdout, /backing file .*base\.qcow2 \(qcow2\)/);

    const vm = boot(['--drive', `file=${p('data.raw')},format=raw,serial=data-disk`, '--drive', `file=${p('overlay.qcow2')},id=ov`]);
    await vm.waitFor(/HV-BOOT-OK/, BOOT_MS);
    // Type only at the prompt, so each vm.sh deadline covers its own command, not the module loading.
    await vm.waitFor(PROMPT, SHELL_MS);
    assert.equal(await vm.sh('cat /sys/block/vda/serial; echo; cat /sys/block/vda/size /sys/block/vdb/size'), 'data-disk\n131072\n131072');
    assert.doesNotMatch(vm.out, /switching to the root file system/, 'a data disk is not taken for a root disk');
    const out = await vm.sh([
      'mkdir -p /mnt/a /mnt/b',
      'mount -t ext4 /dev/vda /mnt/a && mount -t ext4 /dev/vdb /mnt/b',
      'echo "hello from the guest" > /mnt/a/hello.txt',
      'dd if=/dev/urandom of=/mnt/a/blob bs=64k count=64 2>/dev/null',
      'md5sum /mnt/a/blob | cut -d" " -f1 > /mnt/a/blob.md5',
      'cat /mnt/b/from-base.txt',
      'echo "overlay write" > /mnt/b/new.txt',
      'sync && umount /mnt/a /mnt/b && echo UNMOUNTED',
    ].join(' && '), 90_000);
    assert.match(out, /written on the host\n.*UNMOUNTED|written on the host[\s\S]*UNMOUNTED/, vm.transcript());
    vm.send('poweroff');
    assert.equal((await vm.exit(60_000)).code, 0, vm.transcript());

    // vda: the files, and a clean file system.
    assert.equal(run('debugfs', ['-R', 'cat /hello.txt', p('data.raw')]), 'hello from the guest\n');
    const blob = execFileSync('debugfs', ['-R', 'cat /blob', p('data.raw')], { stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 * 1024 * 1024, env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } });
    assert.equal(blob.length, 64 * 65536);
    assert.equal(createHash('md5').update(blob).digest('hex'), run('debugfs', ['-R', 'cat /blob.md5', p('data.raw')]).trim());
    run('e2fsck', ['-fn', p('data.raw')]);
    // vdb: base unchanged, overlay consistent, its file system clean and holding the new file.
    assert.equal(sha('base.qcow2'), baseHash, 'the base image is unchanged');
    const chk = spawnSync('qemu-img', ['check', p('overlay.qcow2')], { encoding: 'utf8' });
    assert.equal(chk.status, 0, chk.stdout + chk.stderr);
    run('qemu-img', ['convert', '-O', 'raw', 'overlay.qcow2', 'overlay.raw']);
    assert.equal(run('debugfs', ['-R', 'cat /new.txt', p('overlay.raw')]), 'overlay write\n');
    assert.equal(run('debugfs', ['-R', 'cat /from-base.txt', p('overlay.raw')]), 'written on the host\n');
    run('e2fsck', ['-fn', p('overlay.raw')]);
  });

  test('a root disk built by `hv image build` and converted by qemu-img boots as / (root=/dev/vda)', async () => {
    const b = await hv(['image', 'build', '--format', 'raw', '--size', '256M', p('root.raw')]);
    assert.equal(b.status, 0, `hv image build failed:\n${b.stderr}`);
    run('qemu-img', ['convert', '-O', 'qcow2', 'root.raw', 'root.qcow2']);
    const vm = boot(['--drive', `file=${p('root.qcow2')},format=qcow2`, '--append', 'console=ttyS0 earlycon=sbi root=/dev/vda']);
    await vm.waitFor(/switching to the root file system on \/dev\/vda/, BOOT_MS);
    await vm.waitFor(/HV-ROOT-OK/, 60_000);
    const info = await vm.sh('grep " / " /proc/mounts; grep PRETTY /etc/os-release; echo persisted > /root/note.txt; sync');
    assert.match(info, /^\/dev\/vda \/ ext4 rw/m, vm.transcript());
    assert.match(info, /Debian GNU\/Linux 13 \(trixie\)/);
    vm.send('poweroff');
    assert.equal((await vm.exit(60_000)).code, 0, vm.transcript());
    const chk = spawnSync('qemu-img', ['check', p('root.qcow2')], { encoding: 'utf8' });
    assert.equal(chk.status, 0, chk.stdout + chk.stderr);
    run('qemu-img', ['convert', '-O', 'raw', 'root.qcow2', 'root-after.raw']);
    assert.equal(run('debugfs', ['-R', 'cat /root/note.txt', p('root-after.raw')]), 'persisted\n');
    run('e2fsck', ['-fn', p('root-after.raw')]);
  });
});

// Builds native/hv_native.node (madvise for the balloon, preadv2 RWF_NOWAIT for disk reads) with node-gyp,
// if the tools are there. Never fails the build: without a compiler, node-gyp or Node headers hv still
// runs, the balloon zero-fills pages instead of returning them to the host (src/backends/page-reclaim.ts)
// and every disk read goes through the thread pool (src/backends/block/io.ts PageCacheReader).
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { spawnSync } from 'node:child_process';
import { root, have } from './lib.mjs';

const dir = join(root, 'native');
const out = join(dir, 'build', 'Release', 'hv_native.node');
const sources = ['hv_native.c', 'binding.gyp'].map((f) => join(dir, f));
const upToDate = existsSync(out) && sources.every((s) => statSync(s).mtimeMs <= statSync(out).mtimeMs);

function skip(why) {
  console.error(`hv: note: native helper not built (${why}); virtio-balloon will zero pages without returning them to the host, and cached disk reads take the slower thread-pool path.`);
}

if (!upToDate) {
  const prefix = join(dirname(process.execPath), '..');
  const gypCandidates = [
    join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(prefix, 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ];
  const gyp = gypCandidates.find((p) => existsSync(p));
  const headers = join(prefix, 'include', 'node', 'node_api.h');
  if (!have('cc') && !have('gcc')) skip('no C compiler: install gcc (Debian: apt-get install build-essential)');
  else if (!have('make')) skip('make is missing (Debian: apt-get install make)');
  else if (gyp === undefined && !have('node-gyp')) skip('node-gyp not found (it ships with npm)');
  else if (!existsSync(headers)) skip(`Node headers missing (${headers}; Debian: apt-get install libnode-dev or nodejs headers)`);
  else {
    const cmd = gyp !== undefined ? [process.execPath, gyp] : ['node-gyp'];
    const r = spawnSync(cmd[0], [...cmd.slice(1), 'rebuild', `--nodedir=${prefix}`, '--loglevel=error'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (r.status !== 0) skip(`node-gyp failed: ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' / ')}`);
  }
}

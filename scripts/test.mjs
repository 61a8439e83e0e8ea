// `npm test`: install what is missing, build, then run every test with node's test runner.
import { root, run, ensureNodeModules, ensureDebianPackages, findFiles } from './lib.mjs';
import { join } from 'node:path';

ensureNodeModules();
ensureDebianPackages([
  ['riscv64-linux-gnu-gcc', 'gcc-riscv64-linux-gnu'],
  ['riscv64-linux-gnu-as', 'binutils-riscv64-linux-gnu'],
  ['cpio', 'cpio'],
  ['xz', 'xz-utils'],
  ['dpkg-deb', 'dpkg'],
  ['e2fsck', 'e2fsprogs'],
  ['qemu-img', 'qemu-utils'], // qcow2 tests check hv's images with qemu-img and make test images with qemu-io
  ['dtc', 'device-tree-compiler'],
  ['qemu-system-riscv64', 'qemu-system-misc'],
  ['qemu-riscv64', 'qemu-user'], // FPU differential test (tests/fpu) runs a riscv64 Linux binary
  ['passt', 'passt'], // user-mode networking for tests/net (hv run --net user)
  // No command to probe for the static riscv64 libc, so this entry checks the file itself.
  ['riscv64-linux-gnu-gcc && test -e /usr/riscv64-linux-gnu/lib/libc.a', 'libc6-dev-riscv64-cross'],
], 'the test suite');
run(process.execPath, ['scripts/build.mjs']);
const only = process.argv.slice(2);
const files = findFiles(join(root, 'dist'), /\.test\.js$/).filter((f) => only.length === 0 || only.some((o) => f.includes(o)));
// One test file at a time: several files boot Linux guests (each already running two at once), and on a 2-core
// machine more parallelism only turns timing margins into flakes.
run(process.execPath, ['--test', '--test-concurrency=1', ...files]);

/** `hv image pull|ls`: guest images from Debian's riscv64 packages, cached under ~/.cache/hv. */
import type { Command } from 'commander';
import { pullDefaultImage, listImages, consoleProgress, formatPullSummary } from '../images/index.js';
import { diskImageCommands } from './image-disk.js';

export function imageCommands(program: Command): void {
  const image = program.command('image').description('manage guest images (Debian trixie riscv64)');
  image.command('pull')
    .description('download the default guest image (kernel, busybox, OpenSBI) and build its initramfs')
    .option('--force', 're-resolve and re-extract even when the cached image verifies')
    .action(async (o: { force?: boolean }) => {
      const r = await pullDefaultImage({ onProgress: consoleProgress(), ...(o.force ? { force: true } : {}) });
      process.stdout.write(formatPullSummary(r) + '\n');
    });
  image.command('ls')
    .description('list cached guest images')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const list = await listImages();
      if (o.json) { process.stdout.write(JSON.stringify(list, null, 2) + '\n'); return; }
      if (list.length === 0) { process.stdout.write('no images cached; run `hv image pull`\n'); return; }
      const rows = list.map((i) => [i.name, i.kernelVersion, `${(i.sizes.kernel / 1048576).toFixed(1)}M`, `${(i.sizes.initramfs / 1048576).toFixed(1)}M`, i.pulledAt, i.dir]);
      const head = ['NAME', 'KERNEL', 'KERNEL SIZE', 'INITRAMFS', 'PULLED', 'PATH'];
      const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
      for (const r of [head, ...rows]) process.stdout.write(r.map((v, c) => v.padEnd(w[c]!)).join('  ').trimEnd() + '\n');
    });
  diskImageCommands(image);
}

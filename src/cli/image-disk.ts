/**
 * `hv image create` (raw/qcow2 images, qcow2 overlays = linked clones) and `hv image build`
 * (a bootable Debian riscv64 root disk). Errors are one line, exit status 2.
 */
import type { Command } from 'commander';
import { UserError } from '../base/errors.js';
import { parseSize, formatSize } from '../base/size.js';
import { createImage, buildRootfs, DEFAULT_ROOTFS_PACKAGES, type DiskFormat } from '../images/index.js';

function parseFormat(v: string | undefined, allowed: readonly string[], dflt: string): string {
  const f = v ?? dflt;
  if (!allowed.includes(f)) throw new UserError(`unknown format ${JSON.stringify(f)} (use ${allowed.join(' or ')})`);
  return f;
}

export function diskImageCommands(image: Command): void {
  image.command('create')
    .description('create an empty disk image, or a qcow2 overlay on a base image (a linked clone: instant, copy-on-write)')
    .argument('<out>', 'image file to create (never overwritten)')
    .option('-f, --format <fmt>', 'raw or qcow2 (default qcow2)')
    .option('-s, --size <size>', 'virtual size, e.g. 10G (default with --backing: the base image\'s size)')
    .option('-b, --backing <base>', 'make a qcow2 overlay whose unwritten clusters read from BASE (raw or qcow2)')
    .option('-F, --backing-format <fmt>', 'format of BASE (default: probed)')
    .action(async (out: string, o: { format?: string; size?: string; backing?: string; backingFormat?: string }) => {
      const format = parseFormat(o.format, ['raw', 'qcow2'], 'qcow2') as DiskFormat;
      const size = o.size !== undefined ? parseSize(o.size, { defaultUnit: 'B', what: 'image size' }) : undefined;
      const bf = o.backingFormat !== undefined ? parseFormat(o.backingFormat, ['raw', 'qcow2'], 'qcow2') as DiskFormat : undefined;
      const r = await createImage({
        path: out, format,
        ...(size !== undefined ? { size } : {}),
        ...(o.backing !== undefined ? { backing: o.backing } : {}),
        ...(bf !== undefined ? { backingFormat: bf } : {}),
      });
      process.stdout.write(`created ${r.path}: ${r.format}, ${formatSize(r.size)}${r.backingName !== undefined ? `, backing file ${r.backingName} (${r.backingFormat})` : ''}\n`);
    });

  image.command('build')
    .description('build a bootable ext4 root disk from Debian trixie riscv64 packages (busybox init, shell on ttyS0, DHCP on eth0)')
    .argument('<out>', 'image file to create (never overwritten)')
    .option('--packages <list>', `comma-separated Debian packages (with their dependencies; default ${DEFAULT_ROOTFS_PACKAGES.join(',')}; busybox-static is always added)`)
    .option('-s, --size <size>', 'file-system size (default 2G)')
    .option('-f, --format <fmt>', 'qcow2 or raw (default qcow2)')
    .action(async (out: string, o: { packages?: string; size?: string; format?: string }) => {
      const format = parseFormat(o.format, ['qcow2', 'raw'], 'qcow2') as 'qcow2' | 'raw';
      const size = o.size !== undefined ? parseSize(o.size, { defaultUnit: 'B', what: 'image size' }) : undefined;
      const packages = o.packages !== undefined ? o.packages.split(',').map((p) => p.trim()).filter(Boolean) : undefined;
      if (packages !== undefined && packages.length === 0) throw new UserError('--packages: the list is empty');
      const r = await buildRootfs({
        out, format,
        ...(size !== undefined ? { size } : {}),
        ...(packages !== undefined ? { packages } : {}),
        onProgress: (m) => process.stderr.write(`hv: ${m}\n`),
      });
      process.stdout.write(`built ${r.out}: ${r.format}, ${formatSize(r.size)} ext4, ${r.packages.length} packages (${r.packages.map((p) => p.name).join(', ')}) in ${r.seconds.toFixed(1)} s\n`);
      process.stdout.write(`boot it with: hv run --drive file=${out}\n`);
    });
}

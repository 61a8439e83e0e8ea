/** Renders pull progress on a terminal (one updating bar line) or as plain lines (logs, CI). */

import type { PullProgress, PullResult } from './pull.js';
import { formatBytes } from './util.js';

export interface ConsoleProgressOptions {
  stream?: NodeJS.WriteStream;
  /** Also print apt's own output lines ("Get:1 …"). Default: true. */
  showLog?: boolean;
}

/** An onProgress callback for pullDefaultImage that writes to stderr. */
export function consoleProgress(opts: ConsoleProgressOptions = {}): (p: PullProgress) => void {
  const out = opts.stream ?? process.stderr;
  const tty = Boolean(out.isTTY);
  const showLog = opts.showLog ?? true;
  let barShown = false;
  let lastPlainDecile = -1;
  const clearBar = (): void => { if (barShown) { out.write('\r\x1b[2K'); barShown = false; } };
  return (p) => {
    if ((p.phase === 'download' || p.phase === 'update') && p.percent !== undefined) {
      const pct = Math.max(0, Math.min(100, p.percent));
      const sizes = p.totalBytes ? ` ${formatBytes(p.bytes ?? 0)}/${formatBytes(p.totalBytes)}` : '';
      if (tty) {
        const width = 30, fill = Math.round((pct / 100) * width);
        out.write(`\r\x1b[2K[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${pct.toFixed(0).padStart(3)}%${sizes}  ${p.message}`);
        barShown = true;
      } else {
        const decile = Math.floor(pct / 10);
        if (decile !== lastPlainDecile) { lastPlainDecile = decile; out.write(`hv: ${p.phase} ${pct.toFixed(0)}%${sizes}\n`); }
      }
      return;
    }
    if (p.phase === 'log' && !showLog) return;
    clearBar();
    lastPlainDecile = -1;
    out.write(p.phase === 'log' ? `  ${p.message}\n` : `hv: ${p.message}\n`);
  };
}

/** A closing summary for `hv image pull`. */
export function formatPullSummary(r: PullResult): string {
  const m = r.manifest;
  const lines: string[] = [];
  lines.push(r.reused ? `default image (cached${r.rebuiltInitramfs ? ', initramfs rebuilt' : ''}): ${r.info.dir}` : `default image pulled: ${r.info.dir}`);
  for (const p of m.packages) lines.push(`  ${p.name} ${p.version}${p.requested ? ` (from ${p.requested})` : ''}  ${formatBytes(p.size)}`);
  lines.push(`  kernel     ${r.info.kernel}  ${formatBytes(m.kernel.size)}  (${m.kernel.format})`);
  lines.push(`  initramfs  ${r.info.initramfs}  ${formatBytes(m.initramfs.size)}`);
  lines.push(`  firmware   ${r.info.firmware.fw_dynamic}`);
  const builtin = m.initramfs.modules.filter((x) => x.builtin).map((x) => x.name);
  const loaded = m.initramfs.modules.filter((x) => !x.builtin).map((x) => x.name);
  lines.push(`  drivers    built in: ${builtin.join(', ') || '-'}; modules: ${loaded.join(', ') || '-'}`);
  if (r.download) {
    const fetched = r.download.packages.filter((p) => !p.cached).length;
    lines.push(`  download   ${fetched} of ${r.download.packages.length} packages fetched (${formatBytes(r.download.fetchedBytes)})${r.download.aptSummary ? `; apt: ${r.download.aptSummary}` : ''}`);
  }
  for (const n of r.notes) lines.push(`  note: ${n}`);
  lines.push(`  took ${r.seconds.toFixed(1)} s`);
  return lines.join('\n');
}

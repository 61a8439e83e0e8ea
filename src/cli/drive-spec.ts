/**
 * `hv run --drive SPEC` (repeatable), QEMU's syntax:
 *
 *   file=PATH[,format=raw|qcow2][,readonly=on|off][,id=NAME][,serial=S]
 *
 * A comma inside a value is written ",," (as in QEMU). Each --drive adds one virtio-blk disk
 * (/dev/vda, /dev/vdb, … in flag order). Without format=, the image is probed (qcow2 magic, else raw
 * with a warning). Every problem is a UserError (exit status 2) naming the spec.
 */
import { UserError } from '../base/errors.js';

export type DriveFormat = 'raw' | 'qcow2';

export interface DriveSpec {
  file: string;
  format?: DriveFormat;
  readOnly?: boolean;
  id?: string;
  serial?: string;
}

/** Most drives per VM (the virt board has 8 virtio-mmio slots). */
export const MAX_DRIVES = 8;
const ID_RE = /^[A-Za-z][A-Za-z0-9_.-]{0,31}$/;

/** Splits on single commas; ",," is a literal comma. */
function splitOpts(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch === ',') {
      if (spec[i + 1] === ',') { cur += ','; i++; continue; }
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function onOff(v: string, key: string, fail: (m: string) => never): boolean {
  if (/^(on|yes|true)$/i.test(v)) return true;
  if (/^(off|no|false)$/i.test(v)) return false;
  return fail(`${key}=${v}: expected on or off`);
}

/** Parses one --drive value. */
export function parseDriveSpec(spec: string): DriveSpec {
  const fail = (m: string): never => { throw new UserError(`invalid --drive ${JSON.stringify(spec)}: ${m}`); };
  const out: DriveSpec = { file: '' };
  const seen = new Set<string>();
  for (const opt of splitOpts(spec)) {
    if (opt === '') fail('empty option (a stray comma?)');
    const eq = opt.indexOf('=');
    if (eq <= 0) fail(`expected key=value, got ${JSON.stringify(opt)}`);
    const key = opt.slice(0, eq), v = opt.slice(eq + 1);
    if (seen.has(key)) fail(`${key} given twice`);
    seen.add(key);
    switch (key) {
      case 'file':
        if (v === '') fail('file= is empty');
        out.file = v;
        break;
      case 'format':
        if (v !== 'raw' && v !== 'qcow2') fail(`unknown format ${JSON.stringify(v)} (hv supports raw and qcow2)`);
        out.format = v as DriveFormat;
        break;
      case 'readonly':
        out.readOnly = onOff(v, key, fail);
        break;
      case 'id':
        if (!ID_RE.test(v)) fail(`id=${v}: must start with a letter and use letters, digits, '_', '.', '-' (at most 32)`);
        out.id = v;
        break;
      case 'serial':
        if (new TextEncoder().encode(v).length > 20) fail(`serial=${v}: at most 20 bytes (virtio-blk's ID field)`);
        // eslint-disable-next-line no-control-regex
        if (/[\x00-\x1f\x7f]/.test(v)) fail('serial contains control characters');
        out.serial = v;
        break;
      case 'if':
        if (v !== 'virtio') fail(`if=${v}: hv attaches drives as virtio-blk only (if=virtio)`);
        break;
      case 'media':
        if (v !== 'disk') fail(`media=${v}: only disks are supported`);
        break;
      default:
        fail(`unknown option ${JSON.stringify(key)} (known: file, format, readonly, id, serial)`);
    }
  }
  if (out.file === '') fail('file=PATH is required');
  return out;
}

/** Parses every --drive; ids must be unique. */
export function parseDriveSpecs(specs: readonly string[] | undefined): DriveSpec[] {
  const list = (specs ?? []).map(parseDriveSpec);
  if (list.length > MAX_DRIVES) throw new UserError(`too many --drive options (${list.length}); the virt board has ${MAX_DRIVES} virtio slots`);
  const ids = new Set<string>();
  for (const d of list) {
    if (d.id === undefined) continue;
    if (ids.has(d.id)) throw new UserError(`invalid --drive: id=${d.id} used twice`);
    ids.add(d.id);
  }
  return list;
}

/** Locations inside the hv installation (the directory holding package.json). */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The project root: the nearest ancestor of this module that holds package.json. */
export function projectRoot(): string {
  if (cached !== undefined) return cached;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('hv: cannot find the project root (package.json)');
    dir = up;
  }
  cached = dir;
  return dir;
}

/** Path of a build artefact such as the wasm core. */
export function buildFile(name: string): string { return join(projectRoot(), 'build', name); }

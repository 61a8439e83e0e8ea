/** Shared output for benchmarks: one JSON document on stdout, a human table on stderr. */

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r, i) => r.map((v, c) => (c === 0 ? v.padEnd(w[c]!) : v.padStart(w[c]!))).join('  ') + (i === 0 ? '\n' + w.map((x) => '-'.repeat(x)).join('  ') : '')).join('\n');
}

export function report(json: unknown, human: string): void {
  process.stdout.write(JSON.stringify(json, null, 2) + '\n');
  process.stderr.write('\n' + human + '\n');
}

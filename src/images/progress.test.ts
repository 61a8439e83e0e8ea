import { test } from 'node:test';
import assert from 'node:assert/strict';
import { consoleProgress } from './progress.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => { out.push(s); return true; } } as unknown as NodeJS.WriteStream };
}

test('terminal: one updating bar line, cleared before other output', () => {
  const { stream, out } = fakeStream(true);
  const p = consoleProgress({ stream });
  p({ phase: 'download', message: 'Retrieving file 2 of 3', percent: 50, bytes: 50 << 20, totalBytes: 100 << 20 });
  p({ phase: 'done', message: 'pulled' });
  assert.match(out[0]!, /^\r\x1b\[2K\[#{15}\.{15}\]  50% 50\.0 MiB\/100 MiB  Retrieving file 2 of 3$/);
  assert.deepEqual(out.slice(1), ['\r\x1b[2K', 'hv: pulled\n']);
});

test('not a terminal: plain lines, download percentages at most once per 10%', () => {
  const { stream, out } = fakeStream(false);
  const p = consoleProgress({ stream, showLog: false });
  for (const pct of [0, 1, 2, 15, 16, 100]) p({ phase: 'download', message: 'x', percent: pct });
  p({ phase: 'log', message: 'Get:1 hidden' });
  assert.deepEqual(out, ['hv: download 0%\n', 'hv: download 15%\n', 'hv: download 100%\n']);
});

/**
 * The host terminal as the guest's serial console: raw mode when stdin is a TTY, with QEMU-style escapes
 * (Ctrl-A X quits, Ctrl-A P presses the guest's power button, Ctrl-A H lists the keys, Ctrl-A A sends a literal
 * Ctrl-A); piped stdin is forwarded as is.
 */
export interface ConsoleHandle {
  /** Guest output. */
  write(bytes: Uint8Array): void;
  /** Restores the terminal. */
  close(): void;
}

const CTRL_A = 0x01;

export function attachConsole(onInput: (bytes: Uint8Array) => void, onQuit: () => void, onPowerButton?: () => void): ConsoleHandle {
  const stdin = process.stdin;
  const tty = stdin.isTTY === true;
  let escape = false;
  const help = '\r\nC-a h    print this help\r\nC-a x    exit hv\r\n' +
    (onPowerButton ? 'C-a p    press the power button (the guest powers off cleanly)\r\n' : '') + 'C-a a    send C-a to the guest\r\n';
  const onData = (buf: Buffer): void => {
    if (!tty) { onInput(new Uint8Array(buf)); return; }
    const out: number[] = [];
    for (const b of buf) {
      if (escape) {
        escape = false;
        const c = String.fromCharCode(b).toLowerCase();
        if (c === 'x') { process.stderr.write('\r\nhv: terminated by C-a x\r\n'); onQuit(); return; }
        if (c === 'h') { process.stderr.write(help); continue; }
        if (c === 'p' && onPowerButton) { onPowerButton(); continue; }
        if (b === CTRL_A || c === 'a') { out.push(CTRL_A); continue; }
        continue;
      }
      if (b === CTRL_A) { escape = true; continue; }
      out.push(b);
    }
    if (out.length) onInput(new Uint8Array(out));
  };
  if (tty) stdin.setRawMode(true);
  stdin.on('data', onData);
  stdin.on('error', () => {});
  stdin.resume();
  return {
    write: (bytes) => { process.stdout.write(bytes); },
    close: () => {
      stdin.off('data', onData);
      if (tty) stdin.setRawMode(false);
      stdin.pause();
    },
  };
}

/** `hv daemon`: runs the host daemon in the foreground (src/daemon/); `hv up` starts it in the background. */
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { UserError } from '../base/errors.js';
import type { DaemonOptions } from '../daemon/main.js';

/** Mirrors DEFAULT_PORT in src/daemon/main.ts (the daemon's modules are loaded only when `hv daemon` runs). */
const DEFAULT_PORT = 7420;

export function daemonCommand(program: Command): void {
  program.command('daemon').description(`run the hv daemon in the foreground (REST API on 127.0.0.1:${DEFAULT_PORT} and a UNIX socket in the state directory)`)
    .option('--port <n>', `TCP port on 127.0.0.1 (0 = any free port)`, String(DEFAULT_PORT))
    .option('--overcommit <ratio>', 'memory overcommit ratio for admission control (default 1.5)')
    .option('--tls', 'serve HTTPS on the TCP port (a self-signed certificate made once in <state>/tls/ unless --tls-cert/--tls-key)')
    .option('--tls-cert <file>', 'PEM certificate for HTTPS (implies --tls)').option('--tls-key <file>', 'PEM private key of --tls-cert')
    .action(async (o: { port: string; overcommit?: string; tls?: boolean; tlsCert?: string; tlsKey?: string }) => {
      const port = Number(o.port);
      if (!/^\d+$/.test(o.port) || port > 65535) throw new UserError(`invalid --port ${JSON.stringify(o.port)}: must be 0..65535`);
      const over = o.overcommit !== undefined ? Number(o.overcommit) : undefined;
      if (over !== undefined && !(over > 0 && over <= 100)) throw new UserError(`invalid --overcommit ${JSON.stringify(o.overcommit)}: must be a positive ratio`);
      const { runDaemonForeground } = await import('../daemon/main.js');
      if ((o.tlsCert === undefined) !== (o.tlsKey === undefined)) throw new UserError('--tls-cert and --tls-key go together');
      const tls = o.tls || o.tlsCert !== undefined ? { ...(o.tlsCert !== undefined ? { certFile: resolve(o.tlsCert) } : {}), ...(o.tlsKey !== undefined ? { keyFile: resolve(o.tlsKey) } : {}) } : undefined;
      const opts: DaemonOptions = { port, ...(over !== undefined ? { overcommitRatio: over } : {}), ...(tls ? { tls } : {}) };
      process.exitCode = await runDaemonForeground(opts);
    });
}

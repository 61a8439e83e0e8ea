/** The `hv` command line. */
import { Command, CommanderError, Option } from 'commander';
import { isUserError } from '../base/errors.js';
import { runCommand, type RunFlags } from './run.js';
import { imageCommands } from './image.js';
import { vmCommands } from './vm.js';
import { daemonCommand } from './daemon.js';

/** Usage errors are one line on stderr (then status 2), like every other bad-input message; the help is one flag away. */
function oneLineErrors(help: string): { outputError: (str: string, write: (s: string) => void) => void } {
  return { outputError: (str, write) => write(`hv: ${str.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ').trim()} (see '${help}')\n`) };
}

const program = new Command();
program
  .name('hv')
  .description('hv: a hypervisor for RISC-V (RV64GC, QEMU virt-compatible) virtual machines, by full-system emulation')
  .configureOutput(oneLineErrors('hv --help'))
  .exitOverride();

program.command('run')
  .description('boot a VM in the foreground; its serial console is this terminal (C-a x quits, C-a h for help)')
  .option('--kernel <file>', 'kernel: a RISC-V Linux Image or ELF; with --bios none a bare ELF started in M-mode')
  .option('--initrd <file>', 'initial ramdisk')
  .option('--append <cmdline>', 'kernel command line')
  .option('--bios <file|none|default>', 'M-mode firmware (e.g. OpenSBI fw_dynamic.bin); "none": a bare ELF in M-mode; "default": the default image\'s OpenSBI; without --bios: hv\'s built-in SBI')
  .option('-m, --memory <size>', 'guest RAM, e.g. 512M or 2G (bare number = MiB)')
  .option('--cpus <n>', 'number of harts (1-8)')
  .option('--dtb-out <file>', 'write the generated device tree blob to a file')
  .option('--timeout <seconds>', 'end the run (status 124) if the guest is still running after this long')
  .option('--no-reboot', 'exit instead of resetting when the guest reboots')
  .option('--no-jit', 'interpret every instruction (do not translate hot loops to WebAssembly)')
  .option('--rng', 'add a virtio-rng device fed by the host\'s random generator')
  .option('--drive <spec>', 'add a virtio-blk disk (repeatable; first = /dev/vda): file=PATH[,format=raw|qcow2][,readonly=on][,id=NAME][,serial=S]', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
  .option('--net <spec>', 'add a virtio-net NIC (repeatable): user[,hostfwd=tcp:127.0.0.1:HOSTPORT-:GUESTPORT][,mac=…] (NAT through passt) or switch=NAME[,mac=…] (host-local switch shared with other VMs)', (v: string, prev: string[] | undefined) => [...(prev ?? []), v])
  .option('--balloon', 'add a virtio-balloon device (memory the guest gives back is returned to the host)')
  .configureOutput(oneLineErrors('hv run --help'))
  .action(async (opts: RunFlags) => {
    process.exitCode = await runCommand(opts);
  });

imageCommands(program);
vmCommands(program);
daemonCommand(program);

function exit(code: number): void {
  process.stdout.write('', () => process.exit(code));
}

try {
  await program.parseAsync(process.argv);
  exit(process.exitCode === undefined ? 0 : Number(process.exitCode));
} catch (e) {
  if (e instanceof CommanderError) {
    exit(e.exitCode === 0 ? 0 : 2);
  } else if (isUserError(e)) {
    process.stderr.write(`hv: ${e.message}\n`);
    exit(e.exitStatus);
  } else {
    process.stderr.write(`hv: internal error: ${(e as Error).stack ?? String(e)}\n`);
    exit(70);
  }
}
void Option;

/** Facts about the machine a run happened on, and the commands it offers. */
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';

/** Whether `command` is on the PATH. */
export function hasCommand(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `command args…` prefixed with `taskset -c cpu` when a CPU is given and taskset exists. */
export function pinned(cpu: number | undefined, command: string, args: string[]): [string, string[]] {
  if (cpu === undefined || !hasCommand('taskset')) return [command, args];
  return ['taskset', ['-c', String(cpu), command, ...args]];
}

function firstLine(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).split(
      '\n',
    )[0]!;
  } catch (error) {
    // wrk -v prints its version and exits 1.
    const output = (error as { stdout?: string }).stdout ?? '';
    return output.split('\n')[0] ?? '';
  }
}

/** The version line of the load generator, e.g. `wrk 4.1.0 [epoll] …`. */
export function toolVersion(tool: 'wrk' | 'autocannon'): string {
  if (tool === 'wrk')
    return (
      firstLine('wrk', ['-v'])
        .replace(/ Copyright.*/, '')
        .trim() || 'wrk'
    );
  return `autocannon ${firstLine('node', ['-p', "require('autocannon/package.json').version"]).trim()}`;
}

/** The current commit, with `+dirty` when the tree has changes; '' outside git. */
export function gitRevision(): string {
  const rev = firstLine('git', ['rev-parse', '--short', 'HEAD']).trim();
  if (!rev) return '';
  const dirty = firstLine('git', ['status', '--porcelain']).trim() !== '';
  return dirty ? `${rev}+dirty` : rev;
}

/** A markdown bullet list describing the machine. */
export function machineInfo(tool: string): string[] {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return [
    `- CPU: ${cpu}, ${availableParallelism()} cores (nproc), ${Math.round(totalmem() / 2 ** 30)} GiB RAM`,
    `- Node ${process.version} on ${process.platform} ${process.arch}`,
    `- Load generator: ${tool}`,
    `- Commit: ${gitRevision() || 'unknown'}`,
  ];
}

/** Today's date on this machine as YYYY-MM-DD: the name of the day's results file. */
export function localDate(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

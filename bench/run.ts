/**
 * The benchmark runner (`npm run bench`): builds the packages, then for each group starts its
 * servers, checks their answers, warms them, loads them in interleaved rounds (A B C A B C …, the
 * order rotated each round) and reports each row's median paired ratio to raw node:http.
 * Knobs: see lib/config.ts and README.md.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildPackages, compileBench } from './lib/build.js';
import { type Case, type Group, selectGroups } from './lib/cases.js';
import { type BenchConfig, readConfig } from './lib/config.js';
import { check, type LoadOptions, type LoadRequest, load, withSession } from './lib/load.js';
import { hasCommand, localDate, machineInfo, pinned, toolVersion } from './lib/machine.js';
import { type Failure, type GroupResult, groupTable, type Measurement, targetTable } from './lib/report.js';
import { cpuTimeMs, peakRssMiB, type RunningServer, startServer, stopServer } from './lib/servers.js';

const BENCH = fileURLToPath(new URL('.', import.meta.url));

const log = (line: string) => process.stderr.write(`${line}\n`);

async function startAll(group: Group, config: BenchConfig): Promise<Map<string, RunningServer | Error>> {
  const servers = new Map<string, RunningServer | Error>();
  for (const { server } of group.cases) {
    if (servers.has(server.name)) continue;
    servers.set(
      server.name,
      await startServer(server, config.serverCpu).catch((error: unknown) =>
        error instanceof Error ? error : new Error(String(error)),
      ),
    );
  }
  return servers;
}

function fail(reason: Failure['reason'], error: unknown): Failure {
  return { reason, detail: error instanceof Error ? error.message : String(error) };
}

/**
 * Gets the case's session cookie if it needs one, checks its answer, then warms it up: the
 * request to load, or a Failure that says why it cannot be measured.
 */
async function prepare(
  server: RunningServer,
  entry: Case,
  config: BenchConfig,
  options: LoadOptions,
): Promise<LoadRequest | Failure> {
  let request: LoadRequest;
  try {
    request = await withSession(server.port, entry.request);
    await check(server.port, request, entry.expected);
  } catch (error) {
    return fail('wrong answer', error);
  }
  try {
    await load(server.port, request, { ...options, seconds: config.warmup });
  } catch (error) {
    return fail('load failed', error);
  }
  return request;
}

/** Starts a group's servers, measures the group, and stops the servers even when something throws. */
async function runGroup(group: Group, config: BenchConfig, options: LoadOptions): Promise<GroupResult> {
  const servers = await startAll(group, config);
  try {
    return await measure(group, servers, config, options);
  } finally {
    for (const server of servers.values()) if (!(server instanceof Error)) await stopServer(server);
  }
}

async function measure(
  group: Group,
  servers: Map<string, RunningServer | Error>,
  config: BenchConfig,
  options: LoadOptions,
): Promise<GroupResult> {
  const failures: Array<Failure | undefined> = [];
  const running: Array<RunningServer | undefined> = [];
  const requests: LoadRequest[] = [];
  for (const entry of group.cases) {
    const server = servers.get(entry.server.name)!;
    const prepared =
      server instanceof Error ? fail('did not start', server) : await prepare(server, entry, config, options);
    const failure = 'reason' in prepared ? prepared : undefined;
    if (failure) log(`  ${entry.label ?? entry.server.label}: ${failure.reason}: ${failure.detail}`);
    failures.push(failure);
    running.push(failure || server instanceof Error ? undefined : server);
    requests.push('reason' in prepared ? entry.request : prepared);
  }

  const rounds: Array<Array<Measurement | undefined>> = group.cases.map(() => []);
  for (let round = 0; round < config.rounds; round++) {
    const order = group.cases.map((_, index) => (index + round) % group.cases.length);
    for (const index of order) {
      const server = running[index];
      if (!server) continue;
      const entry: Case = group.cases[index]!;
      try {
        const before = cpuTimeMs(server);
        const result = await load(server.port, requests[index]!, options);
        const after = cpuTimeMs(server);
        const cpuUs =
          before === undefined || after === undefined
            ? undefined
            : ((after - before) * 1000) / result.requests;
        rounds[index]![round] = { ...result, cpuUs };
      } catch (error) {
        log(`  ${entry.server.label}: ${(error as Error).message}`);
      }
    }
    log(`  [${group.name}] round ${round + 1}/${config.rounds} done`);
  }

  const peakRss = running.map((server) => (server ? peakRssMiB(server) : undefined));
  return { group, rounds, peakRss, failures };
}

function micro(config: BenchConfig): string {
  log('running the in-process micro-benchmarks…');
  const [command, args] = pinned(config.serverCpu, process.execPath, ['dist/micro.js']);
  const result = spawnSync(command, args, {
    cwd: BENCH,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return result.status === 0 ? result.stdout.trim() : `_micro.ts failed (exit ${result.status})._`;
}

async function routerScale(): Promise<string | undefined> {
  const file = new URL('./router-scale.ts', import.meta.url);
  if (!existsSync(file)) return undefined;
  log('running router-scale.ts…');
  const module = (await import(file.href)) as { runRouterScale?: () => Promise<string> };
  return module.runRouterScale ? (await module.runRouterScale()).trim() : undefined;
}

async function main(): Promise<void> {
  // exit (and so kill the servers, see lib/servers.ts) on Ctrl-C
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
  const config = readConfig();
  const groups = selectGroups(config.only);
  const tool = config.tool ?? (hasCommand('wrk') ? 'wrk' : 'autocannon');
  if (tool === 'wrk' && !hasCommand('wrk')) throw new Error('BENCH_TOOL=wrk but wrk is not installed');
  const loads = groups.reduce((sum, group) => sum + group.cases.length, 0);
  const estimate = Math.ceil((loads * (config.rounds * config.seconds + config.warmup + 0.3)) / 60);
  log(`${loads} cases × ${config.rounds} rounds × ${config.seconds} s with ${tool}: about ${estimate} min`);
  if (config.build) buildPackages();
  compileBench();

  const options: LoadOptions = {
    tool,
    seconds: config.seconds,
    connections: config.connections,
    cpu: config.loadCpu,
  };
  const results: GroupResult[] = [];
  for (const group of groups) {
    log(`\n${group.title}`);
    const result = await runGroup(group, config, options);
    results.push(result);
    log(groupTable(result));
  }

  const date = localDate();
  const pinning =
    config.serverCpu !== undefined && hasCommand('taskset')
      ? `servers on CPU ${config.serverCpu}, load generator on CPU ${config.loadCpu} (taskset)`
      : 'not pinned';
  const sections = [
    `# tsgi benchmark, ${date}`,
    '',
    ...machineInfo(toolVersion(tool)),
    `- Load: ${config.connections} connections, ${config.seconds} s per load, ${config.rounds} interleaved rounds ` +
      `after ${config.warmup} s of warm-up; ${pinning}`,
    config.only.length ? `- Partial run: BENCH_ONLY=${config.only.join(',')}` : '',
    '',
    'Each ratio is the median over rounds of a paired ratio: req/s ÷ raw node:http req/s in the same round, or ' +
      'by CPU, node:http CPU µs/req ÷ the row’s CPU µs/req (server process, user + system). Higher is better. ' +
      'The CPU ratio hardly moves when other processes compete for the machine; req/s does.',
    '',
    '## Targets (issue 5)',
    '',
    targetTable(results),
    '',
    '## Over sockets',
    '',
    results.map(groupTable).join('\n\n'),
    '',
    '_Not measured yet: hello through the full everyday middleware stack (errors, accessLog, session, compress)._',
  ];
  if (config.micro) sections.push('', '## In process (tinybench)', '', micro(config));
  const scale = config.micro ? await routerScale() : undefined;
  if (scale) sections.push('', '## Router scale (router-scale.ts)', '', scale);
  const markdown = `${sections.filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n')}\n`;

  process.stdout.write(`\n${markdown}`);
  if (config.save) {
    mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
    const file = new URL(`./results/${date}.md`, import.meta.url);
    writeFileSync(file, markdown);
    log(`\nwritten to ${fileURLToPath(file)}`);
  }
}

await main();

// `cairn start` (what `npm start` runs): the engine on its embedded defaults. With nothing
// configured it runs the demo timeline against a local Git remote, file-system storage and the
// API simulator; given a real repository (--repo / CAIRN_REPO) it runs the reconciler loop
// against the real parts instead (`cairn run` with the same options).
import type { Command } from 'commander';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DemoResult } from '../demo/timeline.ts';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function floorToHour(d: Date): Date {
  return new Date(Math.floor(d.getTime() / 3_600_000) * 3_600_000);
}

export function registerDemo(program: Command): void {
  program
    .command('start')
    .alias('demo')
    .description('run the engine on its embedded defaults (local Git remote, file storage, simulated cluster) with a demo clock')
    .option('--dir <dir>', 'working directory of the embedded demo (recreated)', '.cairn/demo')
    .option('--start <time>', 'where the demo clock starts (RFC3339; default: this hour)')
    .option('--s3-endpoint <url>', 'use this S3 server for the "offsite" location (env CAIRN_S3_ENDPOINT; credentials from S3_ACCESS_KEY / S3_SECRET_KEY)', process.env.CAIRN_S3_ENDPOINT)
    .option('--s3-bucket <name>', 'bucket for the "offsite" location (env CAIRN_S3_BUCKET)', process.env.CAIRN_S3_BUCKET)
    .option('--keep-running', 'after the demo, keep the simulator serving so you can explore it', false)
    .option('--serve', 'after the demo, keep its engine serving the status page and /api/v1 (and the simulator) until Ctrl-C', false)
    .option('--listen <[host:]port>', 'with --serve: where to serve; a bare port binds 127.0.0.1', '127.0.0.1:8080')
    .option('--webhook-insecure', 'with --serve: accept POST /webhook without CAIRN_WEBHOOK_SECRET', false)
    .action(async (o: { dir: string; start?: string; s3Endpoint?: string; s3Bucket?: string; keepRunning: boolean; serve: boolean; listen: string; webhookInsecure: boolean }, cmd: Command) => {
      if (process.env.CAIRN_REPO) {
        // A real repository is configured: run the real loop instead of the demo.
        process.stderr.write('CAIRN_REPO is set: running the reconciler (`cairn run`) against it\n');
        await cmd.parent!.parseAsync(['node', 'cairn', 'run'], { from: 'node' });
        return;
      }
      const start = o.start ? new Date(o.start) : floorToHour(new Date());
      if (Number.isNaN(start.getTime())) {
        process.stderr.write(`cairn start: --start must be an RFC3339 time, got "${o.start}"\n`);
        process.exitCode = 2;
        return;
      }
      if (o.serve) {
        try {
          (await import('../ha/run.ts')).checkListen(o.listen);
        } catch (err) {
          process.stderr.write(`cairn start: ${(err as Error).message}\n`);
          process.exitCode = 2;
          return;
        }
      }
      if (o.s3Endpoint && !o.s3Bucket) {
        process.stderr.write('cairn start: --s3-endpoint needs --s3-bucket\n');
        process.exitCode = 2;
        return;
      }
      // The offsite location reads its keys from these variables: without them the demo would
      // skip S3 and still say "Done" (issue 21).
      const missing = o.s3Endpoint ? ['S3_ACCESS_KEY', 'S3_SECRET_KEY'].filter((v) => !process.env[v]) : [];
      if (missing.length) {
        process.stderr.write(`cairn start: --s3-endpoint ${o.s3Endpoint} needs ${missing.join(' and ')} set to the bucket's keys\n`);
        process.exitCode = 2;
        return;
      }
      const dir = resolve(o.dir);
      const [{ runDemo }, { createLogger }] = await Promise.all([import('../demo/timeline.ts'), import('../log.ts')]);
      const say = (line: string) => process.stdout.write(`${line}\n`);
      say(`cairn embedded demo in ${relative(process.cwd(), dir) || '.'} — clock starts at ${start.toISOString()}`);
      try {
        const demo = await runDemo({
          dir,
          start,
          policiesDir: join(ROOT, 'policies'),
          samplesDir: join(ROOT, 'samples', 'cluster'),
          ...(o.s3Endpoint && o.s3Bucket ? { s3: { endpoint: o.s3Endpoint, bucket: o.s3Bucket } } : {}),
          say,
          logger: createLogger({ level: process.env.CAIRN_LOG_LEVEL ?? 'warn' }),
        });
        // Hints keep the form the user gave: an absolute --dir stays absolute.
        const rel = (p: string) => (isAbsolute(o.dir) ? p : relative(process.cwd(), p) || '.');
        const commits = demo.ticks.filter((t) => t.result.commit).length;
        say('');
        say(`Done: ${demo.ticks.length} ticks, ${commits} status commits. Where to look:`);
        say(`  git --git-dir ${rel(demo.repo.bare)} log --format='%h %s' -12      # the status commits`);
        say(`  git --git-dir ${rel(demo.repo.bare)} log -1 --format=%B                # one commit's body and trailers`);
        say(`  npx cairn backup get --location local --repo ${rel(demo.workdir)} --data-dir ${rel(demo.dataDir)}`);
        say(`  CAIRN_PASSPHRASE='${demo.passphrase}' npx cairn backup verify <name> --location vault --repo ${rel(demo.workdir)} --data-dir ${rel(demo.dataDir)}`);
        say(`  npx cairn audit --repo ${rel(demo.repo.bare)} --data-dir ${rel(join(dir, 'audit'))}`);
        say(`  cat ${rel(join(demo.workdir, 'status', 'restores', 'rollback-release.yaml'))}`);
        const served = o.serve ? await serveDemo(demo, o) : undefined;
        if (served) say(`\nThe status page and the read API: ${served.url}  (curl ${served.url}api/v1/policies)`);
        if (o.keepRunning || served) {
          say(`The simulated cluster keeps serving at ${demo.sim.url} (KUBECONFIG=${rel(demo.kubeconfig)}); Ctrl-C to stop.`);
          await new Promise<void>((r) => {
            process.once('SIGINT', r);
            process.once('SIGTERM', r);
          });
        }
        await served?.stop();
        await demo.sim.stop();
        process.exitCode = 0;
      } catch (err) {
        process.stderr.write(`cairn start: ${(err as Error).message}\n`);
        process.exitCode = 1;
      }
    });
}

/** `--serve`: the demo's engine keeps serving (its clock stays where the script left it). */
async function serveDemo(demo: DemoResult, o: { listen: string; webhookInsecure: boolean }) {
  const app = await import('../demo/serve.ts');
  try {
    return await app.serveDemo(demo, o);
  } catch (err) {
    await demo.sim.stop();
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    throw new Error(inUse ? `cannot serve on ${o.listen}: the address is in use; pass --listen <[host:]port>` : `cannot serve on ${o.listen}: ${(err as Error).message}`);
  }
}

// Preloaded into Fjord's nodes (NODE_OPTIONS=--import) when `pnpm bench --cpu-prof DIR` runs:
// Node 20 refuses --cpu-prof in NODE_OPTIONS and the testkit starts nodes as `node main.js`, so
// the profiler is started here through the inspector and the profile written on exit, which
// is what --cpu-prof would do. The exit handler can write synchronously because an inspector
// session on the main thread answers synchronously.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const dir = process.env.FJORD_BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  // 1 ms, the --cpu-prof default.
  session.post('Profiler.setSamplingInterval', { interval: 1000 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (error || !result) return;
      const id = process.argv.indexOf('--broker-id');
      const role = id >= 0 ? `broker-${process.argv[id + 1]}` : 'coordinator';
      writeFileSync(join(dir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}

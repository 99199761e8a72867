// `npm run chaos [-- --exchanges N] [--quick | --profile full|quick|test] [--seed S] [--replicas N] [--keep-cluster]`:
// fault injection on a stack of its own. Exits 0 only when every outcome count is as expected.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { chaosProfile, rerunCommand, type ProfileName } from './profiles';
import { summary } from './report';
import { runChaos } from './run';

const { values } = parseArgs({
  options: {
    exchanges: { type: 'string' },
    quick: { type: 'boolean', default: false },
    profile: { type: 'string' },
    seed: { type: 'string' },
    replicas: { type: 'string' },
    'keep-cluster': { type: 'boolean', default: false },
  },
});

function fail(message: string): never {
  console.error(`chaos: ${message}`);
  process.exit(2);
}

const profile = (values.profile ?? (values.quick ? 'quick' : 'full')) as ProfileName;
if (!['full', 'quick', 'test'].includes(profile)) fail(`--profile: full, quick or test, not "${values.profile}"`);
const exchanges = values.exchanges === undefined ? undefined : Number(values.exchanges);
if (exchanges !== undefined && (!Number.isInteger(exchanges) || exchanges < 1)) fail(`--exchanges: a positive integer, not "${values.exchanges}"`);
const seed = values.seed === undefined ? randomInt(1, 2 ** 31 - 1) : Number(values.seed);
if (!Number.isInteger(seed)) fail(`--seed: an integer, not "${values.seed}"`);

const replicas = values.replicas === undefined ? 1 : Number(values.replicas);
if (!Number.isInteger(replicas) || replicas < 1 || replicas > 8) fail(`--replicas: from 1 to 8 worker processes, not "${values.replicas}"`);

const options = { ...chaosProfile(profile, seed, exchanges), replicas, stopCluster: values['keep-cluster'] !== true };
const again = rerunCommand(profile, seed, options.exchanges, replicas);
console.log(`Seed ${seed} (profile ${profile}, ${options.exchanges} exchanges). Re-run this schedule: ${again}`);
try {
  const result = await runChaos(options);
  console.log(`\n${summary(result)}\nRe-run this schedule: ${again}`);
  process.exitCode = result.ok ? 0 : 1;
} catch (e) {
  console.error(`chaos: the run failed: ${(e as Error).stack ?? String(e)}\nRe-run this schedule: ${again}`);
  process.exitCode = 1;
}

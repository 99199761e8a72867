// `npm run bench`: the stack up, then side by side on this machine — the bare transport, the bare
// Temporal engine, the exchange's skeleton (its two workflows and three mails with none of SEV's
// work), and SEV end to end (50 KB at full load and at a steady 2 a second, 5 MB, and 5 MB over
// an encrypted channel) —
// printed as a table and written to docs/BENCHMARKS.md. `-- --quick` is a small version (under two
// minutes, with a small backlog); `-- --backlog [N]` is the mailbox backlog alone (default 10,000).
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { ensureTemporalCli } from '../stack/packages';
import { connectClient } from '../workers/temporal';
import { benchBacklog, type BacklogResult } from './backlog';
import { prepareBench } from './config';
import { queryOne } from './database';
import { ALL_SERVERS, MAIL_SERVERS, SERVER, cpuOf } from './cpu';
import { benchEngine, type EngineResult } from './engine';
import { benchExchange, openSender, type ExchangeResult } from './exchange';
import { benchSkeleton, type SkeletonResult } from './skeleton';
import { machineDescription, table, writeSection } from './report';
import { startSevWorkers } from './process';
import { terminateLeftovers } from './temporal';
import { mb, rate, seconds } from './stats';
import { benchTransport, type TransportResult } from './transport';

const KB = 1024;
const MB = 1024 * 1024;

interface Plan {
  mode: 'full' | 'quick' | 'backlog';
  transportN: number;
  engineN: number;
  skeletonN: number;
  smallN: number;
  steadySeconds: number;
  bigN: number;
  backlogN: number;
  backlogFileBytes: number;
}

function plan(argv: string[]): Plan {
  const quick = argv.includes('--quick');
  const backlogAt = argv.indexOf('--backlog');
  if (backlogAt >= 0) {
    const n = Number(argv[backlogAt + 1]);
    return { mode: 'backlog', transportN: 0, engineN: 0, skeletonN: 0, smallN: 0, steadySeconds: 0, bigN: 0, backlogN: Number.isInteger(n) && n > 0 ? n : quick ? 300 : 10_000, backlogFileBytes: 50 * KB };
  }
  return quick
    ? { mode: 'quick', transportN: 50, engineN: 50, skeletonN: 50, smallN: 30, steadySeconds: 15, bigN: 3, backlogN: 100, backlogFileBytes: 50 * KB }
    : { mode: 'full', transportN: 500, engineN: 500, skeletonN: 500, smallN: 500, steadySeconds: 60, bigN: 20, backlogN: 0, backlogFileBytes: 50 * KB };
}

const log = (line: string) => console.log(line);

async function main(): Promise<void> {
  const p = plan(process.argv.slice(2));
  const command = `npm run bench${p.mode === 'full' ? '' : ` -- ${process.argv.slice(2).join(' ')}`}`;
  const t0 = performance.now();
  log(`Замер СЭВ (${command})`);
  const setup = await prepareBench(log);
  const { config, a, b } = setup;
  const client = await connectClient(config.temporal);
  const leftovers = await terminateLeftovers(client);
  if (leftovers > 0) log(`  завершено процессов, оставшихся от прерванного замера: ${leftovers}`);
  const sender = await openSender(config, a, b, client);
  const pgVersion = (await queryOne<{ v: string }>(a.databaseUrl, `SELECT current_setting('server_version') AS v`).catch(() => ({ v: '—' }))).v;
  const machine = machineDescription(await ensureTemporalCli(config.toolsDir, () => {}).catch(() => undefined), pgVersion);
  const date = new Date().toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  const header = [`Дата: ${date}. Команда: \`${command}\`.`, '', ...machine, ''];

  try {
    if (p.mode === 'backlog') {
      const backlog = await benchBacklog(config, sender, setup.configFile, p.backlogN, p.backlogFileBytes, log);
      const lines = [...header, ...backlogLines(backlog)];
      print(lines);
      writeSection('backlog', ['## Очередь в ящике (backlog)', '', ...lines]);
      return;
    }

    log(`1/5 Голый транспорт: ${p.transportN} писем по 50 КБ (nodemailer → Postfix → Dovecot → imapflow)`);
    const transport = await benchTransport(config, setup.transportBox, p.transportN, 50 * KB);
    log(`  ${rate(transport.perSecond)} писем/с`);

    log(`2/5 Голый движок: ${p.engineN} процессов Temporal по три пустых действия`);
    const engine = await benchEngine(client, p.engineN, log);
    log(`  ${rate(engine.perSecond)} процессов/с`);

    log(`3/5 Скелет обмена: ${p.skeletonN} обменов по два процесса Temporal и три письма, без работы СЭВ`);
    const skeleton = await benchSkeleton(client, setup.skeleton[0], setup.skeleton[1], p.skeletonN, 50 * KB, log);
    log(`  ${rate(skeleton.perSecond)} обменов/с`);

    log(`4/5 СЭВ, 50 КБ: ${p.smallN} документов сразу, затем 2 документа в секунду ${p.steadySeconds} с`);
    const orgIds = config.organizations.map((o) => o.id);
    let worker = await startSevWorkers(setup.configFile, orgIds);
    let full: ExchangeResult, steady: ExchangeResult;
    try {
      full = await benchExchange(config, sender, worker, 'полная нагрузка', 50 * KB, { kind: 'full', n: p.smallN }, log);
      steady = await benchExchange(config, sender, worker, '2 в секунду', 50 * KB, { kind: 'steady', n: p.steadySeconds * 2, perSecond: 2 }, log);
    } finally {
      await worker.stop();
    }

    log(`5/5 СЭВ, 5 МБ: один документ отдельно, затем ${p.bigN} сразу, затем один по шифрованному каналу`);
    worker = await startSevWorkers(setup.configFile, orgIds);
    let single: ExchangeResult, big: ExchangeResult, sealed: ExchangeResult;
    try {
      await benchExchange(config, sender, worker, 'прогрев', 50 * KB, { kind: 'full', n: 1 }, log);
      single = await benchExchange(config, sender, worker, '5 МБ, один', 5 * MB, { kind: 'full', n: 1 }, log);
      big = await benchExchange(config, sender, worker, '5 МБ', 5 * MB, { kind: 'full', n: p.bigN }, log);
    } finally {
      await worker.stop();
    }
    // Every package encrypted for its addressee (S/MIME): sealed and opened as it streams.
    worker = await startSevWorkers(setup.encryptedConfigFile, orgIds);
    try {
      await benchExchange(config, sender, worker, 'прогрев, шифрование', 50 * KB, { kind: 'full', n: 1 }, log);
      sealed = await benchExchange(config, sender, worker, '5 МБ, один, шифрование', 5 * MB, { kind: 'full', n: 1 }, log);
    } finally {
      await worker.stop();
    }

    let backlog: BacklogResult | undefined;
    if (p.backlogN > 0) {
      log(`Очередь: ${p.backlogN} пакетов в ящике Б`);
      backlog = await benchBacklog(config, sender, setup.configFile, p.backlogN, p.backlogFileBytes, log);
    }

    const lines = [...header, ...mainLines(p, transport, engine, skeleton, full, steady, single, big, sealed), ...(backlog ? ['', ...backlogLines(backlog)] : [])];
    lines.push('', `Весь замер занял ${((performance.now() - t0) / 1000).toFixed(0)} с.`);
    print(lines);
    writeSection(p.mode, [p.mode === 'full' ? '## Полный замер' : '## Быстрый замер (`--quick`)', '', ...lines]);
  } finally {
    await sender.close();
    await client.connection.close();
  }
}

function print(lines: string[]): void {
  console.log(`\n${lines.join('\n')}\n`);
}

const yes = (ok: boolean) => (ok ? 'да' : '**нет**');

function mainLines(p: Plan, t: TransportResult, e: EngineResult, sk: SkeletonResult, full: ExchangeResult, steady: ExchangeResult, single: ExchangeResult, big: ExchangeResult, sealed: ExchangeResult): string[] {
  const ratio = (x: number, y: number) => (y > 0 ? `${(x / y).toFixed(2)}` : '—');
  const lat = (r: { latency: { p50: number; p95: number; p99: number } }) => [seconds(r.latency.p50), seconds(r.latency.p95), seconds(r.latency.p99)];
  const raise = single.peakRss - single.rssBefore;
  const sealedRaise = sealed.peakRss - sealed.rssBefore;
  const eventsTarget = full.eventsPerExchange <= 60;
  const lines = [
    '### Пропускная способность и задержка',
    '',
    ...table(
      ['замер', 'N', 'в секунду', 'к транспорту (1)', 'к движку (2)', 'p50', 'p95', 'p99', 'пик RSS обработчика'],
      [
        ['1. голый транспорт, письмо 50 КБ', t.n, `${rate(t.perSecond)} писем`, '1', '—', '—', '—', '—', 'в этом процессе'],
        ['2. голый движок, 3 пустых действия', e.n, `${rate(e.perSecond)} процессов`, '—', '1', ...lat(e), mb(e.peakRss)],
        ['скелет обмена: 2 процесса, 3 письма 50 КБ, без работы СЭВ', sk.n, `${rate(sk.perSecond)} обменов`, ratio(sk.perSecond, t.perSecond), ratio(sk.perSecond, e.perSecond), ...lat(sk), '—'],
        ['3. СЭВ, 50 КБ, полная нагрузка', full.n, `${rate(full.perSecond)} обменов`, ratio(full.perSecond, t.perSecond), ratio(full.perSecond, e.perSecond), ...lat(full), mb(full.peakRss)],
        ['3. СЭВ, 50 КБ, 2 обмена в секунду', steady.n, `${rate(steady.perSecond)} обменов`, '—', '—', ...lat(steady), mb(steady.peakRss)],
        ['3. СЭВ, 5 МБ, один документ', single.n, '—', '—', '—', ...lat(single), mb(single.peakRss)],
        ['3. СЭВ, 5 МБ, полная нагрузка', big.n, `${rate(big.perSecond)} обменов`, '—', '—', ...lat(big), mb(big.peakRss)],
        ['3. СЭВ, 5 МБ, один документ, шифрованный канал (S/MIME)', sealed.n, '—', '—', '—', ...lat(sealed), mb(sealed.peakRss)],
      ],
    ),
    '',
    `Обмен завершён, когда исходящий процесс организации А получил доклад о регистрации от Б (процесс завершается в состоянии 'registered'); задержка — от createOutgoingCard до закрытия этого процесса. Зарегистрировано у адресата: ${full.registered}/${full.n}, ${steady.registered}/${steady.n}, ${single.registered}/${single.n}, ${big.registered}/${big.n}, ${sealed.registered}/${sealed.n}. По шифрованному каналу каждый пакет (документ и доклады) зашифрован для адресата (правило encryptFor: ['*']).`,
    `Обработчики СЭВ — по дочернему процессу \`sev worker --org …\` на организацию (как у каждой организации своя СЭВ; пик RSS — наибольший из двух); голый движок — дочерний процесс bench/engine-worker.ts (Worker.create с пределами по умолчанию, не СЭВ). RSS — VmRSS из /proc каждые 200 мс.`,
    `Скелет обмена (bench/skeleton-workflows.ts) — форма обмена без работы СЭВ: процесс А отправляет письмо с вложением 50 КБ и ждёт двух сигналов; приём из ящика Б (тот же exchange/intake.ts) запускает процесс Б, который отправляет два письма-доклада; приём из ящика А передаёт каждый сигналом процессу А. Шаги — local activities, настройки обработчика — как у СЭВ, по процессу на организацию; нет базы данных, XML, подписей, карточек. Завершено ${sk.completed}/${sk.n}; событий истории на обмен: ${sk.historyEvents.toFixed(1)}.`,
    '',
    '### Цена одного обмена (50 КБ, полная нагрузка)',
    '',
    ...table(
      ['сторона', 'процесс Temporal', 'процессов на обмен', 'событий истории в каждом'],
      full.workflows.map((w) => [w.side, w.type, w.perExchange.toFixed(2), w.meanEvents.toFixed(1)]),
    ),
    '',
    `Событий истории на обмен (все процессы обеих сторон): ${full.eventsPerExchange.toFixed(1)}. Строк базы данных на обмен: А ${full.rowsPerExchange.a.toFixed(1)}, Б ${full.rowsPerExchange.b.toFixed(1)}, всего ${(full.rowsPerExchange.a + full.rowsPerExchange.b).toFixed(1)}.`,
    '',
    ...table(['таблица', 'строк на обмен'], Object.entries(full.rowsPerExchange.byTable).map(([k, v]) => [k, v.toFixed(2)])),
    '',
    ...cpuLines(e, sk, full),
    '### Цели',
    '',
    ...table(
      ['цель', 'значение', 'выполнена'],
      [
        ['обменов/с ≥ 0,4 × процессов/с голого движка', `${rate(full.perSecond)} / ${rate(e.perSecond)} = ${ratio(full.perSecond, e.perSecond)}`, yes(full.perSecond >= 0.4 * e.perSecond)],
        ['p50 ≤ 1,5 с при 2 обменах/с', seconds(steady.latency.p50), yes(steady.latency.p50 <= 1500)],
        ['p99 ≤ 5 с при 2 обменах/с', seconds(steady.latency.p99), yes(steady.latency.p99 <= 5000)],
        ['документ 5 МБ поднимает RSS меньше чем на 3 × 5 МБ', `${mb(single.rssBefore)} → ${mb(single.peakRss)} (+${mb(raise)})`, yes(raise < 3 * 5 * MB)],
        ['то же по шифрованному каналу', `${mb(sealed.rssBefore)} → ${mb(sealed.peakRss)} (+${mb(sealedRaise)})`, yes(sealedRaise < 3 * 5 * MB)],
        ['не больше 60 событий истории на обмен', full.eventsPerExchange.toFixed(1), yes(eventsTarget)],
      ],
    ),
  ];
  if (p.mode === 'quick') lines.push('', 'Быстрый замер: малые N, цифры ориентировочные; цели проверяет полный замер (`npm run bench`).');
  return lines;
}

/** Where the machine's CPU goes: per workflow of the bare engine and per SEV exchange, by part of the stack. */
function cpuLines(e: EngineResult, sk: SkeletonResult, full: ExchangeResult): string[] {
  const total = (c: Record<string, number>) => Object.values(c).reduce((x, y) => x + y, 0);
  const parts = [...new Set([...Object.keys(full.cpu), ...Object.keys(e.cpu), ...Object.keys(sk.cpu)])].sort((x, y) => (full.cpu[y] ?? 0) - (full.cpu[x] ?? 0));
  const sec = (v: number | undefined) => (v ? v.toFixed(3) : '—');
  const cores = os.cpus().length;
  const exchangeCpu = total(full.cpu);
  const target = 0.4 * e.perSecond;
  const serversCpu = cpuOf(full.cpu, ALL_SERVERS);
  return [
    '### Процессорное время (50 КБ, полная нагрузка)',
    '',
    ...table(
      ['часть стенда', 'на процесс голого движка, с', 'на обмен скелета, с', 'на обмен СЭВ, с'],
      [...parts.map((part) => [part, sec(e.cpu[part]), sec(sk.cpu[part]), sec(full.cpu[part])]), ['всего', sec(total(e.cpu)), sec(total(sk.cpu)), sec(exchangeCpu)]],
    ),
    '',
    `Время ЦП (user + system) каждой части из /proc за фазу, делённое на число процессов или обменов. Ядер: ${cores}. ` +
      `СЭВ: ${rate(full.perSecond)} обменов/с × ${exchangeCpu.toFixed(3)} с = ${(full.perSecond * exchangeCpu).toFixed(2)} ядра. ` +
      `Цель 0,4 × движка = ${rate(target)} обменов/с оставляет на весь обмен не больше ${cores} / ${rate(target)} = ${(cores / target).toFixed(3)} с ЦП машины; ` +
      `из них серверы (${ALL_SERVERS.join(', ')}) уже берут ${serversCpu.toFixed(3)} с, обработчики СЭВ обеих сторон — ${workersOf(full.cpu, 'обработчик СЭВ').toFixed(3)} с.`,
    '',
    `Скелет обмена — потолок обмена на этих компонентах (Temporal, почта, Node) с настройками СЭВ на этой машине: ${rate(sk.perSecond)} обменов/с = ${(sk.perSecond / e.perSecond).toFixed(2)} × движка при ${total(sk.cpu).toFixed(3)} с ЦП на обмен; СЭВ достигает ${((100 * full.perSecond) / sk.perSecond).toFixed(0)} % его. ` +
      `Из ${(cores / target).toFixed(3)} с ЦП, которые цель оставляет обмену, скелет берёт ${total(sk.cpu).toFixed(3)} с; всей работе самой СЭВ осталось бы ${(cores / target - total(sk.cpu)).toFixed(3)} с. ` +
      `Сверх скелета обмен СЭВ берёт ${(exchangeCpu - total(sk.cpu)).toFixed(3)} с ЦП: обработчики ${delta(workersOf(full.cpu, 'обработчик СЭВ'), workersOf(sk.cpu, 'обработчик скелета'))} с, Temporal ${delta(full.cpu[SERVER.temporal], sk.cpu[SERVER.temporal])} с, PostgreSQL ${delta(full.cpu[SERVER.postgres], sk.cpu[SERVER.postgres])} с, почта ${delta(cpuOf(full.cpu, MAIL_SERVERS), cpuOf(sk.cpu, MAIL_SERVERS))} с.`,
    '',
  ];
}

/** A difference of CPU seconds, signed, to the millisecond. */
function delta(x: number | undefined, y: number | undefined): string {
  const d = Math.round(((x ?? 0) - (y ?? 0)) * 1000) / 1000;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(3)}`;
}

/** CPU seconds of the parts whose name starts with `prefix` (each organization's worker). */
function workersOf(cpu: Record<string, number>, prefix: string): number {
  return Object.entries(cpu)
    .filter(([part]) => part.startsWith(prefix))
    .reduce((sum, [, v]) => sum + v, 0);
}

function backlogLines(r: BacklogResult): string[] {
  return [
    '### Очередь в ящике Б',
    '',
    ...table(
      ['пакетов', 'вложение', 'положены за', 'разобраны за', 'скорость разбора', 'зарегистрировано (разных UID; карточек)', 'осталось во входящих', 'карантин', 'пик RSS обработчика Б', 'RSS ≤ 300 МБ'],
      [[r.n, `${(r.fileBytes / KB).toFixed(0)} КБ`, seconds(r.injectSeconds * 1000), seconds(r.drainSeconds * 1000), `${rate(r.drainPerSecond)}/с`, `${r.registered} (${r.distinctUids}; ${r.cards})`, r.leftInInbox, r.quarantined, `${mb(r.peakRss)} (VmHWM ${mb(r.hwm)})`, yes(r.peakRss <= 300 * MB)]],
    ),
    '',
    `Каждый зарегистрирован ровно один раз: ${yes(r.complete && r.registered === r.n && r.distinctUids === r.n && r.cards === r.n)}. Обработчик Б (\`sev worker --org bench-b\`) запущен после того, как все пакеты легли в ящик; СЭВ организации А не работала, доклады Б копились в её ящике и удалены после замера.`,
  ];
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`Замер не удался: ${(e as Error).stack ?? e}`);
    process.exit(1);
  },
);

#!/usr/bin/env node
// The `sev` command. Its TypeScript sources are compiled by esbuild into plain ES modules once per
// version of the code, into node_modules/.cache/sev/<hash of the sources>/: a checkout needs no
// build step, a command starts without compiling, and a long-running worker carries no TypeScript
// loader (tsx's loader thread cost every worker process about 55 MB of memory).
// SEV_TSX=1 runs the sources through tsx instead (while changing the code, say), as does a checkout
// whose Prisma client is not generated yet.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Folders holding code the command runs; tests, benchmarks and documents are not part of it.
const SKIPPED = new Set(['node_modules', 'test', 'bench', 'chaos', 'docs', '.git', '.ci']);
const KEEP_OLD_BUILDS_MS = 7 * 24 * 3600 * 1000;

// Deprecation notices of libraries (node-postgres warns about Prisma's adapter) are for developers,
// who see them in the tests; an operator can do nothing about them.
process.noDeprecation = true;

// Before `sev db generate` has made the Prisma client (npm install runs it) the sources do not
// build yet; that command needs none of it, so it runs through tsx.
const prismaGenerated = existsSync(path.join(root, 'prisma', 'generated', 'client.ts'));

if (process.env.SEV_TSX === '1' || !prismaGenerated) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./cli.ts');
} else {
  await import(pathToFileURL(await compiledCli()).href);
}

/** The compiled entry point for the sources as they are now, built when missing. */
async function compiledCli() {
  const cacheDir = path.join(root, 'node_modules', '.cache', 'sev');
  const outDir = path.join(cacheDir, sourceHash());
  const entry = path.join(outDir, 'cli.js');
  if (existsSync(entry)) return entry;
  const { build } = await import('esbuild');
  // Built aside and renamed into place: processes starting together never run half a build.
  const tmpDir = `${outDir}.tmp-${process.pid}`;
  await build({
    entryPoints: [path.join(root, 'workers', 'cli.ts')],
    outdir: tmpDir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    outExtension: { '.js': '.js' },
    logLevel: 'error',
  });
  mkdirSync(cacheDir, { recursive: true });
  try {
    renameSync(tmpDir, outDir);
  } catch (e) {
    // Another process placed the same build first.
    rmSync(tmpDir, { recursive: true, force: true });
    if (!existsSync(entry)) throw e;
  }
  removeOldBuilds(cacheDir, outDir);
  return entry;
}

/** SHA-256 over every TypeScript source the command may run, the lock file and this file. */
function sourceHash() {
  const hash = createHash('sha256');
  const files = [path.join(root, 'package-lock.json'), fileURLToPath(import.meta.url)];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) files.push(full);
    }
  };
  walk(root);
  for (const file of files.sort()) hash.update(path.relative(root, file)).update('\0').update(readFileSync(file));
  return hash.digest('hex').slice(0, 16);
}

/** Builds of older code left by earlier versions; a week old, no process still runs them. */
function removeOldBuilds(cacheDir, current) {
  for (const name of readdirSync(cacheDir)) {
    const dir = path.join(cacheDir, name);
    if (dir === current) continue;
    try {
      if (Date.now() - statSync(dir).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(dir, { recursive: true, force: true });
    } catch {
      // Removed by another process meanwhile.
    }
  }
}

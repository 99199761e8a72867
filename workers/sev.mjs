#!/usr/bin/env node
// The `sev` command: runs the TypeScript CLI through tsx, so no build step stands between a
// checkout and a working operator command.
import { register } from 'tsx/esm/api';

register();
await import('./cli.ts');

// `npm run build` (and `prepare`, so `npm ci` builds): TypeScript to dist/, then the files the
// code reads beside itself (the casbin model). Incremental: a second build with nothing changed is quick.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync } from 'node:fs';
import { createRequire } from 'node:module';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
cpSync('src/authz/rbac/model.conf', 'dist/authz/rbac/model.conf');
// the `keyway` bin runs as a program
chmodSync('dist/cli/keyway.js', 0o755);

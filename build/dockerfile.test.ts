// No container engine runs here, so build/Dockerfile is checked by reading it: pinned Node 24 bases,
// a final image with no shell or package manager that runs as the uid the Knative Services require,
// one target per function whose entrypoint runs that function's bundle, and the V8 compile cache made
// where Node will accept it (the runtime's node, its uid, the bundle's path) and read from
// NODE_COMPILE_CACHE. build/compile-cache.test.ts runs the cache maker itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parse } from 'yaml';
import { findFunctions, ROOT } from './bundle';

interface Instruction {
  op: string;
  args: string;
  line: number;
}

interface Stage {
  name: string;
  base: string;
  platform?: string;
  body: Instruction[];
}

/** Instructions with continuations joined and comments dropped, as BuildKit reads them. */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let buf = '';
  let start = 0;
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (buf === '' && (line === '' || line.startsWith('#'))) return;
    if (buf === '') start = i + 1;
    if (line.startsWith('#')) return; // a comment inside a continuation
    if (line.endsWith('\\')) {
      buf += `${line.slice(0, -1)} `;
      return;
    }
    buf += line;
    const m = buf.match(/^(\S+)\s*(.*)$/s);
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim(), line: start });
    buf = '';
  });
  return out;
}

function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.op === 'FROM') {
      const words = ins.args.split(/\s+/);
      const platform = words.find((w) => w.startsWith('--platform='));
      const rest = words.filter((w) => !w.startsWith('--'));
      const asAt = rest.findIndex((w) => w.toUpperCase() === 'AS');
      stages.push({
        base: rest[0],
        name: asAt >= 0 ? rest[asAt + 1] : String(stages.length),
        ...(platform ? { platform } : {}),
        body: [],
      });
    } else if (stages.length > 0) {
      stages[stages.length - 1].body.push(ins);
    }
  }
  return stages;
}

const DOCKERFILE = join(ROOT, 'build/Dockerfile');
const stages = stagesOf(parseDockerfile(readFileSync(DOCKERFILE, 'utf8')));
const byName = new Map(stages.map((s) => [s.name, s]));
const KNOWN_FUNCTIONS = ['reconcile', 'finalize', 'health'];

/** The stages a stage is built on, itself first (FROM runtime AS reconcile -> reconcile, runtime). */
function lineage(stage: Stage): Stage[] {
  const out = [stage];
  for (let s = byName.get(stage.base); s; s = byName.get(s.base)) out.push(s);
  return out;
}

function externalBase(stage: Stage): string {
  const chain = lineage(stage);
  return chain[chain.length - 1].base;
}

/** ENV of the runtime stage (KEY=value pairs, one or several per line). */
function runtimeEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of byName.get('runtime')!.body.filter((x) => x.op === 'ENV'))
    for (const m of i.args.matchAll(/(\w+)=(\S+)/g)) env[m[1]!] = m[2]!;
  return env;
}

/** Where the compile-cache stage writes: build/compile-cache.ts's first argument. */
const CACHE_ROOT = '/home/nonroot/compile-cache';

const parser = suite('Dockerfile parser');

parser('joins continuations, drops comments, keeps stage names and platforms', () => {
  const ins = parseDockerfile(
    [
      '# syntax=docker/dockerfile:1',
      'FROM --platform=$BUILDPLATFORM node:24.1.0-slim AS build',
      'RUN npm ci \\',
      '  # inline comment',
      '  --no-audit',
      'from build as final',
      'ENTRYPOINT ["node", "/app/x.mjs"]',
    ].join('\n'),
  );
  assert.equal(
    ins.map((i) => [i.op, i.args]),
    [
      ['FROM', '--platform=$BUILDPLATFORM node:24.1.0-slim AS build'],
      ['RUN', 'npm ci  --no-audit'],
      ['FROM', 'build as final'],
      ['ENTRYPOINT', '["node", "/app/x.mjs"]'],
    ],
  );
  const s = stagesOf(ins);
  assert.equal(
    s.map((x) => [x.name, x.base, x.platform]),
    [
      ['build', 'node:24.1.0-slim', '--platform=$BUILDPLATFORM'],
      ['final', 'build', undefined],
    ],
  );
});

parser.run();

const image = suite('build/Dockerfile');

image('every function with an entry has a target, and every target is a function', () => {
  const targets = stages.filter((s) => KNOWN_FUNCTIONS.includes(s.name)).map((s) => s.name);
  for (const fn of findFunctions()) assert.ok(targets.includes(fn), `no --target ${fn} in build/Dockerfile`);
  const others = stages
    .map((s) => s.name)
    .filter((n) => !['build', 'runtime', 'compile-cache', ...KNOWN_FUNCTIONS].includes(n));
  assert.equal(others, [], 'unexpected stages');
});

image('base images are pinned to Node 24 LTS, never latest', () => {
  const external = stages.filter((s) => !byName.has(s.base));
  assert.equal(
    external.map((s) => s.name),
    ['build', 'runtime'],
  );
  for (const s of external) {
    assert.not.match(s.base, /:latest$|^[^:@]+$/, `${s.name}: ${s.base} is not pinned`);
    assert.not.match(s.base, /\$/, `${s.name}: the base comes from a build argument`);
  }
  // The builder to the patch release, so a rebuild gives the same bundle.
  assert.match(byName.get('build')!.base, /^node:24\.\d+\.\d+-[a-z]+(-slim)?$/);
  // Distroless: no shell and no package manager in the image at all; the Node major in the name.
  assert.match(
    byName.get('runtime')!.base,
    /^gcr\.io\/distroless\/nodejs24-debian\d+:nonroot(@sha256:[0-9a-f]{64})?$/,
  );
});

image('the builder installs from the lockfile and bundles with build/bundle.ts', () => {
  const runs = byName
    .get('build')!
    .body.filter((i) => i.op === 'RUN')
    .map((i) => i.args);
  assert.ok(
    runs.some((r) => /^npm ci\b/.test(r)),
    `npm ci expected, got ${runs.join(' | ')}`,
  );
  assert.ok(runs.some((r) => r.includes('build/bundle.ts')));
});

image(
  'the final images run nothing at build time and run as uid 65532, as the Knative Services require',
  () => {
    const runtime = byName.get('runtime')!;
    const user = runtime.body.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.equal(user, ['65532:65532']);
    // The uid the chart and manifests pin with runAsUser (runAsNonRoot cannot verify a user name).
    const ksvc = parse(readFileSync(join(ROOT, 'manifests/functions/reconcile.yaml'), 'utf8'));
    assert.is(ksvc.spec.template.spec.containers[0].securityContext.runAsUser, 65532);
    for (const fn of KNOWN_FUNCTIONS) {
      const chain = lineage(byName.get(fn)!);
      assert.equal(
        chain.map((s) => s.name),
        [fn, 'runtime'],
      );
      for (const s of chain) {
        const bad = s.body.filter(
          (i) => ['RUN', 'ADD'].includes(i.op) || (i.op === 'USER' && s.name !== 'runtime'),
        );
        assert.equal(bad, [], `${s.name}: ${bad.map((i) => `${i.op} ${i.args}`).join(', ')}`);
      }
      assert.is(externalBase(byName.get(fn)!), runtime.base);
    }
  },
);

image('each target copies its bundle and its compile cache and runs it with node as PID 1', () => {
  for (const fn of KNOWN_FUNCTIONS) {
    const body = byName.get(fn)!.body;
    const copies = body.filter((i) => i.op === 'COPY').map((i) => i.args);
    assert.equal(copies, [
      `--from=build /src/dist/${fn}.mjs /app/${fn}.mjs`,
      // Node writes cache files 0600: root-owned and world-readable, or uid 65532 cannot read them.
      `--from=compile-cache --chmod=0555 ${CACHE_ROOT}/${fn}/ ${runtimeEnv().NODE_COMPILE_CACHE}/`,
    ]);
    const entry = body.filter((i) => i.op === 'ENTRYPOINT');
    assert.is(entry.length, 1, `${fn}: one ENTRYPOINT`);
    // Exec form: node is PID 1 and gets Knative's SIGTERM itself (lib/runtime/main.ts stops cleanly on it).
    assert.equal(JSON.parse(entry[0].args), ['/nodejs/bin/node', `/app/${fn}.mjs`]);
    assert.not.ok(
      body.some((i) => i.op === 'CMD'),
      `${fn}: CMD would be appended to the entrypoint`,
    );
  }
});

image('the compile cache is made by the runtime image, as its uid, with the bundles where they run', () => {
  const stage = byName.get('compile-cache')!;
  // The runtime's own node (same version and arch, so its cache is accepted) and its USER 65532.
  assert.is(stage.base, 'runtime');
  assert.is(stage.platform, undefined, 'the target platform: a cache is per arch');
  assert.not.ok(
    stage.body.some((i) => i.op === 'USER'),
    'the cache directory is named after the uid',
  );
  const copies = stage.body.filter((i) => i.op === 'COPY').map((i) => i.args);
  assert.equal(copies, [
    '--from=build /src/dist/ /app/',
    '--from=build /src/build/compile-cache.ts /build/compile-cache.ts',
  ]);
  const runs = stage.body.filter((i) => i.op === 'RUN');
  assert.is(runs.length, 1);
  // Exec form (no shell in distroless), every bundle under /app, written under the nonroot home.
  assert.equal(JSON.parse(runs[0]!.args), [
    '/nodejs/bin/node',
    '/build/compile-cache.ts',
    CACHE_ROOT,
    '/app',
  ]);
  assert.is(runtimeEnv().NODE_COMPILE_CACHE, '/app/compile-cache');
  assert.is(runtimeEnv().NODE_ENV, 'production');
  // Node flags would change the cache's key: the entrypoints pass none (checked below) and nor may the env.
  assert.not.ok('NODE_OPTIONS' in runtimeEnv());
});

image('the build context keeps everything the build stage copies', () => {
  const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  assert.is(ignore[0], '*', 'start from an empty context');
  const sources = byName
    .get('build')!
    .body.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
    .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
  for (const src of sources) assert.ok(ignore.includes(`!${src}`), `${src} is excluded from the context`);
});

image.run();

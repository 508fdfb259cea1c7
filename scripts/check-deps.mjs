// `pnpm deps:check` (also run by `npm test`): the dependency rules of the repository.
//
// 1. No folder cycles. Every source file belongs to the folder it sits in; folder A depends on
//    folder B when a file of A imports a file of B. A cycle (A -> B -> ... -> A) means the two
//    folders are one part in two places, so it is forbidden, including between a folder and its
//    parent (`src/record-batch.ts` importing `src/compression/` while compression imports it back).
// 2. The package rules of the architecture brief: nothing imports an app (testkit and the CLI
//    start apps as processes); apps import no client-side package (sdk, testkit, cli, bench);
//    the SDK depends on protocol alone among the workspace packages.
//
// Usage: node scripts/check-deps.mjs [--verbose] [--layers] [root]
//   root defaults to the repository (tests pass a fixture); --verbose lists every import of a
//   cycle; --layers prints, for each folder with sub-folders, which sub-folder imports which.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const sourceExtensions = ['.ts', '.tsx', '.mts', '.cts', '.js', '.mjs'];
const skippedDirectories = new Set(['node_modules', 'dist', '.turbo', 'coverage', 'test-results']);

/** Source roots the rules cover, relative to the repository root. */
function sourceRoots(root) {
  const roots = [];
  for (const group of ['apps', 'packages']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      if (existsSync(join(dir, name, 'src'))) roots.push(join(dir, name, 'src'));
    }
  }
  for (const extra of ['bench/src', 'tests']) {
    if (existsSync(join(root, extra))) roots.push(join(root, extra));
  }
  return roots;
}

function listSources(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!skippedDirectories.has(entry.name)) listSources(join(dir, entry.name), out);
    } else if (sourceExtensions.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith('.d.ts')) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

/** Workspace packages by name: their folder, and whether they are an app. */
function workspacePackages(root) {
  const packages = new Map();
  const candidates = [];
  for (const group of ['apps', 'packages', 'tests']) {
    const dir = join(root, group);
    if (existsSync(dir)) for (const name of readdirSync(dir)) candidates.push(join(dir, name));
  }
  candidates.push(join(root, 'bench'));
  for (const dir of candidates) {
    const manifest = join(dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const { name, exports } = JSON.parse(readFileSync(manifest, 'utf8'));
    packages.set(name, { name, dir, exports, isApp: relative(root, dir).split(sep)[0] === 'apps' });
  }
  return packages;
}

function packageOf(file, packages) {
  let best;
  for (const pkg of packages.values()) {
    if (file.startsWith(pkg.dir + sep) && (!best || pkg.dir.length > best.dir.length)) best = pkg;
  }
  return best;
}

/** The source file behind a built path such as `./dist/foo.js` (`src/foo.ts`). */
function sourceOfBuilt(pkgDir, builtPath) {
  const base = join(pkgDir, builtPath.replace(/^\.\/dist\//, 'src/')).replace(/\.(d\.ts|js|mjs)$/, '');
  return resolveFile(base);
}

function resolveFile(base) {
  if (existsSync(base) && statSync(base).isFile()) return base;
  const stem = base.replace(/\.(js|mjs|cjs|jsx)$/, '');
  for (const ext of sourceExtensions) if (existsSync(stem + ext)) return stem + ext;
  for (const ext of sourceExtensions)
    if (existsSync(join(base, `index${ext}`))) return join(base, `index${ext}`);
  return undefined;
}

/** Resolves one import to a file of the repository, or to nothing for an external module. */
function resolveImport(specifier, fromFile, packages) {
  if (specifier.startsWith('.')) {
    return { file: resolveFile(resolve(dirname(fromFile), specifier)) };
  }
  const match = /^(@[^/]+\/[^/]+|[^@/][^/]*)(\/.*)?$/.exec(specifier);
  const pkg = match && packages.get(match[1]);
  if (!pkg) return undefined;
  const subpath = `.${match[2] ?? ''}`;
  const target = pkg.exports?.[subpath];
  const built = typeof target === 'string' ? target : (target?.import ?? target?.default ?? target?.types);
  const file = built ? sourceOfBuilt(pkg.dir, built) : undefined;
  return { pkg, file: file ?? resolveFile(join(pkg.dir, 'src', 'index')) };
}

/** Static and dynamic imports and re-exports of one file, type-only ones included. */
function importsOf(file) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles.map((f) => f.fileName);
}

const clientPackages = new Set(['@fjord/sdk', '@fjord/testkit', '@fjord/cli', '@fjord/bench']);

/** Package rule broken by `from` importing `to` (both workspace packages), or undefined. */
function packageRuleViolation(from, to) {
  if (from === to) return undefined;
  if (to.isApp) return `nothing imports an app (${to.name}); testkit and the CLI start apps as processes`;
  if (from.isApp && clientPackages.has(to.name)) return `an app imports no client-side package (${to.name})`;
  if (from.name === '@fjord/sdk' && to.name !== '@fjord/protocol') {
    return `the SDK depends on @fjord/protocol alone among the workspace packages, not on ${to.name}`;
  }
  return undefined;
}

/** Strongly connected components of a graph with more than one node (Tarjan). */
function cyclicComponents(graph) {
  let index = 0;
  const indices = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (node) => {
    indices.set(node, index);
    low.set(node, index);
    index++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node)?.keys() ?? []) {
      if (!indices.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node), low.get(next)));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node), indices.get(next)));
      }
    }
    if (low.get(node) === indices.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...graph.keys()].sort()) if (!indices.has(node)) visit(node);
  return components;
}

/** One shortest cycle through `start` inside `component` (breadth-first), as a list of folders. */
function cycleThrough(start, component, graph) {
  const members = new Set(component);
  const previous = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift();
    for (const next of [...(graph.get(node)?.keys() ?? [])].sort()) {
      if (!members.has(next)) continue;
      if (next === start) {
        const path = [node];
        while (previous.get(path[0]) !== undefined) path.unshift(previous.get(path[0]));
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

/**
 * The folders of each parent that has sub-folders, as "child -> the siblings it imports",
 * listed from the bottom layer up (a folder comes after everything it imports, cycles aside).
 */
function layersOf(siblingGraph, folders) {
  const byParent = new Map();
  for (const folder of folders) {
    const parent = folder.includes('/') ? folder.slice(0, folder.lastIndexOf('/')) : '.';
    if (!byParent.has(parent)) byParent.set(parent, []);
    byParent.get(parent).push(folder);
  }
  const lines = [];
  for (const parent of [...byParent.keys()].sort()) {
    const children = byParent.get(parent);
    const importsOf = (child) =>
      [...(siblingGraph.get(child)?.keys() ?? [])].filter((to) => children.includes(to)).sort();
    const placed = new Set();
    const order = [];
    while (order.length < children.length) {
      const ready = children.filter((c) => !placed.has(c) && importsOf(c).every((to) => placed.has(to)));
      const next = ready.length > 0 ? ready : children.filter((c) => !placed.has(c)).slice(0, 1);
      for (const child of next.sort()) {
        placed.add(child);
        order.push(child);
      }
    }
    lines.push(`${parent}/`);
    for (const child of order) {
      const name = (path) => (parent === '.' ? path : path.slice(parent.length + 1));
      const imports = importsOf(child).map((to) => `${name(to)}/`);
      lines.push(`  ${name(child)}/ -> ${imports.length > 0 ? imports.join(', ') : '(no sibling folder)'}`);
    }
  }
  return lines;
}

/**
 * Checks the rules over the repository at `root`. Returns the violations as readable lines
 * (empty when the layering holds) and the number of files read.
 */
export function checkDependencies(root, { verbose = false } = {}) {
  const packages = workspacePackages(root);
  const files = sourceRoots(root).flatMap((dir) => listSources(dir));
  // Edges between siblings: for an import from file a to file b, the two children of their
  // deepest common folder that hold a and b (a file or a folder each).
  const siblingGraph = new Map(); // sibling -> sibling -> the imports that make the edge
  const folders = new Set();
  const packageViolations = [];
  const rel = (path) => relative(root, path).split(sep).join('/');

  for (const file of files) {
    const fromPkg = packageOf(file, packages);
    for (const specifier of importsOf(file)) {
      const target = resolveImport(specifier, file, packages);
      if (!target) continue;
      const toPkg = target.pkg ?? (target.file && packageOf(target.file, packages));
      if (fromPkg && toPkg) {
        const broken = packageRuleViolation(fromPkg, toPkg);
        if (broken) packageViolations.push(`${rel(file)} imports '${specifier}': ${broken}`);
      }
      if (!target.file || target.file === file) continue;
      const from = rel(file).split('/');
      const to = rel(target.file).split('/');
      let common = 0;
      while (from[common] === to[common]) common++;
      const fromSibling = from.slice(0, common + 1).join('/');
      const toSibling = to.slice(0, common + 1).join('/');
      if (common + 1 < from.length) folders.add(fromSibling);
      if (common + 1 < to.length) folders.add(toSibling);
      if (!siblingGraph.has(fromSibling)) siblingGraph.set(fromSibling, new Map());
      const edges = siblingGraph.get(fromSibling);
      if (!edges.has(toSibling)) edges.set(toSibling, []);
      edges.get(toSibling).push(`${rel(file)} imports '${specifier}'`);
    }
  }
  const shown = (sibling) => (folders.has(sibling) ? `${sibling}/` : sibling);

  // Files of one folder may import each other in a ring; a cycle is forbidden once it passes
  // through a folder.
  const cycleViolations = cyclicComponents(siblingGraph)
    .filter((component) => component.some((sibling) => folders.has(sibling)))
    .map((component) => {
      const start = component.find((sibling) => folders.has(sibling));
      const cycle = cycleThrough(start, component, siblingGraph);
      const steps = cycle.slice(0, -1).map((sibling, i) => {
        const imports = siblingGraph.get(sibling).get(cycle[i + 1]);
        const shownImports = verbose ? imports : imports.slice(0, 3);
        const more =
          imports.length > shownImports.length
            ? `\n        and ${imports.length - 3} more (--verbose lists them)`
            : '';
        return `    ${shown(sibling)} -> ${shown(cycle[i + 1])}:\n        ${shownImports.join('\n        ')}${more}`;
      });
      const all =
        component.length > cycle.length - 1
          ? `\n    (all of this cycle: ${component.map(shown).join(', ')})`
          : '';
      return `folder cycle: ${cycle.map(shown).join(' -> ')}\n${steps.join('\n')}${all}`;
    });
  return {
    violations: [...cycleViolations, ...packageViolations],
    files: files.length,
    layers: layersOf(siblingGraph, folders),
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const verbose = args.includes('--verbose');
  const showLayers = args.includes('--layers');
  const rootArg = args.find((arg) => !arg.startsWith('--'));
  const root = resolve(rootArg ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  if (!existsSync(root)) {
    console.error(`fjord: cannot check dependencies: ${root} does not exist`);
    process.exit(2);
  }
  const { violations, files, layers } = checkDependencies(root, { verbose });
  if (showLayers) console.log(`${layers.join('\n')}\n`);
  if (violations.length > 0) {
    console.error(`fjord: ${violations.length} dependency rule violation(s) in ${files} files:\n`);
    for (const violation of violations) console.error(`${violation}\n`);
    console.error('No folder may import a sibling that imports it back; see docs/ARCHITECTURE.md.');
    process.exit(1);
  }
  console.log(`fjord: dependency rules hold (${files} files, no folder cycle)`);
}

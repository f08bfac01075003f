'use strict';
// The grammar snapshots cover every example: test/examples/ holds one symbolic link per
// examples/*/program.rebate (named after its folder) and per examples/shared/*.rebate (shared-NAME),
// each with its reviewed .snap beside it. This fails when an example has no link or snapshot, or a
// link points at nothing, so that a new example cannot skip the grammar tests.
const fs = require('fs');
const path = require('path');

const here = path.resolve(__dirname, 'examples');
const root = path.resolve(__dirname, '..', '..', '..');
const wanted = new Map();
for (const dir of fs.readdirSync(path.join(root, 'examples'), { withFileTypes: true })) {
  if (!dir.isDirectory()) continue;
  if (dir.name === 'shared') {
    for (const f of fs.readdirSync(path.join(root, 'examples', 'shared'))) {
      if (f.endsWith('.rebate')) wanted.set(`shared-${f}`, path.join(root, 'examples', 'shared', f));
    }
  } else if (fs.existsSync(path.join(root, 'examples', dir.name, 'program.rebate'))) {
    wanted.set(`${dir.name}.rebate`, path.join(root, 'examples', dir.name, 'program.rebate'));
  }
}
const problems = [];
for (const [name, target] of wanted) {
  const link = path.join(here, name);
  let real;
  try {
    real = fs.realpathSync(link);
  } catch (e) {
    problems.push(`test/examples/${name} is missing: ln -s ${path.relative(here, target)} test/examples/${name}`);
    continue;
  }
  if (real !== fs.realpathSync(target)) problems.push(`test/examples/${name} points at ${real}, not ${target}`);
  if (!fs.existsSync(link + '.snap')) {
    problems.push(`test/examples/${name}.snap is missing: run \`npm run test:snap:update\` and review it`);
  }
}
for (const f of fs.readdirSync(here)) {
  if (f.endsWith('.rebate') && !wanted.has(f)) problems.push(`test/examples/${f} is not an example any more: remove it and its .snap`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`example links: ${wanted.size} examples, each with a snapshot`);

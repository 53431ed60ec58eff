#!/usr/bin/env node
// Summarises a V8 .cpuprofile (from `npm run bench -- --prof`): the functions
// with the most self time and the most inclusive time, as shares of the
// process's busy (non-idle) time.
//   node bench/lib/cpuprofile-top.mjs bench/results/prof-<time>/api.cpuprofile [rows] [--skip <s>]
// --skip <s> leaves out the first s seconds of the profile (the process's start-up).
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const skipAt = args.indexOf('--skip');
const skipSeconds = skipAt >= 0 ? Number(args.splice(skipAt, 2)[1]) : 0;
const [file, rowsArg] = args;
if (!file) {
  console.error('usage: node bench/lib/cpuprofile-top.mjs <file.cpuprofile> [rows]');
  process.exit(2);
}
const rows = Number(rowsArg ?? 30);
const profile = JSON.parse(readFileSync(file, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);

const label = (n) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '').replace(/.*node_modules\//, '').replace(/.*\/dist\/apps\/[^/]+\//, '');
  return `${n.callFrame.functionName || '(anonymous)'} ${url}${url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
};
const samplesPerNode = new Map();
const firstCounted = profile.startTime + skipSeconds * 1e6;
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas?.[i] ?? 0;
  if (at >= firstCounted) samplesPerNode.set(id, (samplesPerNode.get(id) ?? 0) + 1);
});

const self = new Map();
const inclusive = new Map();
let busy = 0;
for (const [id, count] of samplesPerNode) {
  const node = nodes.get(id);
  if (node.callFrame.functionName === '(idle)') continue;
  busy += count;
  self.set(label(node), (self.get(label(node)) ?? 0) + count);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parentOf.get(cur)) {
    const key = label(nodes.get(cur));
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + count);
  }
}
const msPerSample = (profile.endTime - profile.startTime) / 1000 / profile.samples.length;
const print = (title, map) => {
  console.log(`\n${title}`);
  for (const [key, count] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) {
    console.log(`${((100 * count) / busy).toFixed(1).padStart(6)} %  ${key}`);
  }
};
console.log(`${file}: ${(busy * msPerSample).toFixed(0)} ms busy`);
print('self time', self);
print('inclusive time', inclusive);

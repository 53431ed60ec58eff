#!/usr/bin/env node
// The floor under Klaxon's single-alert ingest: a bare Fastify server (the
// api's HTTP framework, no auth, no parsing, no Redis), and below it Node's
// own http server without a framework, answering the same POST
// with a 202 and a body like Klaxon's, loaded by the same autocannon settings
// as the bench's single-alert phase. Prints requests/s and the server's CPU
// per request (from /proc), to set beside the bench's api and Alertmanager
// figures. Loopback only, about 20 s.
//   node bench/http-floor.mjs [--duration 8] [--connections 50]
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({ options: { duration: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } } });
const duration = Number(values.duration);

const FASTIFY = `
const fastify = require('fastify')({ logger: false });
fastify.addContentTypeParser('text/plain', { parseAs: 'string' }, (req, body, done) => done(null, body));
fastify.post('/api/v1/alerts', async (req, reply) => {
  reply.code(202);
  return { accepted: 1, rejected: [], ids: [require('node:crypto').randomUUID()] };
});
fastify.listen({ port: 0, host: '127.0.0.1' }).then((address) => process.send(address));
`;

const NODE_HTTP = `
const server = require('node:http').createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    Buffer.concat(chunks).toString('utf8');
    const body = JSON.stringify({ accepted: 1, rejected: [], ids: [require('node:crypto').randomUUID()] });
    res.writeHead(202, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => process.send('http://127.0.0.1:' + server.address().port));
`;

const cpuSeconds = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

async function measure(name, source) {
  const server = spawn(process.execPath, ['-e', source], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const address = await new Promise((resolve, reject) => {
      server.once('message', resolve);
      server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    const body = '[P3][PROBLEM][host-1][10.0.0.1][disk usage 91%]';
    const common = { url: `${address}/api/v1/alerts`, method: 'POST', connections: Number(values.connections), headers: { 'content-type': 'text/plain' }, body };
    await autocannon({ ...common, duration: 2 }); // warm-up
    const before = cpuSeconds(server.pid);
    const result = await autocannon({ ...common, duration });
    const cores = (cpuSeconds(server.pid) - before) / duration;
    const rps = result.requests.average;
    console.log(`${name}, 1 alert/request, ${values.connections} conn, ${duration} s: ${Math.round(rps).toLocaleString('en-US')} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}; server ${cores.toFixed(2)} cores = ${((cores / rps) * 1e6).toFixed(1)} µs per request`);
  } finally {
    server.kill();
  }
}

await measure('bare Fastify', FASTIFY);
await measure('bare node:http', NODE_HTTP);

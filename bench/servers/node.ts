/**
 * Raw node:http: the physical limit every other row is measured against.
 * Routing is a hand-written switch, so it costs next to nothing.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, HELLO, HOST, MAX_REQUESTS_PER_CONNECTION, TEXT } from './common.js';

const USER = /^\/user\/([^/]+)$/;

const HELLO_LENGTH = Buffer.byteLength(HELLO);

function hello(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': TEXT, 'content-length': HELLO_LENGTH });
  res.end(HELLO);
}

function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (req.method === 'GET' && (url === '/' || url === '/mw')) return hello(res);
  if (req.method === 'POST' && url === '/echo') return echo(req, res);
  const user = req.method === 'GET' ? USER.exec(url) : null;
  if (user) {
    const json = JSON.stringify({ id: user[1] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
    return;
  }
  res.writeHead(404, { 'content-type': TEXT });
  res.end('Not Found');
});

server.maxRequestsPerSocket = MAX_REQUESTS_PER_CONNECTION;
server.listen(0, HOST, () => announce((server.address() as AddressInfo).port));

// examples/hello/hello.cgi: the same app as a CGI script, run the way a CGI server runs it
// (the request in environment variables, the body on stdin, the response on stdout).
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function runScript(env: Record<string, string>, input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'sh',
      ['examples/hello/hello.cgi'],
      { env: { PATH: process.env.PATH ?? '', SERVER_PROTOCOL: 'HTTP/1.1', ...env }, timeout: 30_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout)),
    );
    child.stdin?.end(input);
  });
}

describe('examples/hello as a CGI script', () => {
  it('answers a GET with a Status line, headers and the body', async () => {
    const output = await runScript({
      REQUEST_METHOD: 'GET',
      PATH_INFO: '/countdown',
      QUERY_STRING: 'from=2',
    });
    expect(output).toBe('Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n2\n1\nliftoff\n');
  });

  it('reads a POST body from stdin', async () => {
    const body = '{"hi":1}';
    const output = await runScript(
      {
        REQUEST_METHOD: 'POST',
        PATH_INFO: '/echo',
        CONTENT_TYPE: 'application/json',
        CONTENT_LENGTH: String(body.length),
      },
      body,
    );
    expect(output).toMatch(/^Status: 200 OK\r\n[\s\S]*\r\n\r\n\{"youSent":\{"hi":1\}\}$/);
  });
});

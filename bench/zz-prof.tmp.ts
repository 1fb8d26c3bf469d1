import { createEnviron, emptyInput } from '@tsgi/core';
import { router } from '@tsgi/router';
const r = router();
const BODY = ['ok'];
r.get('/static/list', () => BODY).get('/res/:id', () => BODY);
const mk = (t: string) => createEnviron({ method: 'GET', target: t, rawHeaders: ['Host', 'bench'], input: emptyInput, serverName: 'b', serverPort: '80' });
const sr = () => () => {};
for (const [label, env] of [['static', mk('/static/list')], ['param', mk('/res/42')]] as const) {
  for (let round = 0; round < 3; round++) {
    const n = 1e6; const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) r(env, sr);
    console.log(label, Number(process.hrtime.bigint() - t) / n, 'ns');
  }
}
const env = mk('/res/42');
for (let round = 0; round < 3; round++) {
  const n = 1e6; let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) ({ ...env, x: 1 });
  console.log('spread', Number(process.hrtime.bigint() - t) / n, 'ns', Object.keys(env).length);
}

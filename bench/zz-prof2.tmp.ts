import { createEnviron, emptyInput } from '@tsgi/core';
const env = createEnviron({ method: 'GET', target: '/x', rawHeaders: ['Host', 'bench'], input: emptyInput, serverName: 'b', serverPort: '80' });
// @ts-ignore
console.log('fast', eval('%HasFastProperties(env)'));
for (const k of Object.keys(env)) console.log(k, Object.getOwnPropertyDescriptor(env, k)?.get ? 'getter' : '');
const plain = { ...env };
// @ts-ignore
console.log('fast copy', eval('%HasFastProperties(plain)'));
for (const [label, e] of [['env', env], ['copy', plain]] as const) {
  const n = 1e6; let t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) ({ ...e, x: 1 });
  console.log(label, Number(process.hrtime.bigint() - t) / n, 'ns');
}

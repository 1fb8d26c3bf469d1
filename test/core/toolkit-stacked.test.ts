import {
  type App,
  type Body,
  Captured,
  type Chunk,
  type HeaderList,
  type Middleware,
  mapResponse,
  type ResponseMapper,
  Unauthorized,
  validate,
} from '@tsgi/core';
import { mockEnviron, request } from '@tsgi/core/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

// Stacked mapResponse layers share one capture (map-response.ts): each must still see exactly
// what it would see if the layer inside had sent its response on and it had captured it again.
// A pass-through layer between two of them keeps them apart, so every case runs both ways.
const apart: Middleware = (app) => (environ, startResponse) => app(environ, startResponse);

type Kind = 'array' | 'sync' | 'async' | 'promise' | 'lazy';

/** An app answering `hello` in one of the body shapes the contract allows, counting its closes. */
function appOf(kind: Kind) {
  const closes = { count: 0 };
  const close = () => {
    closes.count++;
  };
  const head = [['Content-Type', 'text/plain']] as [string, string][];
  const app: App = (_environ, startResponse) => {
    if (kind === 'lazy') {
      return {
        *[Symbol.iterator]() {
          startResponse('200 OK', head);
          yield 'hel';
          yield 'lo';
        },
        close,
      };
    }
    startResponse('200 OK', head);
    if (kind === 'array') return Object.assign(['hello'], { close });
    if (kind === 'sync') {
      return {
        *[Symbol.iterator]() {
          yield 'hel';
          yield 'lo';
        },
        close,
      };
    }
    const body: Body = {
      async *[Symbol.asyncIterator]() {
        yield 'hel';
        yield 'lo';
      },
      close,
    };
    return kind === 'async' ? body : Promise.resolve(body);
  };
  return { app, closes };
}

/** Runs `outer(inner(app))`, with or without a layer between, and reports what went out. */
async function run(kind: Kind, inner: ResponseMapper, outer: ResponseMapper, separated: boolean) {
  const { app, closes } = appOf(kind);
  const innerLayer = mapResponse(inner);
  const outerLayer = mapResponse(outer);
  const stacked = separated ? outerLayer(apart(innerLayer(app))) : outerLayer(innerLayer(app));
  const response = await request(validate(stacked), { rethrow: false });
  return {
    status: response.status,
    headers: [...response.headers.entries()].filter(([name]) => name !== 'content-length'),
    text: response.text(),
    closes: closes.count,
  };
}

const kinds: Kind[] = ['array', 'sync', 'async', 'promise', 'lazy'];

describe('stacked mapResponse layers', () => {
  const cases: Record<string, [ResponseMapper, ResponseMapper]> = {
    'outer sees what the inner changed': [
      (response) => {
        response.setHeader('X-Inner', response.getHeader('content-type') ?? 'none');
      },
      (response) => {
        response.appendHeader('X-Outer', response.getHeader('x-inner') ?? 'none');
      },
    ],
    'inner throws an HTTPError: outer maps the error page': [
      () => {
        throw new Unauthorized();
      },
      (response) => {
        response.appendHeader('X-Outer', String(response.code));
      },
    ],
    'inner rejects with an HTTPError: outer maps the error page': [
      async () => {
        throw new Unauthorized();
      },
      (response) => {
        response.appendHeader('X-Outer', String(response.code));
      },
    ],
    'inner answers instead: outer maps the answer': [
      (response) => {
        const answer = new Captured('403 Forbidden', [['Content-Type', 'text/plain']], ['no']);
        answer.error = response.error;
        return answer;
      },
      (response) => {
        response.appendHeader('X-Outer', response.status);
      },
    ],
    'inner is async: outer runs after it': [
      async (response) => {
        await new Promise((resolve) => setImmediate(resolve));
        response.setHeader('X-Inner', 'late');
      },
      (response) => {
        response.appendHeader('X-Outer', response.getHeader('X-INNER') ?? 'none');
      },
    ],
    'outer throws an HTTPError: the page goes out': [
      (response) => {
        response.setHeader('X-Inner', 'yes');
      },
      () => {
        throw new Unauthorized();
      },
    ],
  };

  for (const [name, [inner, outer]] of Object.entries(cases)) {
    it(`${name}, the same as with a layer between them, on every body shape`, async () => {
      for (const kind of kinds) {
        const shared = await run(kind, inner, outer, false);
        const separated = await run(kind, inner, outer, true);
        expect({ kind, ...shared }).toEqual({ kind, ...separated });
        expect({ kind, closes: shared.closes }).toEqual({ kind, closes: 1 });
      }
    });
  }

  it('runs the mappers innermost first, and the app once', async () => {
    const order: string[] = [];
    let calls = 0;
    const app: App = (_environ, startResponse) => {
      calls++;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello'];
    };
    const layer = (label: string) =>
      mapResponse((response) => {
        order.push(label);
        response.appendHeader('X-Seen', label);
      });
    const stacked = layer('outer')(layer('middle')(layer('inner')(app)));
    const response = await request(stacked);
    expect(order).toEqual(['inner', 'middle', 'outer']);
    expect(calls).toBe(1);
    expect(response.headers.get('x-seen')).toBe('inner, middle, outer');
  });

  it('lets a plain error out of an inner mapper through, unmapped, closing the body once', () => {
    const { app, closes } = appOf('array');
    let outerRan = false;
    const stacked = mapResponse(() => {
      outerRan = true;
    })(
      mapResponse(() => {
        throw new Error('inner failed');
      })(app),
    );
    expect(() => stacked(mockEnviron(), () => () => {})).toThrow('inner failed');
    expect(outerRan).toBe(false);
    expect(closes.count).toBe(1);
  });

  it('leaves the inner layer working on its own', async () => {
    const { app } = appOf('array');
    const inner = mapResponse((response) => {
      response.setHeader('X-Inner', 'yes');
    })(app);
    mapResponse((response) => {
      response.setHeader('X-Outer', 'yes');
    })(inner);
    const response = await request(inner);
    expect(response.headers.get('x-inner')).toBe('yes');
    expect(response.headers.get('x-outer')).toBe(null);
  });
});

describe('Captured header look-up', () => {
  it('types the header list read-only: a change in place does not compile, the methods are the way', () => {
    const constant: HeaderList = [['Content-Type', 'text/plain']];
    const response = new Captured('200 OK', constant, []);
    expect(response.getHeader('content-type')).toBe('text/plain');
    const pushInPlace = () => {
      // @ts-expect-error a push would change the app's own (often constant) list behind getHeader's back
      response.headers.push(['Content-Type', 'text/html']);
    };
    expect(pushInPlace).toBeTypeOf('function');
    response.setHeader('Content-Type', 'text/html');
    expect(response.getHeader('content-type')).toBe('text/html');
    // a list made from the one read (filter, spread) is assigned whole, and read from then on
    response.headers = [
      ...response.headers.filter(([key]) => key !== 'Content-Type'),
      ['Content-Type', 'a/b'],
    ];
    expect(response.getHeader('content-type')).toBe('a/b');
    expect(constant).toEqual([['Content-Type', 'text/plain']]);
  });

  it('finds names in any case and follows every change of the list', () => {
    const appList: [string, string][] = [
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ];
    const response = new Captured('200 OK', appList, [] as Chunk[]);
    expect(response.getHeader('content-type')).toBe('text/plain');
    expect(response.getHeader('CONTENT-TYPE')).toBe('text/plain');
    expect(response.getHeader('x-a')).toBe('1');
    expect(response.getHeader('content-type')).toBe('text/plain');
    expect(response.getHeader('x-b')).toBeUndefined();
    response.appendHeader('X-B', '2');
    expect(response.getHeader('x-b')).toBe('2');
    response.deleteHeader('CONTENT-type');
    expect(response.getHeader('content-type')).toBeUndefined();
    expect(response.getHeader('x-a')).toBe('1');
    response.setHeader('x-a', '3');
    expect(response.getHeader('X-A')).toBe('3');
    response.headers = [['Content-Type', 'text/html']];
    expect(response.getHeader('content-type')).toBe('text/html');
    expect(response.getHeader('x-a')).toBeUndefined();
    // the app's own list was never changed
    expect(appList).toEqual([
      ['Content-Type', 'text/plain'],
      ['X-A', '1'],
    ]);
  });
  it('finds a header named exactly as asked, even where lower-casing changes the length', () => {
    // 'İ'.toLowerCase() is two code units: a length compare must not skip the very name asked for
    const response = new Captured(
      '200 OK',
      [
        ['İ', 'dotted'],
        ['Straße', 'sharp'],
      ],
      [] as Chunk[],
    );
    expect(response.getHeader('İ')).toBe('dotted');
    expect(response.getHeader('straße')).toBe('sharp');
  });

  it('agrees with a plain list after any run of look-ups and changes (property)', () => {
    const name = fc.constantFrom('A', 'a', 'B', 'b', 'Vary', 'VARY', 'c', 'İ');
    const pair = fc.tuple(name, fc.string({ maxLength: 2 }));
    const op = fc.oneof(
      fc.tuple(fc.constant('get' as const), name),
      fc.tuple(fc.constant('set' as const), pair),
      fc.tuple(fc.constant('append' as const), pair),
      fc.tuple(fc.constant('delete' as const), name),
      fc.tuple(fc.constant('assign' as const), fc.array(pair, { maxLength: 4 })),
    );
    const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
    fc.assert(
      fc.property(fc.array(pair, { maxLength: 4 }), fc.array(op, { maxLength: 20 }), (start, ops) => {
        const appList = start.map(([k, v]) => [k, v] as [string, string]);
        const before = JSON.stringify(appList);
        const response = new Captured('200 OK', appList, [] as Chunk[]);
        let model = start.map(([k, v]) => [k, v] as [string, string]);
        for (const [kind, arg] of ops) {
          if (kind === 'get') expect(response.getHeader(arg)).toBe(model.find(([k]) => same(k, arg))?.[1]);
          else if (kind === 'set') {
            response.setHeader(arg[0], arg[1]);
            model = [...model.filter(([k]) => !same(k, arg[0])), [arg[0], arg[1]]];
          } else if (kind === 'append') {
            response.appendHeader(arg[0], arg[1]);
            model.push([arg[0], arg[1]]);
          } else if (kind === 'delete') {
            response.deleteHeader(arg);
            model = model.filter(([k]) => !same(k, arg));
          } else {
            response.headers = arg.map(([k, v]) => [k, v] as [string, string]);
            model = arg.map(([k, v]) => [k, v] as [string, string]);
          }
          expect(response.headers).toEqual(model);
        }
        expect(JSON.stringify(appList)).toBe(before); // the app's list: never changed in place
      }),
      { numRuns: 1000 },
    );
  });
});

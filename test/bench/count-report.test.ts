import { describe, expect, it } from 'vitest';
import { sumThreadTotals } from '../../bench/lib/callgrind.js';
import { GROUPS } from '../../bench/lib/cases.js';
import {
  batchSpread,
  type CountGroupResult,
  countRatio,
  countTable,
  mergeCounts,
  perRequest,
} from '../../bench/lib/count-report.js';

// The arithmetic of bench:count (no timing here: the count itself runs only in bench/).
describe('instruction count arithmetic', () => {
  it('subtracts the total read after the warm-up, so startup and warm-up never count', () => {
    expect(perRequest([5_000_000, 5_000_600, 5_001_300], 2)).toEqual({
      perRequest: 325,
      batches: [300, 350],
    });
  });

  it('refuses a count without a total on both sides of a batch', () => {
    expect(() => perRequest([1], 10)).toThrow(RangeError);
    expect(() => perRequest([1, 2], 0)).toThrow(RangeError);
  });

  it('merges the processes of one case: their mean, and every batch for the median', () => {
    const one = { perRequest: 100, batches: [99, 101], warmup: 10, requests: 2 };
    const two = { perRequest: 110, batches: [108, 112], warmup: 10, requests: 2 };
    expect(mergeCounts([one, two])).toEqual({
      perRequest: 105,
      batches: [99, 101, 108, 112],
      warmup: 10,
      requests: 4,
    });
    expect(mergeCounts([one])).toEqual(one);
    const failure = { reason: 'did not start', detail: 'port in use' };
    expect(mergeCounts([one, failure, two])).toBe(failure);
    expect(() => mergeCounts([])).toThrow(RangeError);
  });

  it('reports the spread of the batches relative to the figure', () => {
    expect(batchSpread({ perRequest: 200, batches: [190, 200, 210] })).toBeCloseTo(0.1);
  });

  it('sums every thread of callgrind_control -e, thousands separators included', () => {
    const output = [
      'PID 8186: node --predictable dist/servers/node.js',
      'sending command status internal to pid 8186',
      '',
      '  Totals:         Ir ',
      '   Th 1  554,341,704 ',
      '   Th 2        3,478 ',
      '   Th 3          448 ',
    ].join('\n');
    expect(sumThreadTotals(output)).toBe(554_345_630);
    expect(() => sumThreadTotals('PID 1: gone')).toThrow(/no thread totals/);
  });

  it('gives ratios like req/s (baseline cost ÷ row cost) and shows a failed row without a figure', () => {
    const hello = GROUPS.find((group) => group.name === 'hello')!;
    const rows: CountGroupResult['rows'] = hello.cases.map(() => ({ reason: 'did not start', detail: 'x' }));
    rows[0] = { perRequest: 50_000, batches: [50_000], warmup: 1, requests: 1 };
    rows[1] = { perRequest: 62_500, batches: [62_000, 63_000, 62_100], warmup: 1, requests: 3 };
    const result: CountGroupResult = { group: hello, rows };
    expect(countRatio([result], 'hello', ['tsgi'], ['node'])).toBeCloseTo(0.8);
    expect(countRatio([result], 'hello', ['tsgi'], ['fastify'])).toBeNaN();
    const table = countTable(result);
    // the median batch leaves out one batch that a full GC landed in
    expect(table).toContain('| tsgi | 62,500 | 0.800 | 1.60% | 62,100 |');
    expect(table).toMatch(/\| Fastify 5 \| – \| – \| did not start \| – \|/);
  });
});

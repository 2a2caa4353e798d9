import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { p50RatioInterval } from './stats';

const t = suite('p50RatioInterval');

const spread = (center: number, n: number, width: number) =>
  Array.from({ length: n }, (_, i) => center - width + (2 * width * i) / (n - 1));

t('brackets the ratio of the p50s, and says the same for the same samples', () => {
  const a = spread(300, 20, 60);
  const b = spread(200, 20, 40);
  const i = p50RatioInterval(a, b)!;
  assert.ok(i.low < 1.5 && 1.5 < i.high, `${i.low}–${i.high}`);
  assert.equal(p50RatioInterval(a, b), i);
});

t('narrows with more samples of the same spread', () => {
  const few = p50RatioInterval(spread(300, 10, 60), spread(200, 10, 40))!;
  const many = p50RatioInterval(spread(300, 80, 60), spread(200, 80, 40))!;
  assert.ok(many.high - many.low < few.high - few.low, `${many.high - many.low} vs ${few.high - few.low}`);
});

t('no interval from fewer than two samples a side', () => {
  assert.is(p50RatioInterval([1], [1, 2]), undefined);
});

t.run();

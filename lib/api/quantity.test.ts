import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseQuantity } from './quantity';

const quantity = suite('parseQuantity');

quantity('parses the Kubernetes quantity forms', () => {
  assert.is(parseQuantity('2'), 2);
  assert.is(parseQuantity(8), 8);
  assert.is(parseQuantity('500m'), 0.5);
  assert.is(parseQuantity('16Gi'), 16 * 2 ** 30);
  assert.is(parseQuantity('1G'), 1e9);
  assert.is(parseQuantity('1e3'), 1000);
  assert.is(parseQuantity('1E3'), 1000);
  assert.is(parseQuantity('2E'), 2e18, 'a lone E is the exa suffix');
  assert.is(parseQuantity('.5'), 0.5);
  assert.is(parseQuantity('1.'), 1);
  assert.is(parseQuantity('+2k'), 2000);
  assert.is(parseQuantity('-1'), -1);
});

quantity('the forms the API server writes back compare equal to what was asked', () => {
  assert.is(parseQuantity('1000m'), parseQuantity('1'));
  assert.is(parseQuantity('1024Mi'), parseQuantity('1Gi'));
  assert.is(parseQuantity('1e3'), parseQuantity('1k'));
});

quantity('refuses malformed quantities', () => {
  for (const q of ['', 'lots', '1gi', '1 Gi', '1.2.3', 'Gi', '1e3Gi', '1Mm', 'e3', '0x10']) {
    assert.is(parseQuantity(q), undefined, q);
  }
  assert.is(parseQuantity(Number.NaN), undefined);
  assert.is(parseQuantity(Number.POSITIVE_INFINITY), undefined);
});

quantity.run();

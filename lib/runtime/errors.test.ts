import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { KubeApiError } from '../k8s/errors';
import { classify, PermanentError, TransientError } from './errors';

const kube = (status: number) =>
  new KubeApiError({ status, reason: 'R', message: 'm', verb: 'apply', method: 'PATCH', path: '/p' });

const c = suite('classify');

c('explicit classes', () => {
  assert.is(classify(new TransientError('etcd unreachable')), 'transient');
  assert.is(classify(new PermanentError('spec.size must be >= 0')), 'permanent');
});

c('Kubernetes errors by status, also when wrapped', () => {
  assert.is(classify(kube(503)), 'transient');
  assert.is(classify(kube(409)), 'transient');
  assert.is(classify(kube(403)), 'permanent');
  assert.is(classify(new Error('apply Service ns/x', { cause: kube(429) })), 'transient');
  assert.is(classify(new Error('apply Service ns/x', { cause: kube(422) })), 'permanent');
});

c('the outermost explicit class wins over its cause', () => {
  assert.is(classify(new PermanentError('gave up after conflicts', { cause: kube(409) })), 'permanent');
  assert.is(classify(new TransientError('retry', { cause: kube(422) })), 'transient');
});

c('network errors are transient', () => {
  assert.is(classify(Object.assign(new Error('connect'), { code: 'ECONNREFUSED' })), 'transient');
});

c('anything else is permanent (bugs do not improve with redelivery)', () => {
  assert.is(classify(new TypeError("cannot read properties of undefined (reading 'spec')")), 'permanent');
  assert.is(classify('thrown string'), 'permanent');
});

c('both classes keep their cause', () => {
  const cause = new Error('root');
  assert.is(new TransientError('t', { cause }).cause, cause);
  assert.is(new PermanentError('p', { cause }).cause, cause);
  assert.is(new PermanentError('p').name, 'PermanentError');
});

c.run();

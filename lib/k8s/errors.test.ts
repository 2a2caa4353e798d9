import { ApiException } from '@kubernetes/client-node';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { causeChain, fromClientError, hasStatus, isTransient, KubeApiError } from './errors';

const apiError = (status: number, reason = 'X', code?: string) =>
  new KubeApiError({
    status,
    reason,
    message: 'm',
    verb: 'get',
    method: 'GET',
    path: '/api/v1/pods',
    ...(code ? { code } : {}),
  });

const transient = suite('isTransient');

transient('HTTP statuses: 409, 429 and 5xx retry; 400, 403, 404, 410, 422 do not', () => {
  for (const s of [409, 429, 500, 502, 503, 504]) assert.ok(isTransient(apiError(s)), String(s));
  for (const s of [400, 401, 403, 404, 410, 422]) assert.not.ok(isTransient(apiError(s)), String(s));
});

transient('a server-side apply schema mismatch is a 500 but permanent', () => {
  const e = new KubeApiError({
    status: 500,
    reason: 'Internal Server Error',
    message:
      'failed to create typed patch object (default/x; /v1, Kind=ConfigMap): .bogus: field not declared in schema',
    verb: 'apply',
    method: 'PATCH',
    path: '/api/v1/namespaces/default/configmaps/x',
  });
  assert.not.ok(isTransient(e));
});

transient('no response: network errors and timeouts retry, TLS failures do not', () => {
  assert.ok(isTransient(apiError(0, 'NetworkError', 'ECONNREFUSED')));
  assert.ok(isTransient(apiError(0, 'NetworkError', 'ECONNRESET')));
  assert.ok(isTransient(apiError(0, 'Timeout', 'ETIMEDOUT')));
  assert.not.ok(isTransient(apiError(0, 'NetworkError', 'DEPTH_ZERO_SELF_SIGNED_CERT')));
});

transient('raw node errors by code, and AbortSignal timeouts', () => {
  const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
  assert.ok(isTransient(reset));
  const timeout = new Error('timed out');
  timeout.name = 'TimeoutError';
  assert.ok(isTransient(timeout));
  assert.not.ok(isTransient(new TypeError('x is undefined')));
  assert.not.ok(isTransient('a string'));
  assert.not.ok(isTransient(undefined));
});

transient('a wrapped error is judged by its cause', () => {
  const wrapped = new Error('apply StatefulSet ns/gpss-a', { cause: apiError(503) });
  assert.ok(isTransient(wrapped));
  const twice = new Error('reconcile ns/c1', { cause: new Error('apply', { cause: apiError(422) }) });
  assert.not.ok(isTransient(twice));
});

transient('hasStatus looks through the chain', () => {
  const wrapped = new Error('get', { cause: apiError(404) });
  assert.ok(hasStatus(wrapped, 404));
  assert.not.ok(hasStatus(wrapped, 409));
});

transient('causeChain stops on cycles', () => {
  const a = new Error('a');
  const b = new Error('b', { cause: a });
  (a as { cause?: unknown }).cause = b;
  assert.is(causeChain(b).length, 2);
});

const message = suite('KubeApiError');

message('message names verb, path, status, reason; fields kept', () => {
  const e = new KubeApiError({
    status: 409,
    reason: 'Conflict',
    message: 'the object has been modified',
    verb: 'update',
    method: 'PUT',
    path: '/apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters/c1',
  });
  assert.is(
    e.message,
    'update /apis/gpss.gpdb.io/v1/namespaces/ns/gpssclusters/c1: 409 Conflict: the object has been modified',
  );
  assert.is(e.name, 'KubeApiError');
  assert.is(e.status, 409);
  assert.is(e.reason, 'Conflict');
  assert.is(e.method, 'PUT');
});

const library = suite('what @kubernetes/client-node throws, as KubeApiError');
const target = { verb: 'apply', resource: 'statefulsets', namespace: 'ns', name: 's1' };

library('an ApiException with a Status body: code, reason, message, causes, Retry-After', () => {
  const body = JSON.stringify({
    kind: 'Status',
    status: 'Failure',
    reason: 'Invalid',
    message: 'StatefulSet.apps "s1" is invalid: spec.template.spec.nodeSelector: Invalid value: "bad key!"',
    details: { causes: [{ field: 'spec.template.spec.nodeSelector', message: 'Invalid value' }] },
    code: 422,
  });
  const e = fromClientError(
    new ApiException(422, 'Unknown API Status Code!', body, {}),
    target,
  ) as KubeApiError;
  assert.instance(e, KubeApiError);
  assert.is(e.status, 422);
  assert.is(e.reason, 'Invalid');
  assert.is(e.resource, 'statefulsets');
  assert.is(e.details?.causes?.[0]?.field, 'spec.template.spec.nodeSelector');
  assert.match(
    e.message,
    /^apply namespaces\/ns\/statefulsets\/s1: 422 Invalid: StatefulSet\.apps "s1" is invalid/,
  );
  assert.not.ok(isTransient(e));
  const throttled = fromClientError(
    new ApiException(429, 'x', '{"reason":"TooManyRequests"}', { 'retry-after': '7' }),
    target,
  ) as KubeApiError;
  assert.is(throttled.retryAfterSeconds, 7);
  assert.ok(isTransient(throttled));
});

library('a 401 without a body still names the failure', () => {
  const e = fromClientError(new ApiException(401, 'Unauthorized', undefined, {}), target) as KubeApiError;
  assert.is(e.status, 401);
  assert.is(e.reason, 'Unauthorized');
  assert.not.ok(isTransient(e));
});

library('transport failures and timeouts are transient network errors', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const e = fromClientError(new TypeError('fetch failed', { cause: refused }), target) as KubeApiError;
  assert.is(e.status, 0);
  assert.is(e.code, 'ECONNREFUSED');
  assert.ok(isTransient(e));
  const timeout = Object.assign(new Error('The operation was aborted due to timeout'), {
    name: 'TimeoutError',
  });
  assert.ok(isTransient(fromClientError(timeout, target)));
});

library('anything else passes through unchanged', () => {
  const bug = new TypeError('x is not a function');
  assert.is(fromClientError(bug, target), bug);
});

transient.run();
message.run();
library.run();

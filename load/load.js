// k6 load test for the service. Thresholds decide k6's exit code (99 when one is crossed).
//
// Default shape, the seed's: 4 VUs share 1000 iterations. Setting RATE switches to an open
// model (constant-arrival-rate: RATE iterations/s for DURATION), which keeps the offered load
// steady whatever the latency, for latency figures and for traffic during a rollout.
//
// Each iteration sends the requests listed in requests.json (name, path, and the JSON body
// expected back): list your own routes there. Environment: FASTAPI_ROOT (default
// http://127.0.0.1:8000), VUS, ITERATIONS, RATE, DURATION, P95_MS (latency threshold,
// default 250), SUMMARY_PATH (JSON summary file). Uses only k6's built-in modules: offline.
import http from 'k6/http';
import { check } from 'k6';

const BASE = (__ENV.FASTAPI_ROOT || 'http://127.0.0.1:8000').replace(/\/+$/, '');
const P95_MS = Number(__ENV.P95_MS || 250);
const SUMMARY_PATH = __ENV.SUMMARY_PATH || 'load-summary.json';
const REQUESTS = JSON.parse(open('./requests.json'));

const closedModel = {
  executor: 'shared-iterations',
  vus: Number(__ENV.VUS || 4),
  iterations: Number(__ENV.ITERATIONS || 1000),
  maxDuration: __ENV.MAX_DURATION || '5m',
};

const openModel = {
  executor: 'constant-arrival-rate',
  rate: Number(__ENV.RATE),
  timeUnit: '1s',
  duration: __ENV.DURATION || '30s',
  preAllocatedVUs: Number(__ENV.VUS || 20),
  maxVUs: Number(__ENV.MAX_VUS || 200),
};

export const options = {
  scenarios: { default: __ENV.RATE ? openModel : closedModel },
  thresholds: {
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    http_req_duration: [`p(95)<${P95_MS}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

export default function () {
  for (const { name, path, json } of REQUESTS) {
    const response = http.get(`${BASE}${path}`, { tags: { name } });
    check(response, {
      [`${name} is 200`]: (r) => r.status === 200,
      [`${name} answers as expected`]: (r) =>
        json === undefined || (r.status === 200 && matches(json, r.json())),
    });
  }
}

// Deep equality by key: k6 hands back JSON objects whose key order varies between calls.
function matches(expected, actual) {
  if (typeof expected !== 'object' || expected === null || actual === null || typeof actual !== 'object') {
    return expected === actual;
  }
  const keys = Object.keys(expected);
  return keys.length === Object.keys(actual).length && keys.every((k) => matches(expected[k], actual[k]));
}

function thresholdLines(metrics) {
  const lines = [];
  for (const [name, metric] of Object.entries(metrics)) {
    for (const [rule, result] of Object.entries(metric.thresholds || {})) {
      lines.push(`  ${result.ok ? 'PASS' : 'FAIL'}  ${name} ${rule}`);
    }
  }
  return lines;
}

// A short text summary on stdout and the full summary as JSON in SUMMARY_PATH.
export function handleSummary(data) {
  const m = data.metrics;
  const d = m.http_req_duration.values;
  const text = [
    `k6 against ${BASE}`,
    `  requests ${m.http_reqs.values.count} at ${m.http_reqs.values.rate.toFixed(1)}/s, ` +
      `failed ${m.http_req_failed.values.passes} (${(100 * m.http_req_failed.values.rate).toFixed(2)}%), ` +
      `checks ${(100 * m.checks.values.rate).toFixed(2)}% passed`,
    `  latency ms: med ${d.med.toFixed(2)}  p90 ${d['p(90)'].toFixed(2)}  ` +
      `p95 ${d['p(95)'].toFixed(2)}  p99 ${d['p(99)'].toFixed(2)}  max ${d.max.toFixed(2)}`,
    'thresholds:',
    ...thresholdLines(m),
    `summary: ${SUMMARY_PATH}`,
    '',
  ].join('\n');
  return { stdout: text, [SUMMARY_PATH]: JSON.stringify(data, null, 2) };
}

// The smoke test of scenarios/smoke.yaml, as a k6 script: `k6 run` and `loadpy run` both run it unchanged.
// Run it:  loadpy run --demo scenarios/smoke.js
//     or:  loadpy demo --port 8080 & k6 run -e BASE_URL=http://127.0.0.1:8080 scenarios/smoke.js
import http from 'k6/http';
import { check, group, sleep } from 'k6';
import { Counter } from 'k6/metrics';

const BASE_URL = __ENV.BASE_URL || 'http://127.0.0.1:8080';
const logins = new Counter('logins');

export const options = {
  vus: 1,
  iterations: 3,
  thresholds: {
    http_req_failed: ['rate==0'],
    checks: ['rate==1'],
    'http_req_duration{name:home}': ['p(95)<1000'],
  },
};

export default function () {
  const home = http.get(`${BASE_URL}/`, { tags: { name: 'home' } });
  check(home, {
    'status is 200': (r) => r.status === 200,
    'body is ok': (r) => r.body === 'ok',
  });

  const doc = http.get(`${BASE_URL}/json`, { tags: { name: 'json' } });
  check(doc, { 'has items': (r) => JSON.stringify(r.json('items')) === '[1,2,3]' });

  group('checkout', () => {
    const login = http.post(`${BASE_URL}/login`, JSON.stringify({ username: `vu${__VU}` }), {
      headers: { 'Content-Type': 'application/json' },
      tags: { name: 'login' },
    });
    const token = login.json('token');
    check(login, { 'got a token': () => token === `token-vu${__VU}` });
    logins.add(1);
    const echo = http.post(`${BASE_URL}/echo`, { item: 'book', qty: 2 }, {
      headers: { Authorization: `Bearer ${token}` },
      tags: { name: 'echo' },
    });
    check(echo, { 'form echoed': (r) => r.body === 'item=book&qty=2' });
  });
  sleep(0.1);
}

// Preloaded (node --import) into test processes: names under .neon.test resolve to
// loopback, so connection strings can be shaped exactly like Neon's (a -pooler host,
// sslmode, channel_binding) while the server is the PostgreSQL the test run started.
// Only DNS is faked; TLS, SCRAM and the wire protocol are real.
import dns from 'node:dns';

const realLookup = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  if (typeof hostname === 'string' && hostname.endsWith('.neon.test')) {
    const cb = typeof options === 'function' ? options : callback;
    // A pooler that cannot be reached (postgres.ts DIRECT_ONLY_ENDPOINT): only its direct URL works.
    if (hostname.startsWith('ep-direct-only-') && hostname.split('.')[0].endsWith('-pooler')) {
      const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
      return process.nextTick(cb, error);
    }
    const opts = typeof options === 'object' && options !== null ? options : {};
    if (opts.all) return process.nextTick(cb, null, [{ address: '127.0.0.1', family: 4 }]);
    return process.nextTick(cb, null, '127.0.0.1', 4);
  }
  return realLookup.call(this, hostname, options, callback);
};

/**
 * JSON over HTTP for the Instagres API: a deadline on every attempt, retries with backoff for
 * connection errors, 429 and 5xx (honouring Retry-After), a size limit on answers, and a
 * User-Agent naming get-db. Sent by Node's own client, or by undici's proxy agent where
 * HTTP(S)_PROXY is set (transport.ts).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { cancelledError, GetDbError, isGetDbError } from '../errors.js';
import { VERSION } from '../version.js';
import { errorFromStatus, unexpectedResponse } from './api-errors.js';
import { nodeTransport } from './node-transport.js';
import { backoffDelay, isRetryableStatus, isTransientSocketError, MAX_RETRY_AFTER_MS, parseRetryAfter } from './retry-policy.js';
import { proxyConfigured, type Answer, type Transport } from './transport.js';

export interface JsonRequest {
  method: 'GET' | 'POST';
  url: string;
  body?: unknown;
  signal?: AbortSignal;
  /** Per attempt: connect, headers and body together. Default 15 s (GET_DB_HTTP_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Further attempts after the first. Default 3 (GET_DB_HTTP_RETRIES). */
  retries?: number;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

export const USER_AGENT = `get-db/${VERSION} (node ${process.versions.node}; ${process.platform})`;
const MAX_BODY_BYTES = 1024 * 1024;

function numberFromEnv(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return process.env[name] !== undefined && Number.isFinite(value) && value >= 0 ? value : fallback;
}

let chosen: Promise<Transport> | undefined;
/** Chosen once per process, as the proxy settings are read once. undici loads only for a proxy. */
function transport(): Promise<Transport> {
  chosen ??= proxyConfigured() ? import('./undici-transport.js').then((module) => module.undiciTransport) : Promise.resolve(nodeTransport);
  return chosen;
}

type Attempt = { kind: 'answer'; response: JsonResponse; retryAfterMs?: number } | { kind: 'failure'; error: GetDbError; retryable: boolean };

export async function requestJson(req: JsonRequest): Promise<JsonResponse> {
  const timeoutMs = req.timeoutMs ?? numberFromEnv('GET_DB_HTTP_TIMEOUT_MS', 15_000);
  const retries = req.retries ?? numberFromEnv('GET_DB_HTTP_RETRIES', 3);
  for (let attempt = 0; ; attempt++) {
    const result = await attemptOnce(req, timeoutMs);
    const last = attempt >= retries;
    if (result.kind === 'failure') {
      if (last || !result.retryable) throw result.error;
      await wait(backoffDelay(attempt), req.signal);
      continue;
    }
    const { status, body } = result.response;
    if (status >= 200 && status < 300) return result.response;
    const host = new URL(req.url).host;
    const tooLong = result.retryAfterMs !== undefined && result.retryAfterMs > MAX_RETRY_AFTER_MS;
    if (last || !isRetryableStatus(status) || tooLong) throw errorFromStatus(host, status, body, result.retryAfterMs, attempt + 1);
    await wait(result.retryAfterMs ?? backoffDelay(attempt), req.signal);
  }
}

async function wait(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch (error) {
    throw cancelledError(error);
  }
}

async function attemptOnce(req: JsonRequest, timeoutMs: number): Promise<Attempt> {
  if (req.signal?.aborted) throw cancelledError(req.signal.reason);
  const deadline = AbortSignal.timeout(timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, deadline]) : deadline;
  const url = new URL(req.url);
  const host = url.host;
  const via = await transport();
  try {
    const response = await via.send({
      method: req.method,
      url,
      signal,
      headers: {
        accept: 'application/json',
        'user-agent': USER_AGENT,
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
    });
    const text = await readLimited(response.body, host, response.status);
    const retryAfterMs = parseRetryAfter(response.retryAfter);
    return { kind: 'answer', response: { status: response.status, body: parseJson(text, host, response.status) }, retryAfterMs };
  } catch (error) {
    if (req.signal?.aborted) throw cancelledError(req.signal.reason);
    if (deadline.aborted) return timeoutFailure(req, host, timeoutMs);
    if (isGetDbError(error)) return { kind: 'failure', error, retryable: false };
    return networkFailure(error, host, via.proxyFor(url.origin));
  }
}

/** HTML error pages and other non-JSON bodies are kept as `undefined` and judged by status. */
function parseJson(text: string, host: string, status: number): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (status >= 200 && status < 300) throw unexpectedResponse(host, status, 'the body is not JSON');
    return undefined;
  }
}

async function readLimited(body: Answer['body'], host: string, status: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw unexpectedResponse(host, status, 'the body is too large');
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A POST that timed out may still be creating a database: asking again would make a second
 * one, so only reads are retried after a timeout.
 */
function timeoutFailure(req: JsonRequest, host: string, timeoutMs: number): Attempt {
  const error = new GetDbError('TIMEOUT', `${host} did not answer within ${Math.round(timeoutMs / 100) / 10} s (timed out).`, {
    hint: 'The API may be slow or unreachable from here; try again, or check HTTPS_PROXY / --api-url.',
  });
  return { kind: 'failure', error, retryable: req.method === 'GET' };
}

// TLS verification failures (Node's codes): the server answered, but not as one we trust.
const UNTRUSTED_CERTIFICATE = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID)$/;

// Failures to open a connection. Through a proxy, the only connection get-db opens is to it.
const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function networkFailure(error: unknown, host: string, proxy: string | undefined): Attempt {
  const code = socketErrorCode(error);
  const reason = code ?? (error instanceof Error ? error.message : String(error));
  let message = `Could not reach ${host}: ${reason}.`;
  let hint = 'Check your connection, HTTPS_PROXY / NO_PROXY, or point --api-url (INSTAGRES_API_URL) at a reachable server.';
  if (code !== undefined && UNTRUSTED_CERTIFICATE.test(code)) {
    message = `Could not reach ${host}: its certificate is not trusted here (${code}).`;
    hint = 'Behind a proxy that inspects TLS, or with a private CA, point NODE_EXTRA_CA_CERTS at that CA\'s certificate.';
  } else if (proxy !== undefined) {
    const proxyDown = code !== undefined && CONNECT_ERRORS.has(code);
    message = proxyDown ? `Could not reach the proxy ${proxy} (for ${host}): ${reason}.` : `Could not reach ${host} through the proxy ${proxy}: ${reason}.`;
    hint = 'The proxy comes from HTTPS_PROXY / HTTP_PROXY: check it is running and reachable, or list the host in NO_PROXY to go direct.';
  }
  return { kind: 'failure', error: new GetDbError('NETWORK', message, { hint, cause: error }), retryable: isTransientSocketError(code) };
}

/** The socket's error code; undici wraps the error, so it may sit one or two causes down. */
function socketErrorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_ABORTED') return code;
    current = current.cause;
  }
  return undefined;
}

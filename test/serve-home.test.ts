/**
 * serve's home page in a real headless Chromium, as a person uses it: press "Create a
 * database", read the connection string off the page, connect with it, follow the claim
 * link and claim; without JavaScript too; keyboard and accessible names; and a form on
 * another site refused. Its screenshot is the one in docs/.
 */
import { copyFile, mkdtemp, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchChromium } from './helpers/browser.js';
import { spawnServe, type ServeProcess } from './helpers/serve.js';
import { getJson, onTestPostgres, withClient } from './helpers/serve-http.js';

const SCREENSHOT = resolve(import.meta.dirname, '../docs/serve-home.png');

let serve: ServeProcess;
let browser: Browser;
beforeAll(async () => {
  [serve, browser] = await Promise.all([spawnServe([...onTestPostgres(), '--rate-limit', 'off']), launchChromium()]);
});
afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

/** A page that records what the browser refused or failed to run (CSP violations land there). */
async function newPage(options: { javaScriptEnabled?: boolean } = {}): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 }, ...options });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.baseUrl });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => message.type() === 'error' && problems.push(message.text()));
  page.on('pageerror', (error) => problems.push(error.message));
  return { page, problems };
}

describe('the home page', () => {
  test('create with the keyboard, copy the connection string, connect, follow the claim link, claim', async () => {
    const { page, problems } = await newPage();
    const home = await page.goto(`${serve.baseUrl}/`);
    expect(home!.headers()['content-security-policy']).toMatch(/default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-[^']+'; form-action 'self'/);
    const shot = join(await mkdtemp(join(tmpdir(), 'get-db-shot-')), 'serve-home.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect((await stat(shot)).size).toBeGreaterThan(10_000);
    // docs/ keeps one screenshot; the page names this run's port, so it is refreshed only when asked.
    if (process.env.GET_DB_UPDATE_SCREENSHOT === '1' || !(await stat(SCREENSHOT).catch(() => undefined))) await copyFile(shot, SCREENSHOT);

    const create = page.getByRole('button', { name: 'Create a database' });
    await create.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`${serve.baseUrl}/`);
    await expect.poll(() => page.title()).toBe('Your database is ready');

    const url = (await page.locator('#url').textContent())!;
    expect(url).toMatch(/^postgresql:\/\/[^:]+:[^@]+@ep-serve-.*\?sslmode=require$/);
    expect(await page.locator('#psql').textContent()).toBe(`psql "${url}"`);
    const copy = page.getByRole('button', { name: 'Copy connection string' });
    await copy.click();
    await expect.poll(() => page.locator('#copied').textContent()).toMatch(/Copied|Selected/);
    if ((await page.locator('#copied').textContent())!.startsWith('Copied')) expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);

    const left = page.locator('#left');
    const before = await left.textContent();
    expect(before).toMatch(/^71h 59m \d\ds left$/);
    await expect.poll(() => left.textContent(), { timeout: 3_000 }).not.toBe(before);

    expect(await withClient(url, async (client) => (await client.query('select current_database() as db')).rows[0].db)).toBe(url.split('/').at(-1)!.split('?')[0]);

    await page.getByRole('link', { name: 'Claim this database' }).click();
    await expect.poll(() => page.title()).toBe('Claim this database');
    const id = page.url().split('/').at(-1)!;
    await page.getByRole('button', { name: 'Claim database' }).click();
    await expect.poll(() => page.title()).toBe('Database claimed');
    expect(await page.locator('#url').textContent()).toBe(url);
    expect((await getJson(`${serve.apiUrl}/database/${id}`)).body).toMatchObject({ status: 'CLAIMED', connection_string: null });
    expect(problems).toEqual([]);
  });

  test('works without JavaScript: the form creates, the text is there, no copy buttons', async () => {
    const { page } = await newPage({ javaScriptEnabled: false });
    await page.goto(`${serve.baseUrl}/`);
    await page.getByRole('button', { name: 'Create a database' }).click();
    await expect.poll(() => page.title()).toBe('Your database is ready');
    expect(await page.locator('#url').textContent()).toMatch(/^postgresql:\/\//);
    expect(await page.getByRole('button', { name: 'Copy connection string' }).count()).toBe(0);
    expect(await page.locator('#left').textContent()).toMatch(/^71h 59m left$/);
  });
});

describe('a form on another site', () => {
  let other: Server;
  let otherUrl: string;
  beforeAll(async () => {
    other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<!doctype html><title>Other site</title><form method="post" action="${serve.baseUrl}/"><button>Free prize</button></form>`);
    });
    await new Promise<void>((done) => other.listen(0, '127.0.0.1', done));
    otherUrl = `http://localhost:${(other.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((done) => other.close(() => done())));

  test('is refused (403) and creates nothing', async () => {
    const { page } = await newPage();
    await page.goto(otherUrl);
    const [answer] = await Promise.all([page.waitForResponse(`${serve.baseUrl}/`), page.getByRole('button', { name: 'Free prize' }).click()]);
    expect(answer.status()).toBe(403);
    await expect.poll(() => page.title()).toBe('Create refused');
    expect(serve.logs().filter((line) => line.event === 'create_cross_site')).toHaveLength(1);
  });
});

describe('/llms.txt', () => {
  test('says how to get a database here: curl, npx get-db --api-url, the MCP URL, the TTL and claiming', async () => {
    const response = await fetch(`${serve.baseUrl}/llms.txt`);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const text = await response.text();
    expect(text).toMatch(/^# get-db serve at http:\/\/127\.0\.0\.1:\d+\n/);
    expect(text).toContain(`curl -X POST ${serve.apiUrl}/database`);
    expect(text).toContain(`npx get-db --api-url ${serve.apiUrl}`);
    expect(text).toContain(`${serve.baseUrl}/mcp`);
    expect(text).toMatch(/lives 72h/);
    expect(text).toMatch(/Claiming: the person opens the claim_url/);
  });
});

/** The direct URL: `-pooler` out of the first host label, every other byte as it was. */
import { describe, expect, test } from 'vitest';
import { toDirectUrl } from '../src/provision/direct-url.js';
import { mulberry32 } from './helpers/random.js';

describe('toDirectUrl', () => {
  test.each([
    [
      'postgresql://neondb_owner:npg_x@ep-cool-darkness-a1b2c3d4-pooler.c-2.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
      'postgresql://neondb_owner:npg_x@ep-cool-darkness-a1b2c3d4.c-2.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
    ],
    ['postgres://u:p@ep-a-pooler.example.com:6543/db', 'postgres://u:p@ep-a.example.com:6543/db'],
    ['postgresql://u:p@EP-A-POOLER.example.com/db', 'postgresql://u:p@EP-A.example.com/db'],
    ['postgresql://ep-a-pooler.example.com', 'postgresql://ep-a.example.com'],
  ])('%s', (pooled, direct) => {
    expect(toDirectUrl(pooled)).toBe(direct);
  });

  test.each([
    'postgresql://u:p@ep-a.c-2-pooler.example.com/db',
    'postgresql://u-pooler:p-pooler@ep-a.example.com/db-pooler?application_name=x-pooler',
    'postgresql://u:p@[::1]:5432/db',
    'postgresql://u:p@localhost/db',
    'not a url',
  ])('unchanged: %s', (url) => {
    expect(toDirectUrl(url)).toBe(url);
  });
});

const PIECES = ['a', 'Z', '0', '-', '_', '.', '~', '%40', '%2F', '%3A', '%25', '%23', '%3F', '-pooler', '-pooler.', 'é', '%C3%A9', '!', '$', '&', "'", '(', ')', '*', '+', ',', ';', '='];

test('random credentials, databases and queries stay byte-identical (2000 cases)', () => {
  const seed = Date.now();
  const random = mulberry32(seed);
  const pick = () => PIECES[Math.floor(random() * PIECES.length)]!;
  const word = (max: number) => Array.from({ length: Math.floor(random() * max) }, pick).join('');
  for (let i = 0; i < 2000; i++) {
    const user = `u${word(6)}`;
    const password = word(12);
    const database = word(6);
    const query = random() < 0.7 ? `?sslmode=require&options=${word(8)}&channel_binding=require` : '';
    const port = random() < 0.3 ? `:${Math.floor(random() * 65535)}` : '';
    const label = `ep-${word(3).replace(/[^a-z0-9-]/gi, '')}x`;
    const rest = random() < 0.5 ? 'c-2.us-east-2.aws.neon.tech' : 'eu-central-1-pooler.aws.neon.tech';
    const auth = random() < 0.9 ? `${user}${password === '' ? '' : `:${password}`}@` : '';
    const pooled = `postgresql://${auth}${label}-pooler.${rest}${port}/${database}${query}`;
    const direct = `postgresql://${auth}${label}.${rest}${port}/${database}${query}`;
    expect(toDirectUrl(pooled), `seed ${seed}, case ${i}`).toBe(direct);
    expect(new URL(toDirectUrl(pooled)).hostname, `seed ${seed}, case ${i}`).toBe(`${label}.${rest}`);
  }
});

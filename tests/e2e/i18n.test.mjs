// The web app's dictionaries, as the server serves them (i18n/{en,lo,zh}.json): the
// same keys in every language, no empty text, the same {placeholders} as in English,
// Lao and Chinese texts that are not English copies, and every key the page names
// (data-i18n* in index.html, t('...') and other literal keys in web/*.js) present.
// No browser needed.
//   node i18n.test.mjs BASE_URL ARTIFACT_DIR
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { testArgs, check, finish } from './harness.mjs';

const { base } = testArgs('i18n.test.mjs');
const WEB = fileURLToPath(new URL('../../web/', import.meta.url));
// texts that are the same in every language
const NEUTRAL = new Set(['results.heading', 'seat.sep']);

const dicts = {};
for (const lang of ['en', 'lo', 'zh']) {
  await check(`i18n/${lang}.json is served as a JSON object`, async () => {
    const res = await fetch(new URL(`i18n/${lang}.json`, base));
    assert.equal(res.status, 200);
    dicts[lang] = await res.json();
    assert.equal(typeof dicts[lang], 'object');
  });
}

const holes = (v) => [...JSON.stringify(v).matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]).sort().join(',');

for (const lang of ['lo', 'zh']) {
  await check(`${lang}: the same keys as en, each translated, with the same placeholders`, async () => {
    const en = dicts.en;
    const d = dicts[lang];
    assert.ok(en && d, 'not loaded');
    assert.deepEqual(Object.keys(d).sort(), Object.keys(en).sort());
    for (const [k, v] of Object.entries(en)) {
      assert.ok(JSON.stringify(d[k]).length > 2, `${lang} ${k} is empty`);
      assert.equal(holes(d[k]), holes(v), `${lang} ${k}: placeholders`);
      if (!NEUTRAL.has(k) && typeof v === 'string') assert.notEqual(d[k], v, `${lang} ${k} is the English text`);
      if (Array.isArray(v)) assert.equal(d[k].length, v.length, `${lang} ${k}: length`);
    }
  });
}

await check('every key named by index.html and web/*.js is in en.json', async () => {
  const en = dicts.en;
  assert.ok(en, 'not loaded');
  const spaces = new Set(Object.keys(en).map((k) => k.split('.')[0]));
  const used = new Set();
  const html = readFileSync(`${WEB}index.html`, 'utf8');
  for (const m of html.matchAll(/data-i18n(?:-[a-z]+)?="([^"]+)"/g)) used.add(m[1]);
  for (const f of readdirSync(WEB).filter((x) => x.endsWith('.js'))) {
    const js = readFileSync(`${WEB}${f}`, 'utf8');
    for (const m of js.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) if (spaces.has(m[1].split('.')[0])) used.add(m[1]);
  }
  const missing = [...used].filter((k) => !(k in en));
  assert.deepEqual(missing, []);
  assert.ok(used.size > 100, `only ${used.size} keys found`);
});

finish();

/**
 * What every page of serve shares (the home page, the claim pages): the frame, the look,
 * and the one small script. Pages work without the script (forms, selectable text); it
 * only adds copy buttons and a live countdown. The Content-Security-Policy allows that
 * script by its hash and nothing else: no other script, no external asset. Pure.
 */
import { createHash } from 'node:crypto';

/**
 * Text for HTML, attribute values included.
 *
 * @example
 * escapeHtml('<a href="x">'); // '&lt;a href=&quot;x&quot;&gt;'
 */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);

const STYLE = `:root{color-scheme:light dark;--fg:#1a1a1a;--muted:#555;--bg:#fff;--card:#f6f7f8;--line:#d8dcdf;--accent:#0a7d55;--accent-fg:#fff;--focus:#1d5fd6}
@media (prefers-color-scheme:dark){:root{--fg:#e8e8e8;--muted:#a8a8a8;--bg:#111416;--card:#1b1f22;--line:#333a3f;--accent:#2fbf85;--accent-fg:#06120c;--focus:#7aa7ff}}
*{box-sizing:border-box}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",sans-serif;max-width:44rem;margin:0 auto;padding:2.5rem 1.25rem;color:var(--fg);background:var(--bg)}
h1{font-size:1.7rem;line-height:1.25;margin:0 0 .75rem}
h2{font-size:1.1rem;margin:1.75rem 0 .5rem}
a{color:var(--focus)}
code,pre{font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:var(--card);padding:.1rem .3rem;border-radius:4px}
pre{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem;margin:0;white-space:pre-wrap;word-break:break-all}
.card{border:1px solid var(--line);border-radius:12px;padding:1.25rem;margin:1.25rem 0;background:var(--bg)}
.field{display:flex;gap:.5rem;align-items:flex-start;margin:.35rem 0 1rem}
.field pre{flex:1}
button{font:inherit;font-weight:600;padding:.6rem 1.3rem;border:0;border-radius:8px;background:var(--accent);color:var(--accent-fg);cursor:pointer}
button.copy{padding:.45rem .8rem;font-size:.9rem;background:var(--card);color:var(--fg);border:1px solid var(--line)}
button:focus-visible,a:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.note{color:var(--muted)}
.label{font-weight:600;margin:0}
.warn{border-left:4px solid #d98e04;padding-left:.75rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}`;

// Copy buttons start hidden (there is nothing to copy with without a script) and the
// countdown is text first: the page reads the same with scripts off.
const SCRIPT = `(()=>{const say=document.getElementById('copied');for(const b of document.querySelectorAll('button[data-copy]')){b.hidden=false;b.addEventListener('click',async()=>{const text=document.getElementById(b.dataset.copy).textContent;try{await navigator.clipboard.writeText(text);say.textContent='Copied to the clipboard.'}catch{const r=document.createRange();r.selectNodeContents(document.getElementById(b.dataset.copy));getSelection().removeAllRanges();getSelection().addRange(r);say.textContent='Selected: press Ctrl+C (or Cmd+C) to copy.'}})}
const t=document.querySelector('time[data-countdown]'),left=document.getElementById('left');if(!t||!left)return;const end=Date.parse(t.dateTime);const pad=(n)=>String(n).padStart(2,'0');
const tick=()=>{const s=Math.max(0,Math.floor((end-Date.now())/1000));left.textContent=s===0?'expired':Math.floor(s/3600)+'h '+pad(Math.floor(s/60)%60)+'m '+pad(s%60)+'s left';};tick();setInterval(tick,1000)})();`;

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

/**
 * Every page's policy: its inline style and its one script (by hash), forms to this
 * server only, never framed.
 *
 * @example
 * res.setHeader('content-security-policy', PAGE_CSP);
 */
export const PAGE_CSP = `default-src 'none'; style-src 'unsafe-inline'; script-src ${SCRIPT_HASH}; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`;

/**
 * A whole page: `body` is trusted markup (escape what goes into it). The script comes
 * only with something for it to do (a copy button, a countdown).
 *
 * @example
 * sendHtml(res, 200, page('Database not found', '<p>There is no such database here.</p>'));
 */
export function page(title: string, body: string): string {
  const script = /data-(copy|countdown)/.test(body) ? `<p id="copied" class="sr" role="status" aria-live="polite"></p><script>${SCRIPT}</script>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><main><h1>${escapeHtml(title)}</h1>${body}</main>${script}</body></html>`;
}

/**
 * A value to copy: a label, the value as selectable text, and a copy button the script shows.
 *
 * @example
 * copyField('url', 'Connection string', 'postgresql://…');
 */
export function copyField(id: string, label: string, value: string): string {
  return `<p class="label" id="${id}-label">${escapeHtml(label)}</p><div class="field"><pre id="${id}" aria-labelledby="${id}-label">${escapeHtml(value)}</pre><button type="button" class="copy" data-copy="${id}" aria-label="Copy ${escapeHtml(label.toLowerCase())}" hidden>Copy</button></div>`;
}

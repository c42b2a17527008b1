// cairn's status page: plain DOM, no framework (one page, a few tables; nothing to build, nothing
// to download). Every value is inserted as text, never as HTML. It re-reads the read API every
// few seconds and redraws, keeping what the reader opened.
'use strict';

const REFRESH_MS = 5000;
const DAYS_SHOWN = 14;
const open = new Set();

function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) if (c !== undefined && c !== null && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

async function get(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, cache: 'no-store' });
  if (res.status === 401) throw new Error('this engine needs its read token: open /?token=<CAIRN_READ_TOKEN> once');
  if (res.status === 503) return undefined;
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return res.json();
}

const fmtTime = (t) => (t ? t.replace('T', ' ').replace(/(\.\d+)?Z$/, 'Z') : '—');
const short = (sha) => (sha ? sha.slice(0, 10) : '');
function fmtBytes(n) {
  if (n === undefined) return '';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${n < 10 && i ? n.toFixed(1) : Math.round(n)} ${units[i]}`;
}

/** The state a history row is in, for its colour: Expiring and Deleted override the phase. */
const rowState = (b) => b.deletePhase || b.phase;

function condition(p) {
  const stalled = p.conditions.find((c) => c.type === 'Stalled' && c.status === 'True');
  const ready = p.conditions.find((c) => c.type === 'Ready');
  if (p.state === 'Removed') return h('span', { class: 'badge gone', title: ready ? ready.message : '' }, 'removed');
  if (stalled) return h('span', { class: 'badge bad', title: stalled.message }, stalled.reason);
  if (ready && ready.status === 'True') return h('span', { class: 'badge ok', title: ready.message }, 'Ready');
  if (ready) return h('span', { class: `badge ${/Fail/.test(ready.reason) ? 'bad' : 'warn'}`, title: ready.message }, ready.reason);
  return h('span', { class: 'badge gone' }, 'no status yet');
}

function timeline(p) {
  const byDay = new Map();
  for (const b of p.lastBackups) {
    const t = b.scheduledTime || b.startTime || b.completionTime;
    if (!t) continue;
    const day = t.slice(0, 10);
    if (!byDay.has(day)) byDay.set(day, []);
    byDay.get(day).push(b);
  }
  const days = [...byDay.keys()].sort().slice(-DAYS_SHOWN);
  if (!days.length) return h('p', { class: 'empty' }, 'no backups yet');
  return h('div', { class: 'timeline', 'aria-label': `backups of ${p.name} per day` },
    days.map((d) => h('div', { class: 'day' }, h('div', { class: 'date' }, d),
      h('div', { class: 'marks' }, byDay.get(d).slice().reverse().map((b) => h('span', { class: `mark ${rowState(b)}`, title: `${b.name}: ${rowState(b)}${b.message ? ` — ${b.message}` : ''}` }))))));
}

function backupTable(p) {
  if (!p.lastBackups.length) return null;
  return h('table', { class: 'backups' },
    h('thead', {}, h('tr', {}, h('th', {}, 'backup'), h('th', {}, 'phase'), h('th', {}, 'completed'), h('th', {}, 'items'), h('th', {}, 'size'), h('th', {}, 'note'))),
    h('tbody', {}, p.lastBackups.slice(0, 8).map((b) => {
      const state = rowState(b);
      const note = b.deletePhase === 'Expiring' ? `expires after ${fmtTime(b.deleteAfter)}` : b.deletePhase === 'Deleted' ? `deleted ${fmtTime(b.deleteTime)}` : b.message || '';
      return h('tr', { class: b.phase === 'Failed' ? 'Failed' : '', 'data-backup': b.name, 'data-phase': b.phase },
        h('td', { class: 'mono' }, b.name),
        h('td', { class: `phase ${state}` }, b.phase === 'Failed' ? '✕ Failed' : state),
        h('td', {}, fmtTime(b.completionTime)),
        h('td', {}, b.items ?? ''),
        h('td', {}, fmtBytes(b.bytes)),
        h('td', { class: 'note' }, note));
    })));
}

function renderClusters(policies) {
  const body = document.querySelector('#clusters .body');
  const byCluster = new Map();
  for (const p of policies) {
    if (!byCluster.has(p.cluster)) byCluster.set(p.cluster, []);
    byCluster.get(p.cluster).push(p);
  }
  const legend = h('div', { class: 'legend' }, ['Completed', 'PartiallyFailed', 'Failed', 'Expiring', 'Deleted'].map((s) => h('span', {}, h('span', { class: `mark ${s}` }), s)));
  const clusters = [...byCluster.keys()].sort().map((c) => h('div', { class: 'cluster', 'data-cluster': c },
    h('h3', {}, `cluster ${c}`),
    byCluster.get(c).map((p) => h('div', { class: 'policy', 'data-policy': p.name },
      h('div', { class: 'head' },
        h('span', { class: 'name' }, p.name), condition(p),
        h('span', { class: 'meta' }, p.type === 'etcd' ? 'etcd snapshots' : 'resources'),
        h('span', { class: 'meta' }, `→ ${p.location || 'no location'}`),
        h('span', { class: 'meta' }, p.schedule ? `schedule ${p.schedule}` : p.trigger ? `one-time, trigger "${p.trigger}"` : 'no schedule'),
        p.suspended ? h('span', { class: 'badge warn' }, 'suspended') : null,
        p.nextScheduledTime ? h('span', { class: 'meta' }, `next ${fmtTime(p.nextScheduledTime)}`) : null),
      timeline(p), backupTable(p)))));
  body.replaceChildren(legend, ...(clusters.length ? clusters : [h('p', { class: 'empty' }, 'no policies in the repository')]));
}

function renderNext(policies) {
  const due = policies.filter((p) => p.nextScheduledTime).sort((a, b) => (a.nextScheduledTime < b.nextScheduledTime ? -1 : 1));
  document.querySelector('#next .body').replaceChildren(due.length
    ? h('table', {}, h('tbody', {}, due.map((p) => h('tr', {}, h('td', {}, fmtTime(p.nextScheduledTime)), h('td', {}, p.name), h('td', { class: 'meta' }, p.schedule)))))
    : h('p', { class: 'empty' }, 'nothing scheduled'));
}

function renderPlan(plan) {
  const body = document.querySelector('#plan .body');
  if (!plan) return body.replaceChildren(h('p', { class: 'empty' }, 'no plan yet'));
  const target = (a) => a.backupName || a.backup || a.restore || '';
  body.replaceChildren(
    h('p', { class: 'meta' }, `at ${fmtTime(plan.now)}, revision `, h('code', {}, short(plan.revision))),
    plan.actions.length
      ? h('table', {}, h('tbody', {}, plan.actions.map((a) => h('tr', {}, h('td', {}, a.type), h('td', { class: 'mono' }, target(a)), h('td', { class: 'meta' }, a.reason)))))
      : h('p', { class: 'empty' }, 'nothing to do: the next tick changes nothing'),
    plan.blocked.map((b) => h('p', { class: 'problem' }, `blocked: ${b.message}`)));
}

function diffLine(c) {
  const v = (x) => (typeof x === 'string' ? x : JSON.stringify(x));
  return h('div', {}, h('span', { class: 'path mono' }, c.path), ' ',
    'old' in c ? h('span', { class: 'old mono' }, v(c.old)) : null, 'old' in c && 'new' in c ? ' → ' : null,
    'new' in c ? h('span', { class: 'new mono' }, v(c.new)) : null,
    !('old' in c) && !('new' in c) ? h('span', { class: 'meta' }, c.op) : null);
}

function renderRestores(list, details) {
  const body = document.querySelector('#restores .body');
  if (!list.items.length) return body.replaceChildren(h('p', { class: 'empty' }, 'no restores'));
  body.replaceChildren(...list.items.map((r) => {
    const d = details.get(r.name);
    const counts = r.counts ? `${r.counts.total} items: ${r.counts.created} created, ${r.counts.updated} updated, ${r.counts.unchanged} unchanged, ${r.counts.skipped} skipped, ${r.counts.failed} failed` : '';
    const changed = d ? d.items.filter((i) => (i.diff && i.diff.length) || (i.modifiers && i.modifiers.length) || i.error) : [];
    const el = h('details', { 'data-restore': r.name, open: open.has(r.name), ontoggle: (e) => (e.target.open ? open.add(r.name) : open.delete(r.name)) },
      h('summary', {}, h('strong', {}, r.name), ' ',
        h('span', { class: `badge ${r.phase === 'Completed' ? 'ok' : r.phase === 'New' || r.phase === 'InProgress' ? 'warn' : 'bad'}` }, r.dryRun ? `dry run ${r.phase}` : r.phase), ' ',
        h('span', { class: 'meta' }, `from ${r.backupName || '—'}${r.resourceModifier ? `, modifier ${r.resourceModifier}` : ''} — ${counts}`)),
      h('p', { class: 'meta' }, r.message || ''),
      r.preRestoreBackup ? h('p', {}, 'safety backup taken first: ', h('code', {}, r.preRestoreBackup)) : null,
      changed.length
        ? h('div', { class: 'items' }, changed.slice(0, 100).map((i) => h('div', { class: 'item', 'data-item': `${i.groupResource}/${i.namespace ? `${i.namespace}/` : ''}${i.name}` },
          h('div', {}, h('strong', {}, i.action), ' ', h('code', {}, `${i.groupResource}/${i.namespace ? `${i.namespace}/` : ''}${i.name}`),
            (i.modifiers || []).map((m) => h('span', { class: 'modifier', title: 'changed by this resource-modifier rule' }, `modifier rule ${m}`)),
            i.error ? h('span', { class: 'old' }, ` ${i.error}`) : null),
          h('div', { class: 'diff' }, (i.diff || []).map(diffLine)))))
        : h('p', { class: 'empty' }, 'no item changed'));
    return el;
  }));
}

function renderCommits(events) {
  const body = document.querySelector('#commits .body');
  if (!events.commits.length) return body.replaceChildren(h('p', { class: 'empty' }, 'no status commits yet'));
  body.replaceChildren(h('table', {}, h('tbody', {}, events.commits.map((c) => h('tr', { 'data-commit': c.commit },
    h('td', { class: 'mono' }, c.url ? h('a', { href: c.url, rel: 'noopener noreferrer' }, short(c.commit)) : short(c.commit)),
    h('td', {}, fmtTime(c.date)),
    h('td', {}, h('div', {}, c.subject), c.actions.map((a) => h('div', { class: 'trailer mono' }, `Cairn-Action: ${a}`))))))));
}

async function refresh() {
  const problem = document.getElementById('problem');
  try {
    const [status, policies, restores, plan, events] = await Promise.all([get('/status'), get('/api/v1/policies'), get('/api/v1/restores'), get('/api/v1/plan'), get('/api/v1/events')]);
    if (!policies) {
      document.getElementById('summary').textContent = 'waiting for the first tick…';
      return;
    }
    const details = new Map(await Promise.all(restores.items.map(async (r) => [r.name, await get(`/api/v1/restores/${encodeURIComponent(r.name)}`)])));
    const last = events.ticks[0];
    document.getElementById('summary').textContent = `${policies.policies.length} policies at revision ${short(policies.revision)}${last ? ` · last tick ${fmtTime(last.at)}` : ''}`;
    const issues = [status && status.lastError ? `the last tick failed: ${status.lastError}` : '', ...(last ? Object.entries(last.unobserved).map(([l, why]) => `location ${l} not observed: ${why}`) : []), ...(last && last.invalidFiles.length ? [`invalid files: ${last.invalidFiles.join(', ')}`] : [])].filter(Boolean);
    problem.hidden = issues.length === 0;
    problem.textContent = issues.join(' · ');
    renderClusters(policies.policies);
    renderNext(policies.policies);
    renderPlan(plan);
    renderRestores(restores, details);
    renderCommits(events);
    document.getElementById('refreshed').textContent = `updated ${new Date().toLocaleTimeString()}`;
  } catch (err) {
    problem.hidden = false;
    problem.textContent = `cannot read the engine: ${err.message}`;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);

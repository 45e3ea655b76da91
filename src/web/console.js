/*
 * pagerd console.  Plain script, no build step, no library.  Every
 * piece of data from the API is set with textContent or as an attribute
 * value, never parsed as markup: alert summaries come from whoever can
 * raise an alert.  The key lives in sessionStorage and is sent only as
 * "Authorization: Bearer" to this origin.
 */
'use strict';
(function () {
	const KEY = 'pagerd-console-key';
	const POLL_MS = 5000;
	const STATUS_RANK = { triggered: 0, acknowledged: 1, resolved: 2 };
	let me = null;          /* { name, role } */
	let alerts = [];        /* the list as last fetched */
	let current = null;     /* id of the alert shown in detail */
	let view = 'alerts';
	let timer = null;
	let busy = false;
	let again = false;
	let refreshes = 0;
	/* what each list last showed: unchanged data is not drawn again,
	 * so that focus and the reader's place stay where they were */
	const drawn = { alerts: null, silences: null, detail: null };

	const $ = (id) => document.getElementById(id);

	/* el('li', { class: 'x', 'data-id': 3 }, child, 'text', ...) */
	function el(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (v === null || v === undefined || v === false)
				continue;
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = String(v);
			else
				e.setAttribute(k, String(v));
		}
		for (const k of kids) {
			if (k === null || k === undefined)
				continue;
			e.append(k instanceof Node ? k : String(k));
		}
		return e;
	}

	function clear(node) {
		while (node.firstChild)
			node.removeChild(node.firstChild);
	}

	function say(text, error) {
		const m = $('message');
		m.textContent = text || '';
		m.className = error ? 'error' : '';
	}

	/* Only http(s) links are made into links. */
	function safeHref(u) {
		try {
			const url = new URL(String(u), location.href);
			if (url.protocol === 'https:' || url.protocol === 'http:')
				return url.href;
		} catch (e) { /* not a URL */ }
		return null;
	}

	function dur(sec) {
		const s = Math.round(Math.abs(sec)), sign = sec < 0 ? '-' : '';
		if (s < 60) return sign + s + 's';
		if (s < 3600) return sign + Math.floor(s / 60) + 'm ' + s % 60 + 's';
		if (s < 86400)
			return sign + Math.floor(s / 3600) + 'h ' +
			    Math.floor(s % 3600 / 60) + 'm';
		return sign + Math.floor(s / 86400) + 'd ' +
		    Math.floor(s % 86400 / 3600) + 'h';
	}

	function when(iso) {
		if (!iso) return '';
		const d = new Date(iso);
		return isNaN(d) ? String(iso) : d.toLocaleString();
	}

	async function api(method, path, body) {
		const key = sessionStorage.getItem(KEY);
		const opts = { method, headers: { Authorization: 'Bearer ' + key },
		    cache: 'no-store', credentials: 'omit' };
		if (body !== undefined) {
			opts.headers['Content-Type'] = 'application/json';
			opts.body = JSON.stringify(body);
		}
		const r = await fetch(path, opts);
		let data = null;
		try { data = await r.json(); } catch (e) { data = null; }
		if (r.status === 401) {
			signOut('The key was refused: sign in again.');
			throw new Error('unauthorized');
		}
		if (!r.ok)
			throw new Error((data && data.error) || ('HTTP ' + r.status));
		return data;
	}

	/* Earliest deadline of a clock still running, in ms; else Infinity. */
	function slaDue(a) {
		let due = Infinity;
		if (a.status === 'resolved' || !a.sla) return due;
		for (const c of Object.values(a.sla)) {
			if (c && c.due_at && !c.met) {
				const t = Date.parse(c.due_at);
				if (!isNaN(t) && t < due) due = t;
			}
		}
		return due;
	}

	function urgency(a, b) {
		return (STATUS_RANK[a.status] - STATUS_RANK[b.status]) ||
		    (a.priority < b.priority ? -1 : a.priority > b.priority ? 1 : 0) ||
		    (slaDue(a) - slaDue(b) || 0) || (b.id - a.id);
	}

	function filterQuery(status) {
		const p = new URLSearchParams({ limit: '200' });
		if (status) p.set('status', status);
		const pr = $('f-priority').value, sv = $('f-service').value.trim();
		const pg = $('f-paged').value.trim();
		if (pr) p.set('priority', pr);
		if (sv) p.set('service', sv);
		if (pg) p.set('paged', pg);
		return '/api/v1/alerts?' + p.toString();
	}

	async function loadAlerts() {
		const st = $('f-status').value;
		const want = st === 'open' ? ['triggered', 'acknowledged'] :
		    st === 'any' ? [null] : [st];
		const lists = await Promise.all(want.map((s) =>
		    api('GET', filterQuery(s))));
		let all = [].concat(...lists.map((l) => l.alerts));
		const text = $('f-text').value.trim().toLowerCase();
		if (text)
			all = all.filter((a) => [a.summary, a.service, a.dedup_key,
			    a.source].some((v) => v && v.toLowerCase().includes(text)));
		all.sort(urgency);
		alerts = all;
		const j = JSON.stringify(all);
		if (j !== drawn.alerts) {
			drawn.alerts = j;
			renderAlerts();
		} else
			renderTimes();
	}

	/* The line under an alert: service and time left on its clocks. */
	function meta(a, now) {
		const due = slaDue(a);
		const sla = due === Infinity ? '' :
		    (due < now ? 'late ' + dur((now - due) / 1000) :
		    dur((due - now) / 1000) + ' left');
		return { text: a.service + (sla ? ' \u00b7 ' + sla : ''),
		    cls: 'meta' + (due < now ? ' late' : '') };
	}

	/* Unchanged data, later: only the times move. */
	function renderTimes() {
		const now = Date.now();
		for (const a of alerts) {
			const s = $('alerts').querySelector('[data-alert-id="' +
			    a.id + '"] .meta');
			if (!s) continue;
			const m = meta(a, now);
			s.textContent = m.text;
			s.className = m.cls;
		}
	}

	function renderAlerts() {
		const ul = $('alerts'), now = Date.now();
		const focused = document.activeElement &&
		    document.activeElement.dataset ?
		    document.activeElement.dataset.alertId : undefined;
		clear(ul);
		for (const a of alerts) {
			const m = meta(a, now);
			const b = el('button', { type: 'button', class: 'alert',
			    'data-alert-id': a.id, 'data-status': a.status },
			    el('span', { class: 'pill prio', text: a.priority }),
			    el('span', { class: 'pill status status-' + a.status,
			    text: a.status + (a.snoozed_until ? ', snoozed' : '') +
			    (a.silence && a.silence.state === 'held' ?
			    ', silenced' : '') }),
			    el('span', { class: 'summary', text: a.summary }),
			    el('span', { class: m.cls, text: m.text }));
			b.addEventListener('click', () => openAlert(a.id));
			ul.append(el('li', {}, b));
		}
		$('alert-count').textContent = '(' + alerts.length + ')';
		$('alerts-empty').hidden = alerts.length > 0;
		if (focused !== undefined) {
			const again = ul.querySelector('[data-alert-id="' +
			    CSS.escape(focused) + '"]');
			if (again) again.focus();
		}
	}

	function field(dl, name, value) {
		if (value === null || value === undefined || value === '')
			return;
		dl.append(el('dt', { text: name }),
		    value instanceof Node ? el('dd', {}, value) :
		    el('dd', { text: value }));
	}

	function link(href, text, cls) {
		const h = safeHref(href);
		return h ? el('a', { href: h, class: cls, rel: 'noreferrer noopener',
		    target: '_blank', text: text || h }) :
		    el('span', { class: cls, text: text || String(href) });
	}

	/* A compact line of an audit event's detail. */
	function detailText(d) {
		if (!d || typeof d !== 'object') return '';
		return Object.entries(d).filter(([k, v]) => v !== null &&
		    k !== 'on_behalf_of').map(([k, v]) => k + ': ' +
		    (typeof v === 'object' ? JSON.stringify(v) : String(v)))
		    .join(', ');
	}

	/* The SLA clocks of a, at the time of drawing. */
	function renderSla(a) {
		const sla = $('d-sla'), now = Date.now();
		clear(sla);
		const names = { response: 'Response', first_response:
		    'First response', resolution: 'Resolution' };
		for (const [k, c] of Object.entries(a.sla || {})) {
			if (!c) continue;
			let t;
			if (c.met) t = 'met';
			else if (!c.due_at) t = 'none';
			else {
				const left = (Date.parse(c.due_at) - now) / 1000;
				t = a.status === 'resolved' ? 'stopped' :
				    left < 0 ? 'late ' + dur(-left) : dur(left) + ' left';
			}
			if (c.breached) t += ' (breached)';
			sla.append(el('li', { 'data-clock': k, class: c.breached ?
			    'late' : null }, (names[k] || k) + ': ' + t +
			    (c.due_at ? ', due ' + when(c.due_at) : '')));
		}
	}

	function renderDetail(a) {
		$('d-summary').textContent = a.summary;
		const dl = $('d-fields');
		clear(dl);
		field(dl, 'Id', String(a.id));
		field(dl, 'Status', a.status);
		field(dl, 'Priority', a.priority);
		field(dl, 'Service', a.service);
		field(dl, 'Stage', String(a.stage));
		field(dl, 'Count', String(a.count));
		field(dl, 'Dedup key', a.dedup_key);
		field(dl, 'Source', a.source);
		field(dl, 'Integration', a.integration);
		field(dl, 'Raised', when(a.created_at));
		field(dl, 'Acknowledged', when(a.acknowledged_at));
		field(dl, 'Resolved', when(a.resolved_at));
		if (a.snoozed_until)
			field(dl, 'Snoozed until', when(a.snoozed_until));
		if (a.silence)
			field(dl, 'Silence', 'silence ' + a.silence.id + ' (' +
			    a.silence.state + ')');
		if (a.client)
			field(dl, 'Client', link(a.client_url, a.client, 'client'));
		if (a.external_url)
			field(dl, 'External', link(a.external_url, null, 'external'));

		renderSla(a);

		const ctx = $('d-context');
		clear(ctx);
		if ((a.links || []).length) {
			ctx.append(el('h3', { text: 'Links' }));
			const ul = el('ul', { class: 'plain' });
			for (const l of a.links)
				ul.append(el('li', {}, link(l.href, l.text, 'link')));
			ctx.append(ul);
		}
		if ((a.images || []).length) {
			/* shown as links: the CSP loads no image from elsewhere */
			ctx.append(el('h3', { text: 'Images' }));
			const ul = el('ul', { class: 'plain' });
			for (const i of a.images)
				ul.append(el('li', {}, link(i.href || i.src,
				    'image: ' + (i.alt || i.src), 'image')));
			ctx.append(ul);
		}
		if ((a.recent_changes || []).length) {
			ctx.append(el('h3', { text: 'Recent changes of ' + a.service }));
			const ul = el('ul', { class: 'plain' });
			for (const c of a.recent_changes) {
				const li = el('li', { class: 'change' },
				    when(c.at) + ': ' + c.summary +
				    (c.source ? ' (' + c.source + ')' : ''));
				for (const l of c.links || [])
					li.append(' ', link(l.href, l.text, 'link'));
				ul.append(li);
			}
			ctx.append(ul);
		}

		const tl = $('d-timeline');
		clear(tl);
		for (const ev of a.events || []) {
			tl.append(el('li', { 'data-kind': ev.kind },
			    el('span', { class: 'when', text: when(ev.at) }), ' ',
			    el('strong', { text: ev.kind }), ' ',
			    el('span', { class: 'who', text: 'by ' + ev.actor +
			    (ev.on_behalf_of ? ' for ' + ev.on_behalf_of : '') }),
			    ' ', el('span', { class: 'what',
			    text: detailText(ev.detail) })));
		}

		const responder = me && me.role === 'responder';
		/* acknowledging a snoozed alert again ends its snooze */
		$('act-ack').hidden = !responder || !(a.status === 'triggered' ||
		    (a.status === 'acknowledged' && a.snoozed_until));
		$('act-ack').textContent = a.status === 'triggered' ?
		    'Acknowledge' : 'End snooze';
		$('act-resolve').hidden = !responder || a.status === 'resolved';
		$('act-escalate').hidden = !responder || a.status === 'resolved';
		$('snooze-box').hidden = !responder ||
		    a.status !== 'acknowledged';
		$('note-form').hidden = !responder;
		$('detail').dataset.status = a.status;
		$('detail').dataset.alertId = String(a.id);
	}

	async function loadDetail() {
		if (current === null) return;
		const a = await api('GET', '/api/v1/alerts/' + current);
		const j = JSON.stringify(a) + (me ? me.role : '');
		if (j !== drawn.detail) {
			drawn.detail = j;
			renderDetail(a);
		} else
			renderSla(a);
	}

	async function openAlert(id) {
		current = id;
		try {
			await loadDetail();
		} catch (e) {
			say(e.message, true);
			return;
		}
		$('detail').hidden = false;
		$('alerts-view').hidden = true;
		$('detail').focus();
	}

	function closeAlert() {
		const id = current;
		current = null;
		$('detail').hidden = true;
		$('alerts-view').hidden = false;
		const b = $('alerts').querySelector('[data-alert-id="' + id + '"]');
		if (b) b.focus();
	}

	/* A modal question; resolves true on Confirm. */
	function confirmAction(text) {
		const d = $('confirm');
		$('confirm-text').textContent = text;
		return new Promise((resolve) => {
			const done = (ok) => {
				$('confirm-ok').removeEventListener('click', yes);
				$('confirm-cancel').removeEventListener('click', no);
				d.removeEventListener('cancel', no);
				d.close();
				resolve(ok);
			};
			const yes = () => done(true), no = () => done(false);
			$('confirm-ok').addEventListener('click', yes);
			$('confirm-cancel').addEventListener('click', no);
			d.addEventListener('cancel', no);
			d.showModal();
			$('confirm-cancel').focus();
		});
	}

	async function act(what, body, question) {
		if (current === null) return;
		if (question && !await confirmAction(question)) return;
		try {
			await api('POST', '/api/v1/alerts/' + current + '/' + what,
			    body);
			await loadDetail();
			say('Done: ' + what + ' on alert ' + current + '.');
			refresh();
		} catch (e) {
			say(what + ': ' + e.message, true);
		}
	}

	async function loadSilences() {
		const r = await api('GET', '/api/v1/silences');
		const j = JSON.stringify(r.silences);
		if (j === drawn.silences) return;
		drawn.silences = j;
		const ul = $('silences');
		clear(ul);
		const responder = me && me.role === 'responder';
		for (const s of r.silences) {
			const m = Object.entries(s.matchers).map(([k, v]) =>
			    k + (typeof v === 'object' ? ' ' + JSON.stringify(v) :
			    '=' + v)).join(', ');
			const li = el('li', { 'data-silence-id': s.id,
			    'data-state': s.state },
			    el('strong', { text: '#' + s.id + ' ' + s.state }), ' ',
			    el('span', { class: 'matchers', text: m }),
			    el('br'), when(s.starts_at) + ' \u2013 ' +
			    when(s.ends_at) + ', by ' + s.created_by + ': ',
			    el('span', { class: 'comment', text: s.comment }),
			    s.page_on_expiry ? '' : ' (stays quiet at the end)');
			if (responder && s.state !== 'expired') {
				const b = el('button', { type: 'button',
				    class: 'danger act expire', text: 'Expire' });
				b.addEventListener('click', () => expireSilence(s.id));
				li.append(' ', b);
			}
			ul.append(li);
		}
		$('silences-empty').hidden = r.silences.length > 0;
	}

	async function expireSilence(id) {
		if (!await confirmAction('Expire silence ' + id + '? Alerts it' +
		    ' held are let go now.'))
			return;
		try {
			await api('DELETE', '/api/v1/silences/' + id);
			say('Silence ' + id + ' expired.');
			await loadSilences();
		} catch (e) {
			say('expire: ' + e.message, true);
		}
	}

	function localInput(d) {
		const p = (n) => String(n).padStart(2, '0');
		return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' +
		    p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes());
	}

	async function createSilence(ev) {
		ev.preventDefault();
		const matchers = {};
		for (const [id, k] of [['s-service', 'service'],
		    ['s-priority', 'priority'], ['s-dedup', 'dedup_key'],
		    ['s-summary', 'summary'], ['s-source', 'source']]) {
			const v = $(id).value.trim();
			if (v) matchers[k] = v;
		}
		const labels = $('s-labels').value.trim();
		if (labels) {
			matchers.labels = {};
			for (const pair of labels.split(',')) {
				const i = pair.indexOf('=');
				if (i < 1) {
					say('labels: give name=value pairs', true);
					return;
				}
				matchers.labels[pair.slice(0, i).trim()] =
				    pair.slice(i + 1).trim();
			}
		}
		const body = { matchers, comment: $('s-comment').value,
		    page_on_expiry: $('s-page').checked };
		const ends = new Date($('s-ends').value);
		if (isNaN(ends)) {
			say('Ends: give a date and time', true);
			return;
		}
		body.ends_at = ends.toISOString();
		if ($('s-starts').value) {
			const s = new Date($('s-starts').value);
			if (!isNaN(s)) body.starts_at = s.toISOString();
		}
		try {
			const s = await api('POST', '/api/v1/silences', body);
			say('Silence ' + s.id + ' created.');
			$('s-comment').value = '';
			await loadSilences();
		} catch (e) {
			say('silence: ' + e.message, true);
		}
	}

	async function refresh() {
		if (me === null) return;
		if (busy) {
			/* a filter changed meanwhile: once more when done */
			again = true;
			return;
		}
		busy = true;
		again = false;
		try {
			if (view === 'alerts') {
				await loadAlerts();
				if (current !== null) await loadDetail();
			} else
				await loadSilences();
			refreshes++;
			document.body.dataset.refreshes = String(refreshes);
			if ($('message').className === 'error' &&
			    $('message').textContent.startsWith('refresh:'))
				say('');
		} catch (e) {
			if (me !== null) say('refresh: ' + e.message, true);
		} finally {
			busy = false;
		}
		if (again) refresh();
	}

	/* A cheap poll, paused while the tab is hidden. */
	function schedule() {
		clearTimeout(timer);
		timer = null;
		if (me === null || document.hidden) return;
		timer = setTimeout(async () => {
			await refresh();
			schedule();
		}, POLL_MS);
	}

	function show(which) {
		view = which;
		$('tab-alerts').setAttribute('aria-pressed', String(which ===
		    'alerts'));
		$('tab-silences').setAttribute('aria-pressed', String(which ===
		    'silences'));
		$('alerts-view').hidden = which !== 'alerts' || current !== null;
		$('detail').hidden = which !== 'alerts' || current === null;
		$('silences-view').hidden = which !== 'silences';
		refresh();
	}

	async function signIn(key) {
		sessionStorage.setItem(KEY, key);
		try {
			me = await api('GET', '/api/v1/whoami');
		} catch (e) {
			if (e.message !== 'unauthorized')
				signOut('Sign-in failed: ' + e.message);
			return;
		}
		$('who-name').textContent = me.name;
		$('who-role').textContent = me.role;
		document.body.dataset.role = me.role;
		for (const n of document.querySelectorAll('.act'))
			n.hidden = me.role !== 'responder';
		$('who').hidden = false;
		$('signin').hidden = true;
		$('app').hidden = false;
		document.body.dataset.state = 'ready';
		say('');
		if (!$('s-ends').value)
			$('s-ends').value = localInput(new Date(Date.now() + 7200000));
		await refresh();
		schedule();
	}

	function signOut(why) {
		sessionStorage.removeItem(KEY);
		me = null;
		current = null;
		drawn.alerts = drawn.silences = drawn.detail = null;
		clearTimeout(timer);
		$('who').hidden = true;
		$('app').hidden = true;
		$('signin').hidden = false;
		$('key').value = '';
		document.body.dataset.state = 'signed-out';
		delete document.body.dataset.role;
		say(why || '', !!why);
		$('key').focus();
	}

	function init() {
		$('signin').addEventListener('submit', (ev) => {
			ev.preventDefault();
			const k = $('key').value.trim();
			if (k) signIn(k);
		});
		$('signout').addEventListener('click', () => signOut());
		$('tab-alerts').addEventListener('click', () => show('alerts'));
		$('tab-silences').addEventListener('click', () => show('silences'));
		$('filters').addEventListener('submit', (ev) => ev.preventDefault());
		let debounce = null;
		$('filters').addEventListener('input', () => {
			clearTimeout(debounce);
			debounce = setTimeout(refresh, 300);
		});
		$('filters').addEventListener('change', () => refresh());
		$('detail-close').addEventListener('click', closeAlert);
		$('act-ack').addEventListener('click', () => act('ack'));
		$('act-resolve').addEventListener('click', () => act('resolve',
		    undefined, 'Resolve alert ' + current + '? Paging stops.'));
		$('act-escalate').addEventListener('click', () => act('escalate',
		    undefined, 'Escalate alert ' + current +
		    ' to its next stage now?'));
		$('act-snooze').addEventListener('click', () => act('snooze',
		    { for: $('snooze-for').value }));
		$('note-form').addEventListener('submit', async (ev) => {
			ev.preventDefault();
			const text = $('note-text').value.trim();
			if (!text) return;
			await act('notes', { text });
			if ($('message').className !== 'error')
				$('note-text').value = '';
		});
		$('silence-form').addEventListener('submit', createSilence);
		document.addEventListener('visibilitychange', () => {
			if (document.hidden) {
				clearTimeout(timer);
				timer = null;
			} else {
				refresh();
				schedule();
			}
		});
		document.addEventListener('keydown', (ev) => {
			if (ev.key === 'Escape' && current !== null &&
			    !$('confirm').open)
				closeAlert();
		});
		const k = sessionStorage.getItem(KEY);
		if (k) signIn(k);
		else $('key').focus();
	}

	init();
})();

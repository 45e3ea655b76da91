// SPDX-License-Identifier: ISC
//
// console.mjs: drives the console (GET /console) in Debian's chromium
// through puppeteer-core, for console.sh.  Every wait is a
// waitForSelector or waitForFunction with a deadline, never a sleep.
//
// usage: node console.mjs NODE_MODULES_PARENT CHROMIUM BASE_URL
//        RESPONDER_KEY VIEWER_KEY OUT_DIR IDS_JSON
// IDS_JSON: {"db": id, "web": id, "jobs": id} of the seeded alerts.
import { createRequire } from "node:module";
import path from "node:path";

const [modules, chromium, base, responderKey, viewerKey, outDir, idsJson] =
    process.argv.slice(2);
const ids = JSON.parse(idsJson);
const require = createRequire(path.join(modules, "package.json"));
const puppeteer = require("puppeteer-core");
const WAIT = { timeout: 30000 };
const CSP = "default-src 'none'; script-src 'self'; style-src 'self';" +
    " connect-src 'self'; img-src 'self'; base-uri 'none';" +
    " form-action 'none'; frame-ancestors 'none'";
const XSS = 'login errors <img src=x onerror="document.title=1"><b>spike</b>';

function ok(what) {
	console.log("ok: " + what);
}
function check(cond, what) {
	if (!cond)
		throw new Error("check failed: " + what);
}

const problems = [];
function watch(page, name) {
	page.on("console", (m) => {
		const url = (m.location() && m.location().url) || "";
		if (url.endsWith("/favicon.ico")) // none: the browser asks anyway
			return;
		if (m.type() === "error" || /Content.Security.Policy/i.test(m.text()))
			problems.push(name + ": console: " + m.text() + " " + url);
	});
	page.on("pageerror", (e) => problems.push(name + ": " + e.message));
	return page;
}

async function signIn(page, key) {
	const r = await page.goto(base + "/console", { waitUntil: "load" });
	check(r.status() === 200, "GET /console is 200");
	await page.waitForSelector("#key", { visible: true, ...WAIT });
	await page.type("#key", key);
	await page.click("#signin-submit");
	await page.waitForSelector('body[data-state="ready"]', WAIT);
	return r;
}

// The alert ids the list shows, in order.
function listed(page) {
	return page.$$eval("#alerts button.alert",
	    (bs) => bs.map((b) => Number(b.dataset.alertId)));
}

async function waitList(page, want, what) {
	await page.waitForFunction((w) => JSON.stringify([...document
	    .querySelectorAll("#alerts button.alert")].map((b) =>
	    Number(b.dataset.alertId))) === w, WAIT, JSON.stringify(want))
	    .catch(async () => {
		throw new Error(what + ": want " + JSON.stringify(want) +
		    ", the list shows " + JSON.stringify(await listed(page)));
	});
}

async function typeInto(page, sel, text) {
	await page.click(sel, { clickCount: 3 });
	await page.keyboard.press("Backspace");
	if (text)
		await page.type(sel, text);
}

async function openAlert(page, id) {
	await page.click(`#alerts button[data-alert-id="${id}"]`);
	await page.waitForSelector(`#detail[data-alert-id="${id}"]:not([hidden])`,
	    WAIT);
}

async function timelineHas(page, kind, text) {
	await page.waitForFunction((k, t) => [...document.querySelectorAll(
	    "#d-timeline li")].some((li) => li.dataset.kind === k &&
	    li.textContent.includes(t)), WAIT, kind, text)
	    .catch(() => {
		throw new Error(`no "${kind}" event with "${text}" in the timeline`);
	});
}

// The action buttons a user can see.
function visibleActions(page) {
	return page.$$eval("#d-actions button, #note-form button," +
	    " #silence-form button, button.expire",
	    (bs) => bs.filter((b) => b.offsetParent !== null).map((b) => b.id ||
	    b.className));
}

const browser = await puppeteer.launch({
	executablePath: chromium,
	headless: true,
	args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
	    "--no-first-run", "--disable-background-networking",
	    "--disable-component-update", "--disable-sync"],
});
try {
	const ctx = await browser.createBrowserContext();
	const page = watch(await ctx.newPage(), "tab 1");
	await page.setViewport({ width: 1280, height: 900 });

	// A wrong key is refused and not kept.
	await page.goto(base + "/console", { waitUntil: "load" });
	await page.type("#key", "not-a-key");
	await page.click("#signin-submit");
	await page.waitForFunction(() => document.getElementById("message")
	    .textContent.includes("refused"), WAIT);
	check(await page.evaluate(() => document.body.dataset.state) ===
	    "signed-out", "a wrong key does not sign in");
	check(await page.evaluate(() => sessionStorage.length) === 0,
	    "a wrong key is not kept");
	problems.length = 0; // its 401, on purpose
	ok("a wrong key is refused");

	// Sign in: the headers, the key kept in the tab and not in the URL.
	const r = await signIn(page, responderKey);
	const h = r.headers();
	check(h["content-security-policy"] === CSP,
	    "CSP is strict: " + h["content-security-policy"]);
	check(!/unsafe-inline|unsafe-eval|http/.test(h["content-security-policy"]),
	    "no unsafe-inline, no outside origin");
	check(h["x-frame-options"] === "DENY", "X-Frame-Options");
	check(await page.evaluate(() => document.querySelectorAll(
	    "script:not([src]), [style], style").length) === 0,
	    "no inline script or style in the page");
	check(!page.url().includes(responderKey), "the key is not in the URL");
	check(await page.evaluate(() => Object.values(sessionStorage)
	    .length) === 1, "the key is in sessionStorage");
	check(await page.evaluate(() => document.cookie) === "", "no cookie");
	check(await page.$eval("#who-name", (e) => e.textContent) ===
	    "e2e-responder", "signed in as e2e-responder");
	check(await page.$eval("#who-role", (e) => e.textContent) ===
	    "responder", "the role shown");
	ok("signed in with a responder key; strict CSP, key only in the tab");

	// The list, by urgency: the P1, then the P2, then the P3.
	await waitList(page, [ids.db, ids.jobs, ids.web], "by urgency");
	const summ = await page.$eval(`#alerts button[data-alert-id="${ids.web}"]` +
	    " .summary", (e) => e.textContent);
	check(summ === XSS, "markup in a summary is shown as text: " + summ);
	check(await page.$$eval("#alerts img, #alerts b", (e) => e.length) === 0,
	    "no element made from alert data");
	ok("the open alerts, sorted by urgency, summaries as text");

	// Filters: service and priority on the server, text in the page.
	await typeInto(page, "#f-service", "db");
	await waitList(page, [ids.db], "service=db");
	await typeInto(page, "#f-service", "");
	await page.select("#f-priority", "P3");
	await waitList(page, [ids.web], "priority P3");
	await page.select("#f-priority", "");
	await typeInto(page, "#f-text", "backlog");
	await waitList(page, [ids.jobs], "text backlog");
	await typeInto(page, "#f-text", "");
	await typeInto(page, "#f-paged", "nobody");
	await waitList(page, [], "paged nobody");
	await typeInto(page, "#f-paged", "alice");
	await waitList(page, [ids.db, ids.jobs, ids.web], "paged alice");
	await typeInto(page, "#f-paged", "");
	ok("filters: service, priority, text, who is paged");

	// A second tab, signed in too (sessionStorage is per tab).
	const page2 = watch(await ctx.newPage(), "tab 2");
	await page2.setViewport({ width: 1280, height: 900 });
	await signIn(page2, responderKey);
	await page2.waitForSelector(`#alerts button[data-alert-id="${ids.db}"]` +
	    '[data-status="triggered"]', WAIT);

	// Open the P1 with the keyboard: Tab to it, Enter.
	await page.bringToFront();
	await page.focus("#f-paged");
	let focused = null;
	for (let i = 0; i < 10 && focused !== String(ids.db); i++) {
		await page.keyboard.press("Tab");
		focused = await page.evaluate(() =>
		    document.activeElement.dataset.alertId || null);
	}
	check(focused === String(ids.db), "Tab reaches the first alert");
	await page.keyboard.press("Enter");
	await page.waitForSelector(`#detail[data-alert-id="${ids.db}"]:not([hidden])`,
	    WAIT);
	await timelineHas(page, "page", "rota:primary");
	check(await page.$eval("#d-sla", (e) => e.textContent.includes("Response")),
	    "SLA clocks shown");
	await page.keyboard.press("Escape");
	await page.waitForSelector("#detail[hidden]", WAIT);
	check(await page.evaluate(() => document.activeElement.dataset.alertId) ===
	    String(ids.db), "Escape goes back to the alert in the list");
	ok("the keyboard opens an alert and goes back");

	// Acknowledge; the second tab sees it without reloading.
	await openAlert(page, ids.db);
	await page.click("#act-ack");
	await page.waitForSelector('#detail[data-status="acknowledged"]', WAIT);
	await timelineHas(page, "ack", "e2e-responder");
	check(await page.$eval("#act-ack", (b) => b.hidden), "no ack once acked");
	await page2.bringToFront();
	await page2.waitForSelector(`#alerts button[data-alert-id="${ids.db}"]` +
	    '[data-status="acknowledged"]', WAIT);
	const n = Number(await page2.evaluate(() => document.body.dataset.refreshes));
	check(n >= 2, "tab 2 polled: " + n);
	ok("acknowledged; the second tab shows it without reloading");

	// A note.
	await page.bringToFront();
	await page.type("#note-text", "looking at <the> replica");
	await page.click("#act-note");
	await timelineHas(page, "note", "looking at <the> replica");
	ok("a note, in the timeline");

	// Snooze the acknowledged alert for 1h.
	check(!await page.$eval("#snooze-box", (b) => b.hidden),
	    "snooze offered for an acknowledged alert");
	await page.select("#snooze-for", "1h");
	await page.click("#act-snooze");
	await timelineHas(page, "snooze", "for: 1h");
	await page.waitForFunction(() => document.getElementById("d-fields")
	    .textContent.includes("Snoozed until"), WAIT);
	check(await page.$eval("#act-ack", (b) => !b.hidden &&
	    b.textContent === "End snooze"), "a snoozed alert offers to end it");
	await page.click("#detail-close");
	await page.waitForFunction((id) => {
		const b = document.querySelector(
		    `#alerts button[data-alert-id="${id}"] .status`);
		return b && b.textContent === "acknowledged, snoozed";
	}, WAIT, ids.db);
	await openAlert(page, ids.db);
	ok("snoozed from the console");

	// Escalate and resolve ask first; Cancel changes nothing.
	await page.click("#detail-close");
	await openAlert(page, ids.jobs);
	await page.click("#act-resolve");
	await page.waitForSelector("#confirm[open]", WAIT);
	await page.click("#confirm-cancel");
	await page.waitForSelector("#confirm:not([open])", WAIT);
	check(await page.$eval("#detail", (d) => d.dataset.status) === "triggered",
	    "cancel leaves it triggered");
	await page.click("#act-escalate");
	await page.waitForSelector("#confirm[open]", WAIT);
	await page.click("#confirm-ok");
	await timelineHas(page, "escalate", "e2e-responder");
	await page.click("#act-resolve");
	await page.waitForSelector("#confirm[open]", WAIT);
	await page.click("#confirm-ok");
	await page.waitForSelector('#detail[data-status="resolved"]', WAIT);
	await timelineHas(page, "resolve", "e2e-responder");
	ok("escalate and resolve, each confirmed; cancel does nothing");

	// The desktop screenshot, of an alert's detail.
	await page.click("#detail-close");
	await openAlert(page, ids.db);
	await page.screenshot({ path: path.join(outDir, "console-desktop.png"),
	    fullPage: true });

	// A silence, created and expired.
	await page.click("#detail-close");
	await page.click("#tab-silences");
	await page.waitForSelector("#silences-view:not([hidden])", WAIT);
	await page.type("#s-service", "db");
	await page.select("#s-priority", "P1");
	await page.type("#s-comment", "replica rebuild");
	await page.click("#s-create");
	await page.waitForFunction(() => [...document.querySelectorAll(
	    "#silences li")].some((li) => li.dataset.state === "active" &&
	    li.textContent.includes("service=db") &&
	    li.textContent.includes("replica rebuild")), WAIT);
	const sid = await page.$eval("#silences li[data-state=active]",
	    (li) => li.dataset.silenceId);
	console.log("silence " + sid);
	ok("a silence created from the console");

	// The phone: the list and the silences on a small screen.
	const phone = watch(await ctx.newPage(), "phone");
	await phone.setViewport({ width: 390, height: 844, isMobile: true,
	    hasTouch: true, deviceScaleFactor: 2 });
	await signIn(phone, responderKey);
	await phone.waitForSelector("#alerts button.alert", WAIT);
	check(await phone.evaluate(() => document.documentElement.scrollWidth <=
	    window.innerWidth), "no sideways scrolling on a phone");
	await phone.screenshot({ path: path.join(outDir, "console-phone.png"),
	    fullPage: true });
	await phone.close();
	ok("phone-sized: no sideways scrolling; screenshots saved");

	await page.bringToFront();
	const expire = `#silences li[data-silence-id="${sid}"] button.expire`;
	await page.waitForSelector(expire, WAIT);
	await page.click(expire);
	await page.waitForSelector("#confirm[open]", WAIT);
	await page.click("#confirm-ok");
	await page.waitForSelector(`#silences li[data-silence-id="${sid}"]` +
	    '[data-state="expired"]', WAIT);
	ok("the silence expired from the console, after confirming");

	// A viewer sees everything and no action.
	const vctx = await browser.createBrowserContext();
	const vpage = watch(await vctx.newPage(), "viewer");
	await vpage.setViewport({ width: 1280, height: 900 });
	await signIn(vpage, viewerKey);
	check(await vpage.$eval("#who-role", (e) => e.textContent) === "viewer",
	    "the viewer's role");
	await waitList(vpage, [ids.web, ids.db], "the viewer's list");
	await openAlert(vpage, ids.web);
	await timelineHas(vpage, "page", "rota:primary");
	let acts = await visibleActions(vpage);
	check(acts.length === 0, "the viewer sees no action: " + acts);
	await vpage.click("#detail-close");
	await vpage.click("#tab-silences");
	await vpage.waitForSelector(`#silences li[data-silence-id="${sid}"]`, WAIT);
	acts = await visibleActions(vpage);
	check(acts.length === 0, "the viewer sees no silence action: " + acts);
	ok("a viewer sees alerts and silences, and no action");

	// Dark mode: light text on a dark page, when the system asks.
	const lum = (c) => {
		const [r, g, b] = c.match(/[0-9.]+/g).map(Number);
		return 0.2126 * r + 0.7152 * g + 0.0722 * b;
	};
	const colours = () => vpage.evaluate(() => {
		const s = getComputedStyle(document.body);
		return [s.backgroundColor, s.color];
	});
	let [bg, fg] = await colours();
	check(lum(bg) > 200 && lum(fg) < 60, `light mode: ${bg} ${fg}`);
	await vpage.emulateMediaFeatures([{ name: "prefers-color-scheme",
	    value: "dark" }]);
	[bg, fg] = await colours();
	check(lum(bg) < 60 && lum(fg) > 200, `dark mode: ${bg} ${fg}`);
	ok("readable in dark mode (prefers-color-scheme)");

	// Sign out forgets the key.
	await page.click("#signout");
	await page.waitForSelector('body[data-state="signed-out"]', WAIT);
	check(await page.evaluate(() => sessionStorage.length) === 0,
	    "sign out forgets the key");
	ok("sign out forgets the key");

	if (problems.length)
		throw new Error("errors in the page:\n" + problems.join("\n"));
} finally {
	await browser.close();
}

/*
 * admin.js: the station admin page. After a login form, it polls
 * /admin/stats.json and /admin/listclients.json for every mount and keeps
 * one panel per mount up to date in place (forms keep what is typed in
 * them); its buttons call /admin/killclient, moveclients, killsource,
 * metadata and fallbacks (.json) and show floe's answer.
 *
 * The credentials are sent as an HTTP Basic Authorization header set by
 * this script, with credentials: "omit" so that a 401 comes back to us
 * instead of raising the browser's own login prompt (and so the browser
 * never remembers them for other pages to use). They live only in this
 * closure: not in sessionStorage or localStorage, which every page of the
 * origin can read, so a reload asks for them again.
 *
 * Everything from the server (titles, user agents, mount names) goes into
 * the page through textContent, .value or setAttribute, never as HTML.
 */
"use strict";

(function () {
	/* Listener lists change quickly; a few small GETs every few seconds. */
	var REFRESH_MS = 4000;

	var $ = function (id) { return document.getElementById(id); };
	var auth = null;		/* "Basic ..." once logged in */
	var panels = new Map();		/* mount -> panel */
	var mountNames = [];
	var nextId = 1;
	var timer = 0;
	var refreshing = null;		/* the refresh in flight, if any */
	var again = false;		/* asked for while one was in flight */

	function setText(el, text) {
		if (el.textContent !== text)
			el.textContent = text;
	}

	/* Base64 of UTF-8 text (btoa alone only takes Latin-1). */
	function b64(text) {
		var bytes = new TextEncoder().encode(text);
		var bin = "";
		for (var i = 0; i < bytes.length; i++)
			bin += String.fromCharCode(bytes[i]);
		return btoa(bin);
	}

	/* A JSON value that may be absent, one object or an array, as an array. */
	function asList(x) {
		if (x == null)
			return [];
		return Array.isArray(x) ? x : [x];
	}

	/* "12 s", "3 min 05 s", "2 h 07 min". */
	function duration(sec) {
		var s = Math.max(0, Math.floor(Number(sec) || 0));
		var pad = function (n) { return (n < 10 ? "0" : "") + n; };
		if (s < 60)
			return s + " s";
		if (s < 3600)
			return Math.floor(s / 60) + " min " + pad(s % 60) + " s";
		if (s < 86400)
			return Math.floor(s / 3600) + " h " + pad(Math.floor(s / 60) % 60) + " min";
		return Math.floor(s / 86400) + " d " + Math.floor(s / 3600) % 24 + " h";
	}

	/* icecast2's "2026-11-22T04:23:32+0000" in local time. */
	function when(iso) {
		if (!iso)
			return "—";
		var d = new Date(String(iso).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
		if (isNaN(d.getTime()))
			return String(iso);
		return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit",
		    minute: "2-digit" });
	}

	/* Show the outcome of an action in the status line. */
	function say(text, ok) {
		var m = $("msg");
		m.className = "msg " + (ok === false ? "bad" : ok === true ? "ok" : "");
		m.textContent = text;
	}

	/*
	 * One admin command: GET admin/CMD?params with our credentials.
	 * Resolves to the parsed JSON; rejects with an Error whose .status is
	 * the HTTP status (401: the credentials are wrong).
	 */
	function api(cmd, params, creds) {
		var qs = new URLSearchParams(params || {}).toString();
		return fetch("admin/" + cmd + (qs ? "?" + qs : ""), {
			headers: { "Authorization": creds || auth },
			credentials: "omit",
			cache: "no-store"
		}).then(function (r) {
			if (!r.ok) {
				var e = new Error(r.status === 401 ? "not authorised" :
				    "HTTP " + r.status + " " + r.statusText);
				e.status = r.status;
				throw e;
			}
			return r.json();
		});
	}

	/* Run a command that answers {"iceresponse":{message, return}}, then refresh. */
	function command(cmd, params, button) {
		if (button)
			button.disabled = true;
		return api(cmd, params).then(function (doc) {
			var res = doc && doc.iceresponse ? doc.iceresponse : {};
			var ok = Number(res["return"]) === 1;
			say(String(res.message || (ok ? "Done." : "Failed.")), ok);
			return ok;
		}, function (e) {
			if (e.status === 401)
				return logout("Your session is no longer authorised; please log in again.");
			say("Request failed: " + e.message, false);
			return false;
		}).then(function (ok) {
			if (button)
				button.disabled = false;
			refresh();
			return ok;
		});
	}

	/* ---- login */

	function login(ev) {
		ev.preventDefault();
		var creds = "Basic " + b64($("user").value + ":" + $("pass").value);
		setText($("login-err"), "");
		api("stats.json", null, creds).then(function (doc) {
			auth = creds;
			$("pass").value = "";
			showDash(doc);
		}, function (e) {
			setText($("login-err"), e.status === 401 ? "Wrong user name or password." :
			    "Could not reach the server: " + e.message);
			$("pass").focus();
		});
	}

	/* Forget the credentials and go back to the login form (why: a reason to show). */
	function logout(why) {
		auth = null;
		clearTimeout(timer);
		panels.forEach(function (p) { p.el.remove(); });
		panels.clear();
		$("dash").hidden = true;
		$("logout").hidden = true;
		$("login").hidden = false;
		say(typeof why === "string" ? why : "Logged out.", typeof why === "string" ? false : true);
		$("user").focus();
	}

	/* Logged in: swap the login form for the dashboard and start polling. */
	function showDash(doc) {
		$("login").hidden = true;
		$("dash").hidden = false;
		$("logout").hidden = false;
		say("", null);
		render(doc, new Map());
		refresh();
		$("main").focus({ preventScroll: true });
	}

	/* ---- refresh */

	/* Fetch stats and every mount's listeners, render, schedule the next. */
	function refresh() {
		if (!auth)
			return Promise.resolve();
		if (refreshing) {
			again = true;	/* its data may predate a command just run */
			return refreshing;
		}
		clearTimeout(timer);
		refreshing = api("stats.json").then(function (doc) {
			var mounts = asList(doc.icestats && doc.icestats.source)
			    .map(function (s) { return String(s.mount); });
			return Promise.all(mounts.map(function (m) {
				return api("listclients.json", { mount: m }).then(function (lc) {
					var src = asList(lc.icestats && lc.icestats.source)[0] || {};
					return [m, asList(src.listener)];
				}, function () {
					return [m, null];	/* gone meanwhile: skip */
				});
			})).then(function (pairs) {
				render(doc, new Map(pairs));
				setText($("updated"), "Updated " + new Date().toLocaleTimeString());
			});
		}).catch(function (e) {
			if (e.status === 401)
				return logout("Your session is no longer authorised; please log in again.");
			setText($("updated"), "Update failed (" + e.message + "); retrying…");
		}).then(function () {
			refreshing = null;
			if (again) {
				again = false;
				refresh();
			} else if (auth) {
				timer = setTimeout(refresh, REFRESH_MS);
			}
		});
		return refreshing;
	}

	/* ---- rendering */

	/* Bring the panels in line with stats.json and the listener lists (mount -> list). */
	function render(doc, listeners) {
		var ice = doc && doc.icestats ? doc.icestats : {};
		renderSummary(ice);
		var list = asList(ice.source).filter(function (s) { return s && s.mount != null; })
		    .sort(function (a, b) { return String(a.mount) < String(b.mount) ? -1 : 1; });
		mountNames = list.map(function (s) { return String(s.mount); });

		var dl = $("mount-list");
		while (dl.firstChild)
			dl.firstChild.remove();
		mountNames.forEach(function (m) {
			var o = document.createElement("option");
			o.value = m;
			dl.appendChild(o);
		});

		var box = $("mounts");
		var prev = null;
		var seen = new Set();
		list.forEach(function (src) {
			var m = String(src.mount);
			var p = panels.get(m);
			if (!p) {
				p = makePanel(m);
				panels.set(m, p);
			}
			seen.add(m);
			fillPanel(p, src);
			if (listeners.has(m) && listeners.get(m) !== null)
				fillListeners(p, listeners.get(m));
			var want = prev ? prev.nextSibling : box.firstChild;
			if (want !== p.el)
				box.insertBefore(p.el, want);
			prev = p.el;
		});
		panels.forEach(function (p, m) {
			if (!seen.has(m)) {
				p.el.remove();
				panels.delete(m);
			}
		});
		$("no-mounts").hidden = list.length > 0;
	}

	/* The server's own counters. */
	function renderSummary(ice) {
		var items = [
			["Server", ice.server_id], ["Location", ice.location],
			["Started", when(ice.server_start_iso8601)],
			["Listeners", ice.listeners], ["Sources", ice.sources], ["Clients", ice.clients]
		];
		var dl = $("summary");
		while (dl.firstChild)
			dl.firstChild.remove();
		items.forEach(function (it) {
			var div = document.createElement("div");
			var dt = document.createElement("dt");
			var dd = document.createElement("dd");
			dt.textContent = it[0];
			dd.textContent = it[1] == null || it[1] === "" ? "—" : String(it[1]);
			div.appendChild(dt);
			div.appendChild(dd);
			dl.appendChild(div);
		});
	}

	/* A panel for one mount, from the <template>, with its forms wired. */
	function makePanel(mount) {
		var el = $("mount-tpl").content.firstElementChild.cloneNode(true);
		var id = "p" + nextId++;
		var q = function (c) { return el.querySelector("." + c); };
		var p = {
			mount: mount, el: el, rows: new Map(),
			name: q("m-name"), title: q("m-title"), listeners: q("m-listeners"), peak: q("m-peak"),
			type: q("m-type"), source: q("m-source"), pub: q("m-public"), since: q("m-since"),
			none: q("m-none"), table: q("m-table"), tbody: el.querySelector("tbody"),
			song: q("i-song"), dest: q("i-dest"), fallback: q("i-fallback")
		};
		p.song.setAttribute("placeholder", "Artist - Title");
		el.dataset.mount = mount;
		p.table.hidden = true;		/* until its listeners are known */
		p.none.hidden = true;
		q("m-name").id = id + "-name";
		el.setAttribute("aria-labelledby", id + "-name");
		q("m-mount").textContent = mount;
		q("m-lh").id = id + "-lh";
		p.table.setAttribute("aria-labelledby", id + "-lh");
		[["i-song", "l-song"], ["i-dest", "l-dest"], ["i-fallback", "l-fallback"]]
		    .forEach(function (pair, i) {
			q(pair[0]).id = id + "-f" + i;
			q(pair[1]).setAttribute("for", id + "-f" + i);
		});

		q("f-meta").addEventListener("submit", function (ev) {
			ev.preventDefault();
			command("metadata.json", { mode: "updinfo", mount: mount, song: p.song.value },
			    ev.submitter).then(function (ok) {
				if (ok)
					p.song.value = "";
			});
		});
		q("f-move").addEventListener("submit", function (ev) {
			ev.preventDefault();
			if (!p.dest.value)
				return say("There is no other mount to move listeners to.", false);
			command("moveclients.json", { mount: mount, destination: p.dest.value }, ev.submitter);
		});
		q("f-fallback").addEventListener("submit", function (ev) {
			ev.preventDefault();
			command("fallbacks.json", { mount: mount, fallback: p.fallback.value.trim() },
			    ev.submitter);
		});

		var kill = q("m-kill"), confirmBox = q("m-confirm");
		q("m-confirm-text").textContent = "Stop the source on " + mount + "?";
		kill.addEventListener("click", function () {
			kill.hidden = true;
			confirmBox.hidden = false;
			q("m-kill-no").focus();
		});
		q("m-kill-no").addEventListener("click", function () {
			confirmBox.hidden = true;
			kill.hidden = false;
			kill.focus();
		});
		q("m-kill-yes").addEventListener("click", function (ev) {
			confirmBox.hidden = true;
			kill.hidden = false;
			command("killsource.json", { mount: mount }, ev.currentTarget);
		});
		return p;
	}

	/* Fill a panel's text and move targets from one source's stats. */
	function fillPanel(p, src) {
		var name = src.server_name ? String(src.server_name) : p.mount;
		setText(p.name, name);
		var artist = src.artist ? String(src.artist) : "", title = src.title ? String(src.title) : "";
		var np = artist && title ? artist + " - " + title : artist || title;
		setText(p.title, np || "—");
		setText(p.listeners, String(Number(src.listeners) || 0));
		setText(p.peak, String(Number(src.listener_peak) || 0));
		setText(p.type, src.server_type ? String(src.server_type) : "—");
		setText(p.source, [src.source_ip, src.user_agent].filter(Boolean).map(String)
		    .join(" · ") || "—");
		setText(p.pub, Number(src.public) === 1 ? "Yes" : "No");
		setText(p.since, when(src.stream_start_iso8601));

		/* Move targets: every other mount; keep the admin's choice. */
		var others = mountNames.filter(function (m) { return m !== p.mount; });
		var keep = p.dest.value;
		var have = Array.prototype.map.call(p.dest.options, function (o) { return o.value; });
		if (have.join("\n") !== (others.length ? others : [""]).join("\n")) {
			while (p.dest.firstChild)
				p.dest.firstChild.remove();
			(others.length ? others : [""]).forEach(function (m) {
				var o = document.createElement("option");
				o.value = m;
				o.textContent = m || "No other mount";
				p.dest.appendChild(o);
			});
			if (others.indexOf(keep) >= 0)
				p.dest.value = keep;
		}
		p.dest.disabled = others.length === 0;
	}

	/* Listener rows keyed by id: update in place, so a focused Kick button stays put. */
	function fillListeners(p, list) {
		var seen = new Set();
		var prev = null;
		list.forEach(function (l) {
			var id = String(l.ID != null ? l.ID : l.id);
			var r = p.rows.get(id);
			if (!r) {
				r = makeRow(p, id, l);
				p.rows.set(id, r);
			}
			seen.add(id);
			setText(r.ip, String(l.IP || ""));
			setText(r.ua, String(l.UserAgent || ""));
			setText(r.conn, duration(l.Connected));
			var want = prev ? prev.nextSibling : p.tbody.firstChild;
			if (want !== r.tr)
				p.tbody.insertBefore(r.tr, want);
			prev = r.tr;
		});
		p.rows.forEach(function (r, id) {
			if (!seen.has(id)) {
				r.tr.remove();
				p.rows.delete(id);
			}
		});
		p.table.hidden = list.length === 0;
		p.none.hidden = list.length > 0;
	}

	/* A listener's table row with its Kick button. */
	function makeRow(p, id, l) {
		var tr = document.createElement("tr");
		/* data-label: the column name the phone layout shows before a value */
		var cell = function (cls, label) {
			var td = document.createElement("td");
			td.className = cls;
			td.setAttribute("role", "cell");
			if (label)
				td.dataset.label = label;
			tr.appendChild(td);
			return td;
		};
		tr.setAttribute("role", "row");
		tr.dataset.id = id;
		cell("num c-id", "ID").textContent = id;
		var r = { tr: tr, ip: cell("mono c-ip", "IP"), ua: cell("ua", "User agent"),
		    conn: cell("num c-conn", "Connected") };
		var kick = document.createElement("button");
		kick.type = "button";
		kick.className = "btn small danger";
		kick.textContent = "Kick";
		kick.setAttribute("aria-label", "Kick listener " + id + " (" + String(l.IP || "") + ")");
		kick.addEventListener("click", function () {
			command("killclient.json", { mount: p.mount, id: id }, kick);
		});
		cell("c-kick").appendChild(kick);
		return r;
	}

	/* Wire the page; the admin logs in on every load. */
	function init() {
		$("login-form").addEventListener("submit", login);
		$("logout").addEventListener("click", function () { logout(); });
		$("refresh").addEventListener("click", function () { refresh(); });
		$("user").focus();
	}

	init();
})();

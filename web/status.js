/*
 * status.js: the public status page. Polls /status-json.xsl every few
 * seconds and keeps one card per live mount up to date in place, so the
 * player, keyboard focus and a half-copied URL survive each refresh.
 *
 * Everything that came from the server (names, titles, genres) goes into
 * the page through textContent, .value or setAttribute, never as HTML: a
 * title of "<script>" is shown as those eight characters.
 */
"use strict";

(function () {
	/* Often enough that a new title shows within seconds; one small GET. */
	var REFRESH_MS = 4000;
	/* A status request that hangs longer than this counts as a failure. */
	var FETCH_TIMEOUT_MS = 8000;

	var $ = function (id) { return document.getElementById(id); };
	var cards = new Map();		/* mount path -> {el, f: fields} */
	var nextId = 1;
	var playing = null;		/* mount path the player was started on */

	/* Set an element's text only when it changed (no needless announcements). */
	function setText(el, text) {
		if (el.textContent !== text)
			el.textContent = text;
	}

	/* icecast2 gives "source" as an object for one mount, an array for several. */
	function sources(icestats) {
		var s = icestats && icestats.source;
		if (s == null)
			return [];
		return Array.isArray(s) ? s : [s];
	}

	/* The mount path of a source, from its listenurl ("http://host:port/live.mp3"). */
	function mountOf(src) {
		try {
			return new URL(String(src.listenurl)).pathname;
		} catch (e) {
			return null;
		}
	}

	/* The URL a player should use: this page's origin, which reached floe. */
	function streamUrl(path) {
		return location.origin + path;
	}

	/* "Artist - Title" as icecast2 shows it, or whichever is set. */
	function nowPlaying(src) {
		var artist = src.artist != null ? String(src.artist) : "";
		var title = src.title != null ? String(src.title) : "";
		if (artist && title)
			return artist + " - " + title;
		return artist || title;
	}

	/* "128 kbps" from ice-bitrate (kbit/s) or audio_bitrate (bit/s), if known. */
	function bitrate(src) {
		if (src.bitrate != null && src.bitrate !== "")
			return src.bitrate + " kbps";
		if (src.audio_bitrate)
			return Math.round(Number(src.audio_bitrate) / 1000) + " kbps";
		return "—";
	}

	/* icecast2's "2026-11-22T04:23:32+0000" as local time (date too if not today). */
	function since(iso) {
		if (!iso)
			return "—";
		var d = new Date(String(iso).replace(/([+-]\d\d)(\d\d)$/, "$1:$2"));
		if (isNaN(d.getTime()))
			return String(iso);
		var opts = { hour: "2-digit", minute: "2-digit" };
		if (d.toDateString() !== new Date().toDateString()) {
			opts.month = "short";
			opts.day = "numeric";
		}
		return d.toLocaleString(undefined, opts);
	}

	/* Build a card for a mount from the <template>; wire its buttons. */
	function makeCard(path) {
		var el = $("card").content.firstElementChild.cloneNode(true);
		var id = "m" + nextId++;
		var q = function (c) { return el.querySelector("." + c); };
		var f = {
			name: q("c-name"), mount: q("c-mount"), desc: q("c-desc"), title: q("c-title"),
			genre: q("c-genre"), bitrate: q("c-bitrate"), listeners: q("c-listeners"),
			since: q("c-since"), play: q("c-play"), m3u: q("c-m3u"), pls: q("c-pls"),
			url: q("c-url"), copy: q("c-copy")
		};
		el.dataset.mount = path;
		el.setAttribute("aria-labelledby", id + "-name");
		f.name.id = id + "-name";
		f.url.id = id + "-url";
		q("c-url-label").setAttribute("for", f.url.id);
		f.mount.textContent = path;
		f.url.value = streamUrl(path);
		f.m3u.href = streamUrl(path) + ".m3u";
		f.pls.href = streamUrl(path) + ".pls";
		f.play.addEventListener("click", function () {
			if (playing === path && !$("audio").paused)
				stop();
			else
				play(path);
		});
		f.copy.addEventListener("click", function () { copy(f.url, f.copy); });
		f.url.addEventListener("focus", function () { f.url.select(); });
		return { el: el, f: f, name: path };
	}

	/* Fill a card's text from one source's stats. */
	function fillCard(card, src, path) {
		var f = card.f;
		card.name = src.server_name ? String(src.server_name) : path;
		setText(f.name, card.name);
		setText(f.desc, src.server_description ? String(src.server_description) : "");
		f.desc.hidden = !src.server_description;
		var np = nowPlaying(src);
		setText(f.title, np || "—");
		f.title.classList.toggle("muted", !np);
		setText(f.genre, src.genre ? String(src.genre) : "—");
		setText(f.bitrate, bitrate(src));
		var n = Number(src.listeners) || 0;
		setText(f.listeners, String(n) + (src.listener_peak != null ?
		    " (peak " + src.listener_peak + ")" : ""));
		setText(f.since, since(src.stream_start_iso8601));
		f.play.setAttribute("aria-label", playLabel(card, path));
		f.m3u.setAttribute("aria-label", "M3U playlist for " + card.name);
		f.pls.setAttribute("aria-label", "PLS playlist for " + card.name);
		f.copy.setAttribute("aria-label", "Copy the stream URL of " + card.name);
	}

	/* The Play button's accessible name: what pressing it does, to which stream. */
	function playLabel(card, path) {
		return (playing === path && !$("audio").paused ? "Stop " : "Play ") + card.name;
	}

	/* Bring the cards in line with a fresh status document. */
	function render(doc) {
		var ice = doc && doc.icestats ? doc.icestats : {};
		var list = sources(ice).map(function (s) { return { src: s, path: mountOf(s) }; })
		    .filter(function (x) { return x.path; })
		    .sort(function (a, b) { return a.path < b.path ? -1 : a.path > b.path ? 1 : 0; });
		var seen = new Set();
		var box = $("mounts");
		var prev = null;

		list.forEach(function (x) {
			var card = cards.get(x.path);
			if (!card) {
				card = makeCard(x.path);
				cards.set(x.path, card);
			}
			seen.add(x.path);
			fillCard(card, x.src, x.path);
			/* Keep the sorted order without moving cards that are in place. */
			var want = prev ? prev.nextSibling : box.firstChild;
			if (want !== card.el)
				box.insertBefore(card.el, want);
			prev = card.el;
		});
		cards.forEach(function (card, path) {
			if (!seen.has(path)) {
				card.el.remove();
				cards.delete(path);
			}
		});
		if (playing !== null && !seen.has(playing)) {
			announce(playing + " went off the air.");
			stop();
		}

		var station = [ice.location, ice.admin ? "Contact: " + ice.admin : ""]
		    .filter(Boolean).map(String).join(" · ");
		setText($("station"), station);
		if (ice.server_id)
			setText($("server-id"), String(ice.server_id));
		setText($("state"), list.length === 0 ? "No streams are live right now." :
		    list.length === 1 ? "1 stream is live." : list.length + " streams are live.");
		syncPlayButtons();
	}

	/* Play buttons say Stop (and look pressed) on the mount that is playing. */
	function syncPlayButtons() {
		var audio = $("audio");
		cards.forEach(function (card, path) {
			var on = playing === path && !audio.paused;
			setText(card.f.play, on ? "Stop" : "Play");
			/* The label says what a press does; no aria-pressed on top of that. */
			card.f.play.classList.toggle("on", on);
			card.f.play.setAttribute("aria-label", playLabel(card, path));
		});
	}

	/* Start the shared player on a mount (a fresh connection: it is live). */
	function play(path) {
		var audio = $("audio");
		var card = cards.get(path);
		playing = path;
		setText($("player-name"), card ? card.name : path);
		$("player").hidden = false;
		audio.src = streamUrl(path);
		var p = audio.play();
		if (p && p.catch) {
			p.catch(function (e) {
				if (e && e.name === "AbortError")
					return;		/* another play() or stop() came first */
				announce("Could not play " + path + ": " + (e && e.message ? e.message : e));
				syncPlayButtons();
			});
		}
		syncPlayButtons();
	}

	/* Stop and drop the connection, so we stop counting as a listener. */
	function stop() {
		var audio = $("audio");
		audio.pause();
		audio.removeAttribute("src");
		audio.load();
		playing = null;
		$("player").hidden = true;
		syncPlayButtons();
	}

	/* Tell screen readers something (the visually hidden status line). */
	function announce(msg) {
		$("announce").textContent = msg;
	}

	/* Copy a URL field: the async clipboard where allowed, else select + execCommand. */
	function copy(input, button) {
		var done = function (ok) {
			setText(button, ok ? "Copied" : "Copy failed");
			announce(ok ? "Stream URL copied." : "Could not copy; the URL is selected.");
			setTimeout(function () { setText(button, "Copy"); }, 2000);
		};
		input.focus();
		input.select();
		if (navigator.clipboard && window.isSecureContext) {
			navigator.clipboard.writeText(input.value).then(function () { done(true); },
			    function () { done(legacyCopy()); });
		} else {
			done(legacyCopy());
		}
	}

	/* Copy the current selection where the async clipboard is not allowed (plain http). */
	function legacyCopy() {
		try {
			return document.execCommand("copy");
		} catch (e) {
			return false;
		}
	}

	/* One poll: fetch the status document and render it; then schedule the next. */
	function refresh() {
		var ctl = typeof AbortController === "function" ? new AbortController() : null;
		var timer = ctl ? setTimeout(function () { ctl.abort(); }, FETCH_TIMEOUT_MS) : 0;
		return fetch("status-json.xsl", { cache: "no-store", signal: ctl ? ctl.signal : undefined })
		    .then(function (r) {
			if (!r.ok)
				throw new Error("HTTP " + r.status);
			return r.json();
		    })
		    .then(render)
		    .catch(function (e) {
			setText($("state"), "Can't reach the server (" + (e && e.message ? e.message : e) +
			    "); retrying…");
		    })
		    .then(function () {
			clearTimeout(timer);
			setTimeout(refresh, REFRESH_MS);
		    });
	}

	/* Wire the shared player and start polling. */
	function init() {
		var audio = $("audio");
		["play", "pause", "playing", "emptied", "ended"].forEach(function (ev) {
			audio.addEventListener(ev, syncPlayButtons);
		});
		audio.addEventListener("error", function () {
			if (!audio.getAttribute("src"))
				return;		/* stop() emptied it */
			announce("The stream stopped playing.");
			syncPlayButtons();
		});
		$("player-stop").addEventListener("click", function () {
			var card = cards.get(playing);
			stop();
			if (card)
				card.f.play.focus();	/* the bar, and so this button, is hidden now */
		});
		refresh();
	}

	init();
})();

/*
 * main.c: floe-source's entry point: arguments and config, the playlist,
 * the outputs, signals, the control socket, and the event loop whose pacer
 * tick pulls audio through the player and pushes it to every output.
 *
 * One decode feeds every output: each tick the player produces the frames
 * the real-time schedule says are due, and each output encodes and sends
 * them on its own connection. When no output can take audio (all servers
 * down), the playlist pauses where it is and resumes on reconnection.
 */
#include "config.h"
#include "api.h"
#include "control.h"
#include "history.h"
#include "tlsclient.h"
#include "hooks.h"
#include "live.h"
#include "mix.h"
#include "decode.h"
#include "encode.h"
#include "log.h"
#include "meta.h"
#include "output.h"
#include "pacer.h"
#include "player.h"
#include "playlist.h"
#include "program.h"
#include "schedule.h"
#include "uplink.h"
#include "../server/util.h"

#include <event2/dns.h>
#include <event2/event.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* The pacer wakes every 20 ms: fine enough that titles and sends follow the
 * audio closely, coarse enough to cost nothing. Frames are produced in
 * chunks of at most CHUNK_FRAMES. */
#define TICK_MS 20
#define CHUNK_FRAMES 4096
/* At most this much audio is produced in one tick, so that catching up after
 * a stall never holds the event loop (and the other outputs) for long. */
#define MAX_SECONDS_PER_TICK 1
/* Further behind schedule than this (the machine was suspended, or the
 * process stopped), the schedule restarts instead of bursting the backlog. */
#define MAX_BEHIND_SECONDS 5
/* At start, wait this long for every output to connect before the first
 * one that did starts the playlist without the others. */
#define STARTUP_GRACE_SECONDS 3
/* The playlist file is checked for changes this often. */
#define WATCH_SECONDS 2
/* At the end of a playlist (or on SIGTERM), queued audio may take this long
 * to reach the servers before floe-source exits anyway. */
#define DRAIN_SECONDS 10
/* Why 5 s of silence between tries of a failing playlist: a remounted
 * disk is back on air within seconds, and a try (a stat per entry) every
 * 5 s costs nothing. */
#define STANDIN_RECHECK_SECONDS 5
/* The output limiter: -1 dBFS leaves the encoders' true peaks (which may
 * overshoot the samples by a fraction of a dB) below full scale; 5 ms of
 * look-ahead turns the gain down smoothly before a peak; 200 ms of release
 * brings it back without pumping the music. */
#define LIMIT_CEILING_DB -1.0
#define LIMIT_LOOKAHEAD_MS 5.0
#define LIMIT_RELEASE_MS 200.0
#define DRAIN_POLL_MS 100

struct station {
	struct event_base	*base;
	struct evdns_base	*dns;
	struct config		 cfg;
	struct playlist		 pl;
	struct program		*prog;		/* playlists, rotations, schedule; NULL: pl alone */
	struct player		*player;
	struct mix_limiter	 lim;		/* the mix's last stage: nothing clips */
	struct hooks		*hooks;		/* on-track, on-output-up/down, on-playlist */
	struct live		*live;		/* a live DJ (NULL: no live-listen) */
	const struct player_track *live_started;	/* play_cb's track that began */
	int			*was_live;	/* each output's state at the last change */
	struct output		**outs;
	size_t			 nouts;
	struct control		*ctl;
	struct api		*api;		/* the HTTP JSON API, or NULL */
	struct history		*history;	/* the last tracks played */
	uint64_t		 frames_sent;	/* audio produced since start: history's clock */
	struct pacer		 pacer;
	float			*buf;
	char			*title;		/* of the track playing now */
	struct event		*tick_ev, *watch_ev, *grace_ev, *change_ev, *drain_ev;
	struct event		*sig_ev[5];
	int			 started;	/* the playlist has begun */
	int			 grace_over;
	int			 paused;
	int			 ending;
	uint64_t		 drain_deadline;
	int			 exit_code;
	struct stat		 pl_seen;	/* playlist file as loaded */
	struct stat		 pl_last;	/* as of the last check */
	int			 pl_changing;
};

static const char usage_text[] =
"Usage: floe-source --playlist FILE --url http://source:PASS@HOST:PORT/MOUNT\n"
"                   [--format mp3|aac|vorbis|opus|flac] [--bitrate KBPS]\n"
"                   [--crossfade SECONDS] [...]\n"
"       floe-source -c CONFIG [flags]\n"
"       floe-source ctl [-c FILE | --socket PATH] COMMAND: skip, now, next,\n"
"                       queue FILE, queue-remove N, queue-clear, history [N],\n"
"                       reload, status, schedule, help\n"
"\n"
"floe-source plays a playlist to Floe or any Icecast server: it decodes MP3,\n"
"FLAC, WAV and Ogg Vorbis/Opus, crossfades, encodes MP3, AAC, Ogg Vorbis, Ogg\n"
"Opus and/or Ogg FLAC, and streams each output to its own mount in real time,\n"
"updating the title per track (Ogg: in the stream, a new chain per track).\n"
"\n"
"Playlist:\n"
"  -p, --playlist SRC      M3U/M3U8, PLS, a folder (recursive, sorted), one audio\n"
"                          file, or - for a list of paths on standard input;\n"
"                          http(s):// entries\n"
"                          relay a remote stream (#EXTFLOE:cue-out=S ends it)\n"
"  -s, --shuffle           play in random order (reshuffled on every pass)\n"
"  -1, --once              stop at the end of the playlist instead of looping\n"
"  -x, --crossfade SECS    crossfade between tracks (0 = gapless, the default;\n"
"                          at most 30)\n"
"  -t, --trim-silence      trim leading and trailing silence of each track\n"
"      --silence-level DB  what counts as silence for trimming (default -50 dBFS)\n"
"      --loudness LUFS     bring every track to this loudness (default -16 LUFS,\n"
"                          EBU R128; from its ReplayGain tag, else measured)\n"
"      --no-normalize      play tracks at their own levels\n"
"      --fallback FILE     plays while every entry of the (looping) playlist fails\n"
"                          (default: silence), the playlist tried again after each\n"
"                          play of it; the stream never ends for want of music\n"
"  Several playlists, rotations (weights, a jingle every N songs, an ID at the\n"
"  top of the hour) and a week's schedule: [playlist NAME], [rotation NAME] and\n"
"  [schedule] sections in the config (floe-source.conf.example).\n"
"\n"
"Output (repeat --url or --file for more outputs; the flags after one apply\n"
"to it, or to the next when given before it):\n"
"  -u, --url URL           http://USER:PASS@HOST:PORT/MOUNT (user defaults to\n"
"                          \"source\", port to 8000), or https:// (TLS, port 443,\n"
"                          the server's certificate checked), or\n"
"                          shoutcast://:PASS@HOST:PORT (or icy://): a Shoutcast v1\n"
"                          server's source port (default 8001)\n"
"      --ca-file PEM       https:// servers and webhooks: trust this CA (a\n"
"                          station's own)\n"
"  -f, --format FMT        mp3, aac, vorbis, opus or flac (FLAC in Ogg); by\n"
"                          default from the mount (or file) name: .aac aac,\n"
"                          .ogg/.oga vorbis, .opus opus, .flac flac, else mp3\n"
"  -b, --bitrate KBPS      8-320 (default 128 for MP3 and Vorbis, 96 for AAC and\n"
"                          Opus, which aim at it on average; FLAC has none)\n"
"      --vbr QUALITY       MP3 VBR at LAME quality 0 (best) - 9 instead of CBR\n"
"  -m, --method M          put (HTTP PUT, Expect: 100-continue; the default),\n"
"                          source (the older SOURCE method) or shoutcast (v1:\n"
"                          password line, OK2, icy-* lines; titles by admin.cgi)\n"
"      --title-port PORT   Shoutcast: the HTTP port titles go to (default: the\n"
"                          URL's port - 1, as DNAS, icecast2 and Floe have it)\n"
"  -o, --file PATH         also (or only) write the encoded stream to PATH\n"
"                          (strftime %-codes: archive/%Y-%m-%d/%H%M.mp3)\n"
"      --rotate SECS       a new --file every SECS (3600: on the hour)\n"
"      --samplerate HZ     before any output flag: the station's rate, every\n"
"                          output's default (44100); after --url/--file: that\n"
"                          output's own, resampled from the station's (Opus:\n"
"                          8000, 12000, 16000, 24000 or 48000, default 48000)\n"
"      --channels N        1 or 2 (default 2)\n"
"      --burst SECS        audio sent at once when streaming starts (default 1)\n"
"\n"
"Stream description (sent as ice-* headers):\n"
"      --name TEXT  --description TEXT  --genre TEXT  --website URL  --public\n"
"\n"
"Hooks (a command, run without a shell and not waited for, with the event's\n"
"details in its environment: FLOE_EVENT, FLOE_TITLE, FLOE_FILE, FLOE_OUTPUT,\n"
"FLOE_PLAYLIST, FLOE_ENTRIES; killed after 30 s):\n"
"      --on-track CMD   --on-output-up CMD   --on-output-down CMD   --on-playlist CMD\n"
"Webhooks (a POST of the event as JSON: {\"event\",\"time\",\"title\",\"file\",...};\n"
"never waited for, 10 s timeout, no retries, failures logged once a minute):\n"
"      --on-track-url URL  (and --on-output-up-url, --on-output-down-url,\n"
"                          --on-playlist-url: --on-EVENT-url for every event)\n"
"\n"
"HTTP JSON API (off by default; see the README for its endpoints):\n"
"      --api-listen ADDR:PORT\n"
"                          serve /api/now, next, queue, skip, reload, schedule and\n"
"                          history on ADDR:PORT (127.0.0.1:8020); an address\n"
"                          that is not loopback requires --api-token\n"
"      --api-token TOKEN   require \"Authorization: Bearer TOKEN\" (better in the\n"
"                          config file: a flag is visible in ps)\n"
"      --on-live-connect CMD   --on-live-disconnect CMD  (FLOE_LIVE_NAME, FLOE_LIVE_ADDR)\n"
"\n"
"Live DJ (butt, Mixxx, Liquidsoap, ffmpeg: SOURCE/PUT of MP3, Ogg or AAC, as to\n"
"Icecast; titles by GET /admin/metadata?mode=updinfo&mount=M&song=TITLE, same login):\n"
"      --live-listen ADDR:PORT  take a DJ here; the playlist pauses under them\n"
"      --live-password PASS     required with --live-listen (--live-user: source)\n"
"      --live-mount /M          only this mount (default: any)\n"
"      --live-crossfade SECS    fade to and from the DJ (default: --crossfade, or 2)\n"
"      --live-silence SECS      a DJ silent this long goes off the air (default 15;\n"
"                               0: never); their next sound puts them back on\n"
"\n"
"Control and logs:\n"
"  -c, --config FILE       read settings and outputs from FILE (flags given too\n"
"                          override its global settings and add outputs)\n"
"      --check-config      check the settings, print the outputs, and exit\n"
"  -C, --control PATH      control socket (\"none\" for none); default: one per\n"
"                          instance, floe-source-KEY.sock in $XDG_RUNTIME_DIR,\n"
"                          /run/floe-source (root) or /tmp/floe-source-UID, KEY\n"
"                          from the config file or the first output (what\n"
"                          `floe-source ctl` finds by itself)\n"
"  -l, --log FILE          log to FILE instead of standard error\n"
"  -v, --verbose           log debug detail     -q, --quiet   warnings and errors only\n"
"  -V, --version           print the version    -h, --help    this text\n"
"\n"
"Signals: SIGHUP reloads the playlist (keeping the current track) and reopens\n"
"the log; SIGUSR1 skips to the next track; SIGTERM or SIGINT stop.\n"
"The playlist file is also reloaded when it changes.\n"
"\n"
"Example:\n"
"  floe-source --playlist music.m3u --url http://source:hackme@localhost:8000/live.mp3 \\\n"
"      --crossfade 3 --url http://source:hackme@localhost:8000/live.aac --bitrate 64\n";

enum {
	OPT_VBR = 256, OPT_SAMPLERATE, OPT_CHANNELS, OPT_BURST, OPT_NAME, OPT_DESCRIPTION,
	OPT_GENRE, OPT_WEBSITE, OPT_PUBLIC, OPT_CHECK, OPT_SILENCE, OPT_FALLBACK,
	OPT_NO_NORMALIZE, OPT_LOUDNESS, OPT_ON_TRACK, OPT_ON_UP, OPT_ON_DOWN, OPT_ON_PLAYLIST,
	OPT_ROTATE, OPT_CA_FILE, OPT_API_LISTEN, OPT_API_TOKEN, OPT_TITLE_PORT,
	OPT_ON_LIVE_CONNECT, OPT_ON_LIVE_DISCONNECT, OPT_LIVE_LISTEN,
	OPT_LIVE_USER, OPT_LIVE_PASSWORD, OPT_LIVE_MOUNT, OPT_LIVE_CROSSFADE, OPT_LIVE_SILENCE,
	OPT_HOOK_URL = 1024,	/* + enum hook_event: --on-EVENT-url (all_longopts) */
};

static const struct option longopts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "playlist", required_argument, NULL, 'p' },
	{ "shuffle", no_argument, NULL, 's' },
	{ "once", no_argument, NULL, '1' },
	{ "crossfade", required_argument, NULL, 'x' },
	{ "trim-silence", no_argument, NULL, 't' },
	{ "silence-level", required_argument, NULL, OPT_SILENCE },
	{ "fallback", required_argument, NULL, OPT_FALLBACK },
	{ "no-normalize", no_argument, NULL, OPT_NO_NORMALIZE },
	{ "loudness", required_argument, NULL, OPT_LOUDNESS },
	{ "on-track", required_argument, NULL, OPT_ON_TRACK },
	{ "on-output-up", required_argument, NULL, OPT_ON_UP },
	{ "on-output-down", required_argument, NULL, OPT_ON_DOWN },
	{ "on-playlist", required_argument, NULL, OPT_ON_PLAYLIST },
	{ "rotate", required_argument, NULL, OPT_ROTATE },
	{ "on-live-connect", required_argument, NULL, OPT_ON_LIVE_CONNECT },
	{ "on-live-disconnect", required_argument, NULL, OPT_ON_LIVE_DISCONNECT },
	{ "live-listen", required_argument, NULL, OPT_LIVE_LISTEN },
	{ "live-user", required_argument, NULL, OPT_LIVE_USER },
	{ "live-password", required_argument, NULL, OPT_LIVE_PASSWORD },
	{ "live-mount", required_argument, NULL, OPT_LIVE_MOUNT },
	{ "live-crossfade", required_argument, NULL, OPT_LIVE_CROSSFADE },
	{ "live-silence", required_argument, NULL, OPT_LIVE_SILENCE },
	{ "ca-file", required_argument, NULL, OPT_CA_FILE },
	{ "api-listen", required_argument, NULL, OPT_API_LISTEN },
	{ "api-token", required_argument, NULL, OPT_API_TOKEN },
	{ "url", required_argument, NULL, 'u' },
	{ "format", required_argument, NULL, 'f' },
	{ "bitrate", required_argument, NULL, 'b' },
	{ "vbr", required_argument, NULL, OPT_VBR },
	{ "method", required_argument, NULL, 'm' },
	{ "title-port", required_argument, NULL, OPT_TITLE_PORT },
	{ "file", required_argument, NULL, 'o' },
	{ "samplerate", required_argument, NULL, OPT_SAMPLERATE },
	{ "channels", required_argument, NULL, OPT_CHANNELS },
	{ "burst", required_argument, NULL, OPT_BURST },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "description", required_argument, NULL, OPT_DESCRIPTION },
	{ "genre", required_argument, NULL, OPT_GENRE },
	{ "website", required_argument, NULL, OPT_WEBSITE },
	{ "public", no_argument, NULL, OPT_PUBLIC },
	{ "check-config", no_argument, NULL, OPT_CHECK },
	{ "control", required_argument, NULL, 'C' },
	{ "log", required_argument, NULL, 'l' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};
static const char shortopts[] = "c:p:s1x:tu:f:b:m:o:C:l:vqVh";

/* longopts and --on-EVENT-url for every hook event, so that a new event
 * has its flag without a line here. */
static const struct option *
all_longopts(void)
{
	static struct option all[FLOE_NELEM(longopts) + HOOK_NEVENTS];
	static char names[HOOK_NEVENTS][64];
	size_t n = FLOE_NELEM(longopts) - 1, i;

	memcpy(all, longopts, n * sizeof *all);
	for (i = 0; i < HOOK_NEVENTS; i++) {
		snprintf(names[i], sizeof names[i], "on-%s-url", hook_event_name((int)i));
		all[n + i] = (struct option){ names[i], required_argument, NULL,
		    OPT_HOOK_URL + (int)i };
	}
	memset(&all[n + HOOK_NEVENTS], 0, sizeof all[0]);
	return all;
}

static void update_running(struct station *);
static void start_ending(struct station *, int);
static void title_changed(struct station *, const char *);

/* Print a fatal start-up error and exit. */
static void __attribute__((noreturn))
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "floe-source: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(1);
}

/* ---------------------------------------------------------------- flags */

/* The output the output flags apply to: the last one the flags made, or a
 * new one when that already has what the flag sets (need: 'u' or 'o'). */
static struct output_conf *
flag_output(struct config *c, struct output_conf **cur, int need)
{
	if (*cur == NULL || (need == 'u' && (*cur)->url != NULL) ||
	    (need == 'o' && (*cur)->file != NULL))
		*cur = config_add_output(c, NULL, 0);
	return *cur;
}

/* Apply one flag to the config; exits on a bad value. */
static void
apply_flag(struct config *c, struct output_conf **cur, int ch, const char *arg)
{
	static const struct { int ch; const char *key; } globals[] = {
		{ 'p', "playlist" }, { 'x', "crossfade" }, { OPT_SILENCE, "silence-level" },
		{ OPT_FALLBACK, "fallback" }, { OPT_LOUDNESS, "loudness" },
		{ OPT_ON_TRACK, "on-track" }, { OPT_ON_UP, "on-output-up" },
		{ OPT_ON_DOWN, "on-output-down" }, { OPT_ON_PLAYLIST, "on-playlist" },
		{ OPT_CA_FILE, "ca-file" }, { OPT_API_LISTEN, "api-listen" },
		{ OPT_API_TOKEN, "api-token" },
		{ OPT_ON_LIVE_CONNECT, "on-live-connect" },
		{ OPT_ON_LIVE_DISCONNECT, "on-live-disconnect" },
		{ OPT_LIVE_LISTEN, "live-listen" }, { OPT_LIVE_USER, "live-user" },
		{ OPT_LIVE_PASSWORD, "live-password" }, { OPT_LIVE_MOUNT, "live-mount" },
		{ OPT_LIVE_CROSSFADE, "live-crossfade" }, { OPT_LIVE_SILENCE, "live-silence" },
		{ OPT_SAMPLERATE, "samplerate" }, { OPT_CHANNELS, "channels" },
		{ OPT_BURST, "burst" }, { OPT_NAME, "name" }, { OPT_DESCRIPTION, "description" },
		{ OPT_GENRE, "genre" }, { OPT_WEBSITE, "website" }, { 'C', "control" },
		{ 'l', "log" },
	};
	static const struct { int ch; const char *key; } outputs[] = {
		{ 'u', "url" }, { 'o', "file" }, { 'f', "format" }, { 'b', "bitrate" },
		{ 'm', "method" }, { OPT_ROTATE, "rotate" }, { OPT_TITLE_PORT, "title-port" },
	};
	char err[256];
	size_t i;

	/* After an output flag, --samplerate is that output's rate; before any,
	 * the station's (which every output takes unless told otherwise). */
	if (ch == OPT_SAMPLERATE && *cur != NULL) {
		if (config_output_set(*cur, "samplerate", arg, NULL, err, sizeof err) != 0)
			die("--samplerate: %s", err);
		return;
	}
	for (i = 0; i < FLOE_NELEM(globals); i++) {
		if (globals[i].ch == ch) {
			if (config_set(c, globals[i].key, arg, NULL, err, sizeof err) != 0)
				die("--%s: %s", globals[i].key, err);
			return;
		}
	}
	if (ch >= OPT_HOOK_URL && ch < OPT_HOOK_URL + HOOK_NEVENTS) {
		char key[64];

		snprintf(key, sizeof key, "on-%s-url", hook_event_name(ch - OPT_HOOK_URL));
		if (config_set(c, key, arg, NULL, err, sizeof err) != 0)
			die("--%s: %s", key, err);
		return;
	}
	for (i = 0; i < FLOE_NELEM(outputs); i++) {
		if (outputs[i].ch == ch) {
			struct output_conf *o = flag_output(c, cur, ch);
			if (config_output_set(o, outputs[i].key, arg, NULL, err, sizeof err) != 0)
				die("--%s: %s", outputs[i].key, err);
			return;
		}
	}
	switch (ch) {
	case 's':
		c->shuffle = 1;
		break;
	case '1':
		c->loop = 0;
		break;
	case 't':
		c->trim = 1;
		break;
	case OPT_PUBLIC:
		c->ice_public = 1;
		break;
	case OPT_NO_NORMALIZE:
		c->normalize = 0;
		break;
	case OPT_VBR: {
		struct output_conf *o = flag_output(c, cur, 0);
		if (config_output_set(o, "quality", arg, NULL, err, sizeof err) != 0)
			die("--vbr: %s", err);
		o->vbr = 1;
		break;
	}
	case 'v':
		c->log_level = LOG_DEBUG;
		break;
	case 'q':
		c->log_level = LOG_WARN;
		break;
	}
}

/* ---------------------------------------------------------------- running */

/* Is every output connected (or given up on)? */
static int
all_outputs_settled(const struct station *st)
{
	size_t i;

	for (i = 0; i < st->nouts; i++)
		if (output_connecting(st->outs[i]))
			return 0;
	return 1;
}

/* Log the state of every output on one line each. */
static void
log_outputs(const struct station *st)
{
	char line[700];
	size_t i;

	for (i = 0; i < st->nouts; i++) {
		output_describe(st->outs[i], line, sizeof line);
		log_info("  output %s", line);
	}
}

/* Arm the tick for when the next TICK_MS of frames will be due. */
static void
schedule_tick(struct station *st, uint64_t now)
{
	uint64_t at = pacer_when(&st->pacer, (uint64_t)st->cfg.rate * TICK_MS / 1000), d;
	struct timeval tv;

	d = at > now ? at - now : 0;
	tv.tv_sec = (time_t)(d / FLOE_NS_PER_SEC);
	tv.tv_usec = (suseconds_t)(d % FLOE_NS_PER_SEC / 1000);
	evtimer_add(st->tick_ev, &tv);
}

/* Seconds of audio produced so far (how long tracks played, in history). */
static double
audio_clock(void *arg)
{
	struct station *st = arg;

	return (double)st->frames_sent / st->cfg.rate;
}

/* A track began: remember its title and log it, with each output's state
 * at a glance ("outputs: /live.mp3 up, /live.aac DOWN"). */
static void
track_started(struct station *st, const struct player_track *t)
{
	struct sbuf sb;
	size_t i;

	free(st->title);
	st->title = xstrdup(player_track_title(t));
	sbuf_init(&sb);
	for (i = 0; i < st->nouts; i++) {
		const struct output *o = st->outs[i];
		sbuf_addf(&sb, "%s%s %s", i ? ", " : "", output_name(o), output_live(o) ?
		    "up" : output_failed(o) ? "FAILED" : "DOWN");
	}
	log_info("playing: %s; outputs: %s", player_track_desc(t), sb.data);
	sbuf_free(&sb);
	title_changed(st, player_track_path(t));
}

/* st->title began now (a track, or a relayed stream's next title): into
 * the history, and to the on-track hooks. */
static void
title_changed(struct station *st, const char *path)
{
	char *title = xasprintf("FLOE_TITLE=%s", st->title);
	char *file = xasprintf("FLOE_FILE=%s", path);
	const char *env[] = { title, file, NULL };

	history_begin(st->history, st->title, path, time_wall_ms(), audio_clock(st));
	hooks_run(st->hooks, HOOK_TRACK, env);
	free(title);
	free(file);
}

static int reload_playlist(struct station *st, struct sbuf *out);

/* The playlist as live_mix reads it. */
static long
play_cb(void *arg, float *out, size_t want)
{
	struct station *st = arg;

	return player_read(st->player, out, want, &st->live_started);
}

/* A DJ connected to (or left) the live socket: the hooks. */
static void
live_cb(void *arg, int connected, const char *name, const char *addr)
{
	struct station *st = arg;
	char *n = xasprintf("FLOE_LIVE_NAME=%s", name), *a = xasprintf("FLOE_LIVE_ADDR=%s", addr);
	const char *env[] = { n, a, NULL };

	hooks_run(st->hooks, connected ? HOOK_LIVE_CONNECT : HOOK_LIVE_DISCONNECT, env);
	free(n);
	free(a);
}

/* The pacer: produce what is due, feed every output, sleep until more is. */
static void
tick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct station *st = arg;
	uint64_t now = time_mono_ns(), due, behind;
	size_t i;

	if (!st->pacer.running || st->ending)
		return;
	if ((behind = pacer_behind(&st->pacer, now)) > (uint64_t)MAX_BEHIND_SECONDS * FLOE_NS_PER_SEC) {
		log_warn("fell %.1f s behind the real-time schedule (was the machine suspended?); "
		    "restarting the schedule", (double)behind / FLOE_NS_PER_SEC);
		pacer_start(&st->pacer, now, (unsigned)st->cfg.rate, 0);
	}
	due = FLOE_MIN(pacer_due(&st->pacer, now), (uint64_t)st->cfg.rate * MAX_SECONDS_PER_TICK);
	/* switch = now: the schedule changed, so the track ends (like a skip). */
	if (st->prog != NULL && program_poll(st->prog) && player_current(st->player) != NULL)
		player_skip(st->player);
	while (due > 0 && st->pacer.running && !st->ending) {
		const struct player_track *started = NULL;
		const char *title = NULL, *retitle = NULL;
		int back = 0;
		long n;

		if (st->live != NULL) {		/* the playlist, or a DJ over it */
			st->live_started = NULL;
			n = live_mix(st->live, st->buf, (size_t)FLOE_MIN(due, CHUNK_FRAMES), play_cb, st);
			started = st->live_started;
			title = live_take_title(st->live, &back);
		} else
			n = player_read(st->player, st->buf, (size_t)FLOE_MIN(due, CHUNK_FRAMES),
			    &started);

		if (n < 0) {
			log_error("%s", player_error(st->player));
			start_ending(st, 1);
			return;
		}
		if (n == 0) {
			log_info("end of the playlist");
			start_ending(st, 0);
			return;
		}
		/* Loud masters crossfaded exceed full scale: turned down, not clipped. */
		mix_limit(&st->lim, st->buf, (size_t)n);
		mix_clamp(st->buf, (size_t)n * (size_t)st->cfg.channels);	/* a guard only */
		if (player_take_recheck(st->player) &&
		    (st->prog != NULL || strcmp(st->cfg.playlist, "-") != 0)) {
			struct sbuf sb;

			sbuf_init(&sb);		/* a folder may be back: read it again */
			reload_playlist(st, &sb);
			sbuf_free(&sb);
		}
		if (started != NULL)
			track_started(st, started);
		else if ((retitle = player_take_retitle(st->player)) != NULL) {
			free(st->title);	/* a relayed stream's own title changed */
			st->title = xstrdup(retitle);
			log_info("title: %s", st->title);
			if (player_current(st->player) != NULL)
				title_changed(st, player_track_path(player_current(st->player)));
		}
		/* The playlist's title (new, or again after a DJ), unless a DJ is
		 * on the air over it. */
		if (title == NULL && (back || ((started != NULL || retitle != NULL) &&
		    (st->live == NULL || !live_on_air(st->live)))))
			title = st->title;
		for (i = 0; i < st->nouts; i++)
			output_feed(st->outs[i], st->buf, (size_t)n, title);
		pacer_advance(&st->pacer, (uint64_t)n);
		st->frames_sent += (uint64_t)n;
		due -= (uint64_t)n;
	}
	for (i = 0; i < st->nouts; i++)
		output_poll(st->outs[i]);
	if (st->pacer.running && !st->ending)
		schedule_tick(st, time_mono_ns());
}

/* Start, pause or resume the playlist as outputs come and go. */
static void
update_running(struct station *st)
{
	int live = 0, failed = 0;
	size_t i;

	if (st->ending)
		return;
	for (i = 0; i < st->nouts; i++) {
		live |= output_live(st->outs[i]);
		failed += output_failed(st->outs[i]);
	}
	if ((size_t)failed == st->nouts) {
		log_error("no output left to stream to (every one was refused for good); exiting");
		start_ending(st, 1);
		return;
	}
	if (!st->started) {
		if (!live || (!st->grace_over && !all_outputs_settled(st)))
			return;
		st->started = 1;
		log_info("starting the playlist");
		log_outputs(st);
	} else if (live && st->paused) {
		log_info("an output is back: resuming the playlist%s%s", st->title ? " at " : "",
		    st->title ? st->title : "");
	} else if (!live && !st->paused) {
		log_warn("no output is connected: pausing the playlist%s%s until one is back",
		    st->title ? " at " : "", st->title ? st->title : "");
		st->paused = 1;
		pacer_stop(&st->pacer);
		evtimer_del(st->tick_ev);
		return;
	} else
		return;
	st->paused = 0;
	pacer_start(&st->pacer, time_mono_ns(), (unsigned)st->cfg.rate,
	    (uint64_t)(st->cfg.burst * FLOE_NS_PER_SEC));
	schedule_tick(st, time_mono_ns());
}

/* An output connected or disconnected. Deferred to a fresh event so that
 * pausing never happens in the middle of a send. */
static void
output_changed(struct output *o, void *arg)
{
	struct station *st = arg;
	struct timeval zero = { 0, 0 };

	(void)o;
	evtimer_add(st->change_ev, &zero);
}

/* An output changed state (deferred from output_changed). */
static void
change_cb(evutil_socket_t fd, short what, void *arg)
{
	struct station *st = arg;
	size_t i;

	for (i = 0; i < st->nouts; i++) {
		int live = output_live(st->outs[i]);
		char *name;
		const char *env[2];

		if (live == st->was_live[i])
			continue;
		st->was_live[i] = live;
		name = xasprintf("FLOE_OUTPUT=%s", output_name(st->outs[i]));
		env[0] = name;
		env[1] = NULL;
		hooks_run(st->hooks, live ? HOOK_OUTPUT_UP : HOOK_OUTPUT_DOWN, env);
		free(name);
	}
	update_running(st);
}

/* The start-up grace period ended: start with the outputs that are up. */
static void
grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct station *st = arg;

	st->grace_over = 1;
	update_running(st);
}

/* Wait for the outputs to finish sending, then leave the loop. */
static void
drain_cb(evutil_socket_t fd, short what, void *arg)
{
	struct station *st = arg;
	struct timeval tv = { 0, DRAIN_POLL_MS * 1000 };
	size_t i, done = 0;

	for (i = 0; i < st->nouts; i++)
		done += output_done(st->outs[i]);
	if (done == st->nouts || time_mono_ns() >= st->drain_deadline) {
		event_base_loopbreak(st->base);
		return;
	}
	evtimer_add(st->drain_ev, &tv);
}

/* Stop producing; flush every output, and exit once they have drained. */
static void
start_ending(struct station *st, int code)
{
	size_t i;

	if (st->ending)
		return;
	st->ending = 1;
	st->exit_code = code;
	pacer_stop(&st->pacer);
	evtimer_del(st->tick_ev);
	for (i = 0; i < st->nouts; i++)
		output_finish(st->outs[i]);
	st->drain_deadline = time_mono_ns() + (uint64_t)DRAIN_SECONDS * FLOE_NS_PER_SEC;
	drain_cb(-1, 0, st);
}

/* ---------------------------------------------------------------- playlist */

/* The programme switched rotation or reloaded a playlist: the on-playlist
 * hook, with FLOE_REASON saying which. */
static void
program_event(void *arg, enum program_event ev, const char *name, size_t entries,
    const char *previous)
{
	struct station *st = arg;
	char *pl = xasprintf("FLOE_PLAYLIST=%s", name);
	char *n = xasprintf("FLOE_ENTRIES=%zu", entries);
	char *prev = xasprintf("FLOE_PREVIOUS=%s", previous != NULL ? previous : "");
	const char *env[] = { pl, n, ev == PROGRAM_SWITCHED ? "FLOE_REASON=schedule" :
	    "FLOE_REASON=reload", prev, NULL };

	hooks_run(st->hooks, HOOK_PLAYLIST, env);
	free(pl);
	free(n);
	free(prev);
}

/* Re-read the playlist, keeping the current track. */
static int
reload_playlist(struct station *st, struct sbuf *out)
{
	const struct player_track *cur = player_current(st->player);
	struct playlist fresh;
	char *err, *next;

	if (st->prog != NULL)
		return program_reload(st->prog, cur != NULL ? player_track_from(cur) : NULL,
		    cur != NULL ? player_track_path(cur) : NULL, out);
	if (strcmp(st->cfg.playlist, "-") == 0) {
		sbuf_addf(out, "the playlist came from standard input: nothing to reload\n");
		return -1;
	}
	playlist_init(&fresh, st->cfg.shuffle, st->cfg.loop, 0);
	if (playlist_load(&fresh, st->cfg.playlist, &err) != 0) {
		log_warn("playlist reload failed, keeping the old one: %s", err);
		sbuf_addf(out, "reload failed, keeping the old playlist: %s\n", err);
		free(err);
		playlist_free(&fresh);
		return -1;
	}
	playlist_replace(&st->pl, &fresh, cur != NULL ? player_track_path(cur) : NULL);
	stat(st->cfg.playlist, &st->pl_seen);
	st->pl_last = st->pl_seen;
	next = player_next_desc(st->player);
	log_info("playlist reloaded: %zu entries; next: %s", st->pl.n, next ? next : "(end)");
	{
		char *pl = xasprintf("FLOE_PLAYLIST=%s", st->cfg.playlist);
		char *n = xasprintf("FLOE_ENTRIES=%zu", st->pl.n);
		const char *env[] = { pl, n, "FLOE_REASON=reload", NULL };

		hooks_run(st->hooks, HOOK_PLAYLIST, env);
		free(pl);
		free(n);
	}
	sbuf_addf(out, "reloaded %s: %zu entries; next: %s\n", st->cfg.playlist, st->pl.n,
	    next ? next : "(end of the playlist)");
	free(next);
	return 0;
}

/* Same file, same contents as far as stat can tell? */
static int
same_stat(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
	    a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Reload when the playlist file has changed and stayed the same for one
 * more check (so a file still being written is not read half-way). */
static void
watch_cb(evutil_socket_t fd, short what, void *arg)
{
	struct station *st = arg;
	const struct player_track *cur = player_current(st->player);
	struct stat now;
	struct sbuf sb;

	if (st->prog != NULL) {
		program_watch(st->prog, cur != NULL ? player_track_from(cur) : NULL,
		    cur != NULL ? player_track_path(cur) : NULL);
		return;
	}
	if (stat(st->cfg.playlist, &now) != 0)
		return;
	if (same_stat(&now, &st->pl_seen)) {
		st->pl_changing = 0;
		return;
	}
	if (!st->pl_changing || !same_stat(&now, &st->pl_last)) {
		st->pl_changing = 1;
		st->pl_last = now;
		return;
	}
	st->pl_changing = 0;
	log_info("the playlist %s changed: reloading", st->cfg.playlist);
	sbuf_init(&sb);
	reload_playlist(st, &sb);
	sbuf_free(&sb);
	st->pl_seen = now;
}

/* ---------------------------------------------------------------- control */

/* m:ss of a number of seconds. */
static void
fmt_time(double secs, char *buf, size_t n)
{
	long s = (long)secs;

	snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
}

/* One queued file in `status`. */
static void
status_queued(void *arg, const char *path)
{
	sbuf_addf(arg, "  queued: %s\n", path);
}

/* Run a control command. */
static int
control_cb(enum control_cmd cmd, const char *arg, struct sbuf *out, void *a)
{
	struct station *st = a;
	const struct player_track *cur = player_current(st->player);
	char when[32], line[700], *next;
	size_t i;

	switch (cmd) {
	case CONTROL_SKIP:
		if (cur == NULL) {
			sbuf_adds(out, "nothing is playing\n");
			return -1;
		}
		log_info("skipping %s (control)", player_track_title(cur));
		sbuf_addf(out, "skipping: %s\n", player_track_title(cur));
		history_skipped(st->history);
		player_skip(st->player);
		return 0;
	case CONTROL_NOW:
		if (cur == NULL) {
			sbuf_addf(out, "%s\n", st->started ? "(between tracks)" : "(not started)");
			return 0;
		}
		fmt_time(player_position(st->player), when, sizeof when);
		sbuf_addf(out, "%s\n  file: %s, at %s%s\n", player_track_title(cur),
		    player_track_path(cur), when, st->paused ? " (paused: no output connected)" : "");
		if (player_track_from(cur) != NULL)
			sbuf_addf(out, "  from playlist %s\n", player_track_from(cur));
		return 0;
	case CONTROL_NEXT:
		next = player_next_desc(st->player);
		sbuf_addf(out, "%s\n", next != NULL ? next : "(end of the playlist)");
		free(next);
		return 0;
	case CONTROL_QUEUE:
		if (player_queue_file(st->player, arg, line, sizeof line) != 0) {
			sbuf_addf(out, "%s\n", line);
			return -1;
		}
		log_info("queued %s (control)", arg);
		sbuf_addf(out, "queued: %s (%zu in the queue)\n", arg, player_queue_len(st->player));
		return 0;
	case CONTROL_QUEUE_REMOVE: {
		long pos;
		char *path;

		if (parse_long(arg, 1, PLAYER_QUEUE_MAX, &pos) != 0 ||
		    player_queue_remove(st->player, (size_t)pos, &path) != 0) {
			sbuf_addf(out, "no file at position %s of the queue (%zu queued)\n", arg,
			    player_queue_len(st->player));
			return -1;
		}
		log_info("unqueued %s (control)", path);
		sbuf_addf(out, "removed: %s (%zu in the queue)\n", path, player_queue_len(st->player));
		free(path);
		return 0;
	}
	case CONTROL_QUEUE_CLEAR:
		i = player_queue_clear(st->player);
		log_info("queue cleared: %zu file%s (control)", i, i == 1 ? "" : "s");
		sbuf_addf(out, "cleared: %zu file%s\n", i, i == 1 ? "" : "s");
		return 0;
	case CONTROL_HISTORY: {
		long n = 10;

		if (arg != NULL && parse_long(arg, 1, HISTORY_MAX, &n) != 0) {
			sbuf_addf(out, "history N: N is 1 to %d\n", HISTORY_MAX);
			return -1;
		}
		history_text(st->history, (size_t)n, audio_clock(st), out);
		return 0;
	}
	case CONTROL_RELOAD:
		return reload_playlist(st, out);
	case CONTROL_STATUS:
		if (cur != NULL) {
			fmt_time(player_position(st->player), when, sizeof when);
			sbuf_addf(out, "now: %s (%s, at %s)\n", player_track_title(cur),
			    player_track_path(cur), when);
		} else
			sbuf_addf(out, "now: (nothing)\n");
		next = player_next_desc(st->player);
		sbuf_addf(out, "next: %s\n", next != NULL ? next : "(end of the playlist)");
		free(next);
		sbuf_addf(out, "queue: %zu file%s\n", player_queue_len(st->player),
		    player_queue_len(st->player) == 1 ? "" : "s");
		player_queue_each(st->player, status_queued, out);
		if (st->prog != NULL) {
			program_status(st->prog, out);
			if (st->paused)
				sbuf_adds(out, "PAUSED: no output connected\n");
		} else
			sbuf_addf(out, "playlist: %s (%zu entries%s%s)%s\n", st->cfg.playlist,
			    st->pl.n, st->cfg.shuffle ? ", shuffled" : "",
			    st->cfg.loop ? ", looping" : "",
			    st->paused ? " PAUSED: no output connected" : "");
		for (i = 0; i < st->nouts; i++) {
			output_describe(st->outs[i], line, sizeof line);
			sbuf_addf(out, "output %s\n", line);
		}
		if (st->live != NULL)
			live_describe(st->live, out);
		return 0;
	case CONTROL_SCHEDULE:
		program_schedule_text(st->prog, out);
		return 0;
	case CONTROL_HELP:
		return 0;
	}
	return -1;
}

/*
 * GET /api/schedule's object: the programme's week (program.h) when the
 * config has one, else the one playlist, in the same shape's spirit.
 */
static void
schedule_json(void *arg, struct sbuf *out)
{
	struct station *st = arg;

	if (st->prog != NULL) {
		program_schedule_json(st->prog, out);
		return;
	}
	sbuf_adds(out, "{\"playing\":null,\"slots\":[],\"playlists\":[{\"playlist\":");
	sbuf_add_json(out, st->cfg.playlist);
	sbuf_addf(out, ",\"entries\":%zu,\"shuffle\":%s,\"loop\":%s}]}", st->pl.n,
	    st->cfg.shuffle ? "true" : "false", st->cfg.loop ? "true" : "false");
}

/* For the API: is the playlist paused for want of an output? */
static const char *
station_live_title(void *arg)
{
	struct station *st = arg;

	return st->live != NULL ? live_on_air_title(st->live) : NULL;
}

static int
station_paused(void *arg)
{
	return ((struct station *)arg)->paused;
}

/* ---------------------------------------------------------------- signals */

/* SIGHUP, SIGUSR1, SIGTERM, SIGINT. */
static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	struct station *st = arg;
	const struct player_track *cur;
	struct sbuf sb;

	switch (sig) {
	case SIGHUP:
		log_reopen();
		log_info("SIGHUP: reloading the playlist");
		sbuf_init(&sb);
		reload_playlist(st, &sb);
		sbuf_free(&sb);
		break;
	case SIGUSR1:
		if ((cur = player_current(st->player)) != NULL) {
			log_info("skipping %s (SIGUSR1)", player_track_title(cur));
			history_skipped(st->history);
			player_skip(st->player);
		}
		break;
	default:
		if (st->ending) {
			event_base_loopbreak(st->base);
			break;
		}
		log_info("stopping (signal %d)", (int)sig);
		start_ending(st, 0);
		st->drain_deadline = time_mono_ns() + FLOE_NS_PER_SEC;	/* be quick */
		break;
	}
}

/* ---------------------------------------------------------------- main */

/* Print each output for --check-config. */
static void
print_outputs(const struct config *c)
{
	const struct output_conf *o;

	printf("playlist %s%s%s, crossfade %.1f s%s, %d Hz, %d ch\n",
	    c->playlist != NULL ? c->playlist : "(the programme)",
	    c->shuffle ? " (shuffled)" : "", c->loop ? " (looping)" : " (once)", c->crossfade,
	    c->trim ? ", trimming silence" : "", c->rate, c->channels);
	TAILQ_FOREACH(o, &c->outputs, entry) {
		struct uplink_url u;
		char err[200], where[300] = "";

		printf("output %s: %s ", o->name, encode_format_name(o->format));
		if (o->format == ENCODE_FLAC)
			printf("lossless");
		else if (o->vbr)
			printf("VBR q%d", o->quality);
		else
			printf("%d kbps", o->bitrate);
		printf(", %d Hz%s", o->rate, o->format >= ENCODE_VORBIS ?
		    ", titles in the stream (a new Ogg chain per track)" : "");
		if (o->url != NULL && uplink_url_parse(o->url, &u, err, sizeof err) == 0) {
			uplink_url_hostport(&u, where, sizeof where);
			if (o->method == UPLINK_SHOUTCAST) {
				u.shoutcast = 1;
				u.title_port = o->title_port;
				printf(" -> %s (Shoutcast v1, titles to port %d)", where, meta_port(&u));
			} else
				printf(" -> %s as %s%s (%s)", where, u.user, u.mount,
				    o->method == UPLINK_PUT ? "PUT" : "SOURCE");
			printf("%s%s\n", o->file ? " + file " : "", o->file ? o->file : "");
			uplink_url_free(&u);
		} else
			printf(" -> file %s\n", o->file);
	}
}

/*
 * --check-config: the outputs as understood, then what would stop them
 * once started: a playlist that does not load, an output its encoder
 * refuses (a sample rate or bitrate MP3 cannot carry). Exit status 1 if any.
 */
static int
check_config(struct config *c)
{
	const struct output_conf *oc;
	struct playlist pl;
	char *perr, msg[256];
	int bad = 0;
	size_t i;

	decode_global_init();
	print_outputs(c);
	if (c->sched != NULL)
		bad |= program_check_config(c->sched, stdout, stderr);
	else if (strcmp(c->playlist, "-") != 0) {
		playlist_init(&pl, c->shuffle, c->loop, 1);
		if (playlist_load(&pl, c->playlist, &perr) != 0) {
			fprintf(stderr, "floe-source: %s\n", perr);
			free(perr);
			bad = 1;
		} else
			printf("playlist %s: %zu entries\n", c->playlist, pl.n);
		playlist_free(&pl);
	}
	TAILQ_FOREACH(oc, &c->outputs, entry) {
		struct encode_opts eo = { oc->format, oc->rate, c->channels, oc->bitrate, oc->vbr,
		    oc->quality };
		struct encoder *enc = encode_open(&eo, msg, sizeof msg);

		if (enc == NULL) {
			fprintf(stderr, "floe-source: output %s: %s\n", oc->name, msg);
			bad = 1;
		} else
			encode_close(enc);
	}
	if (c->live_listen != NULL)
		printf("live: DJs at %s%s%s as %s, crossfade %.1f s, off the air after %g s "
		    "of silence%s\n", c->live_listen, c->live_mount != NULL ? ", mount " : "",
		    c->live_mount != NULL ? c->live_mount : "", c->live_user, c->live_crossfade,
		    c->live_silence, c->live_silence == 0 ? " (never)" : "");
	if (c->api_listen != NULL)
		printf("api: http://%s/api/ (%s)\n", c->api_listen,
		    c->api_token != NULL ? "a bearer token required" : "no token: loopback only");
	for (i = 0; i < HOOK_NEVENTS; i++) {
		if (c->hooks[i] != NULL)
			printf("on-%s: runs %s\n", hook_event_name(i), c->hooks[i]);
		if (c->hook_urls[i] != NULL) {
			char *shown = url_without_credentials(c->hook_urls[i]);

			printf("on-%s: POSTs to %s\n", hook_event_name(i), shown);
			free(shown);
		}
	}
	return bad;
}

/* Parse flags over the config, load the playlist, start the outputs, run. */
int
main(int argc, char **argv)
{
	static const int sigs[] = { SIGHUP, SIGUSR1, SIGTERM, SIGINT };
	struct station st;
	struct output_conf *cur = NULL, *oc;
	const char *config_path = NULL;
	char err[512], *perr;
	int ch, check = 0;
	size_t i;

	if (argc > 1 && strcmp(argv[1], "ctl") == 0)
		return control_client(argc - 1, argv + 1);

	memset(&st, 0, sizeof st);
	config_init(&st.cfg);

	/* First pass: --config (flags override it), --help, --version. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, shortopts, all_longopts(), NULL)) != -1) {
		if (ch == 'c')
			config_path = optarg;
		else if (ch == 'h') {
			fputs(usage_text, stdout);
			return 0;
		} else if (ch == 'V') {
			printf("floe-source %s\n", PACKAGE_VERSION);
			return 0;
		} else if (ch == OPT_CHECK)
			check = 1;
	}
	if (config_path != NULL && config_load(&st.cfg, config_path, err, sizeof err) != 0)
		die("%s", err);
	/* Second pass: everything else, in order. */
	opterr = 1;
	optind = 0;
	while ((ch = getopt_long(argc, argv, shortopts, all_longopts(), NULL)) != -1) {
		if (ch == '?')
			die("see floe-source --help");
		if (ch != 'c' && ch != OPT_CHECK)
			apply_flag(&st.cfg, &cur, ch, optarg);
	}
	if (optind < argc)
		die("unexpected argument \"%s\" (see floe-source --help)", argv[optind]);
	if (config_check(&st.cfg, err, sizeof err) != 0)
		die("%s", err);
	if (api_check(&st.cfg, config_path, err, sizeof err) != 0)
		die("%s", err);
	if (check) {
		int rc = check_config(&st.cfg);

		config_free(&st.cfg);	/* (so that ASan's leak check stays quiet) */
		return rc;
	}

	if (log_open(st.cfg.log_file, st.cfg.log_level) != 0)
		die("cannot open log %s: %s", st.cfg.log_file, strerror(errno));
	decode_global_init();
	signal(SIGPIPE, SIG_IGN);

	playlist_init(&st.pl, st.cfg.shuffle, st.cfg.loop,
	    (uint32_t)time_mono_ns() ^ (uint32_t)getpid() << 16);
	if (st.cfg.sched != NULL) {
		struct program_opts popt = { st.cfg.shuffle, st.cfg.loop, st.pl.rng };

		if ((st.prog = program_new(st.cfg.sched, &popt, &perr)) == NULL) {
			log_error("%s", perr);
			return 1;
		}
		program_set_events(st.prog, program_event, &st);
		log_info("floe-source %s: a programme of %zu playlists, %zu rotations%s; "
		    "crossfade %.1f s%s", PACKAGE_VERSION, st.cfg.sched->npl, st.cfg.sched->nrot,
		    st.cfg.sched->has_schedule ? ", scheduled" : "", st.cfg.crossfade,
		    st.cfg.trim ? ", trimming silence" : "");
	} else {
		if (playlist_load(&st.pl, st.cfg.playlist, &perr) != 0) {
			log_error("%s", perr);
			return 1;
		}
		stat(st.cfg.playlist, &st.pl_seen);
		st.pl_last = st.pl_seen;
		log_info("floe-source %s: playlist %s, %zu entries%s%s; crossfade %.1f s%s",
		    PACKAGE_VERSION, st.cfg.playlist, st.pl.n, st.cfg.shuffle ? ", shuffled" : "",
		    st.cfg.loop ? ", looping" : ", once", st.cfg.crossfade,
		    st.cfg.trim ? ", trimming silence" : "");
	}

	if ((st.base = event_base_new()) == NULL)
		die("cannot create the event loop");
	if ((st.dns = evdns_base_new(st.base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL &&
	    (st.dns = evdns_base_new(st.base, 0)) == NULL)
		die("cannot set up name resolution");
	st.hooks = hooks_new(st.base, (const char *const *)st.cfg.hooks);
	hooks_set_webhooks(st.hooks, (const char *const *)st.cfg.hook_urls, st.cfg.ca_file);
	tlsclient_set_ca(st.cfg.ca_file);
	st.tick_ev = evtimer_new(st.base, tick_cb, &st);
	st.grace_ev = evtimer_new(st.base, grace_cb, &st);
	st.change_ev = evtimer_new(st.base, change_cb, &st);
	st.drain_ev = evtimer_new(st.base, drain_cb, &st);
	st.watch_ev = event_new(st.base, -1, EV_PERSIST, watch_cb, &st);
	for (i = 0; i < FLOE_NELEM(sigs); i++) {
		st.sig_ev[i] = evsignal_new(st.base, sigs[i], signal_cb, &st);
		evsignal_add(st.sig_ev[i], NULL);
	}

	{
		struct player_opts po = { st.cfg.rate, st.cfg.channels, st.cfg.crossfade,
		    st.cfg.trim, st.cfg.trim_db, st.cfg.fallback, STANDIN_RECHECK_SECONDS,
		    st.cfg.normalize, st.cfg.target_lufs };
		st.player = player_new(&st.pl, &po);
	}
	if (st.prog != NULL) {
		struct player_picker pk;

		program_picker(st.prog, &pk);
		player_set_picker(st.player, &pk);
	}
	st.buf = xreallocarray(NULL, (size_t)CHUNK_FRAMES * (size_t)st.cfg.channels,
	    sizeof *st.buf);
	mix_limiter_init(&st.lim, st.cfg.channels, st.cfg.rate, LIMIT_CEILING_DB, LIMIT_LOOKAHEAD_MS,
	    LIMIT_RELEASE_MS);

	if (st.cfg.control == NULL)
		st.cfg.control = control_default_path(config_path, TAILQ_EMPTY(&st.cfg.outputs) ?
		    NULL : TAILQ_FIRST(&st.cfg.outputs)->url != NULL ?
		    TAILQ_FIRST(&st.cfg.outputs)->url : TAILQ_FIRST(&st.cfg.outputs)->file);
	if (strcmp(st.cfg.control, "none") != 0) {
		st.ctl = control_new(st.base, st.cfg.control, control_cb, &st, err, sizeof err);
		if (st.ctl == NULL) {
			log_error("%s", err);
			return 1;
		}
		log_info("control socket: %s (floe-source ctl --socket %s status)", st.cfg.control,
		    st.cfg.control);
	}

	st.history = history_new();
	if (st.cfg.api_listen != NULL) {
		struct api_env env = { st.player, st.history, control_cb, schedule_json,
		    station_paused, audio_clock, station_live_title, &st };

		if ((st.api = api_new(st.base, &st.cfg, &env, err, sizeof err)) == NULL) {
			log_error("%s", err);
			return 1;
		}
	}

	st.outs = xreallocarray(NULL, st.cfg.noutputs, sizeof *st.outs);
	st.was_live = xcalloc(st.cfg.noutputs, sizeof *st.was_live);
	TAILQ_FOREACH(oc, &st.cfg.outputs, entry) {
		struct output *o = output_new(st.base, st.dns, &st.cfg, oc, output_changed, &st,
		    err, sizeof err);
		if (o == NULL) {
			log_error("%s", err);
			return 1;
		}
		st.outs[st.nouts++] = o;
	}

	if (st.cfg.live_listen != NULL) {
		struct live_opts lo = { st.cfg.live_listen, st.cfg.live_user, st.cfg.live_password,
		    st.cfg.live_mount, st.cfg.live_crossfade, st.cfg.live_silence, st.cfg.rate,
		    st.cfg.channels };

		if ((st.live = live_new(st.base, &lo, live_cb, &st, err, sizeof err)) == NULL) {
			log_error("%s", err);
			return 1;
		}
		log_info("live: DJs may connect to %s%s%s (user %s), crossfade %.1f s, "
		    "silence %g s", st.cfg.live_listen, st.cfg.live_mount ? ", mount " : "",
		    st.cfg.live_mount ? st.cfg.live_mount : "", st.cfg.live_user,
		    st.cfg.live_crossfade, st.cfg.live_silence);
	}
	if (st.prog != NULL || strcmp(st.cfg.playlist, "-") != 0) {
		struct timeval tv = { WATCH_SECONDS, 0 };
		event_add(st.watch_ev, &tv);
	}
	{
		struct timeval tv = { STARTUP_GRACE_SECONDS, 0 };
		evtimer_add(st.grace_ev, &tv);
	}
	update_running(&st);

	event_base_dispatch(st.base);

	for (i = 0; i < st.nouts; i++)
		output_free(st.outs[i]);
	free(st.outs);
	control_free(st.ctl);
	api_free(st.api);
	history_free(st.history);
	live_free(st.live);
	player_free(st.player);
	program_free(st.prog);
	playlist_free(&st.pl);
	for (i = 0; i < FLOE_NELEM(sigs); i++)
		event_free(st.sig_ev[i]);
	event_free(st.tick_ev);
	event_free(st.grace_ev);
	event_free(st.change_ev);
	event_free(st.drain_ev);
	event_free(st.watch_ev);
	hooks_free(st.hooks);		/* its events belong to the base */
	evdns_base_free(st.dns, 0);
	event_base_free(st.base);
	free(st.buf);
	mix_limiter_free(&st.lim);
	free(st.was_live);
	free(st.title);
	config_free(&st.cfg);
	log_info("stopped");
	return st.exit_code;
}

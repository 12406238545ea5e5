/*
 * test_config.c: the config file parser (sections, quoting, errors with
 * line numbers) and the checks and defaults applied afterwards.
 */
#include "../../tests/unit/tap.h"
#include "../config.c"

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct config c;
	struct output_conf *o;
	char err[300];
	static const char good[] =
	    "# station\n"
	    "playlist = music/list.m3u\n"
	    "shuffle = yes\n"
	    "loop = no\n"
	    "crossfade = 2.5\n"
	    "trim-silence = on\n"
	    "silence-level = -45\n"
	    "name = \"  My Radio  \"\n"
	    "genre = Jazz\n"
	    "public = 1\n"
	    "control = /tmp/x.sock\n"
	    "\n"
	    "[output main]\n"
	    "url = http://source:pw@host:8000/live.mp3\n"
	    "bitrate = 192\n"
	    "; comment\n"
	    "[output  aac]\n"
	    "url = http://source:pw@host:8000/live.aac\n"
	    "bitrate = 64\n"
	    "method = source\n"
	    "file = dump.aac\n"
	    "name = AAC feed\n"
	    "[output vbr]\n"
	    "file = /abs/out.mp3\n"
	    "mode = vbr\n"
	    "quality = 2\n";

	config_init(&c);
	ok(config_parse(&c, good, sizeof good - 1, "/etc/fs", err, sizeof err) == 0,
	    "a full config parses");
	is_str(c.playlist, "/etc/fs/music/list.m3u", "playlist relative to the config");
	ok(c.shuffle == 1 && c.loop == 0, "shuffle and loop");
	ok(c.crossfade == 2.5 && c.trim == 1 && c.trim_db == -45, "crossfade and trimming");
	is_str(c.ice_name, "  My Radio  ", "quotes keep spaces");
	ok(c.ice_public == 1, "public");
	is_int(c.noutputs, 3, "three outputs");
	ok(config_check(&c, err, sizeof err) == 0, "config checks out");
	o = TAILQ_FIRST(&c.outputs);
	is_str(o->name, "main", "first output's name");
	ok(o->format == ENCODE_MP3 && o->bitrate == 192 && o->method == UPLINK_PUT,
	    "MP3 at 192 by PUT");
	o = TAILQ_NEXT(o, entry);
	is_str(o->name, "aac", "section name trimmed");
	ok(o->format == ENCODE_AAC, "format from the .aac mount");
	ok(o->method == UPLINK_SOURCE, "SOURCE method");
	is_str(o->file, "/etc/fs/dump.aac", "file relative to the config");
	is_str(o->ice_name, "AAC feed", "per-output name");
	o = TAILQ_NEXT(o, entry);
	ok(o->url == NULL && o->vbr == 1 && o->quality == 2 && o->format == ENCODE_MP3,
	    "file-only VBR output");
	config_free(&c);

	config_init(&c);
	{
		static const char t[] = "playlist = a\n[output dnas]\nurl = shoutcast://:pw@h:8001\n"
		    "title-port = 8080\n[output old]\nurl = http://:pw@h2:9001/m\n"
		    "method = shoutcast\n[output bad]\nurl = https://:pw@h3:9001/m\n"
		    "method = icy\n";
		ok(config_parse(&c, t, sizeof t - 1, NULL, err, sizeof err) == 0, "Shoutcast outputs");
		o = TAILQ_FIRST(&c.outputs);
		ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "no TLS") != NULL,
		    "https:// with method shoutcast refused (v1 has no TLS)");
		ok(o->method == UPLINK_SHOUTCAST && o->title_port == 8080 && o->format == ENCODE_MP3,
		    "shoutcast:// implies the method; title-port kept; MP3");
		o = TAILQ_NEXT(o, entry);
		ok(o->method == UPLINK_SHOUTCAST, "method = shoutcast");
	}
	config_free(&c);

	config_init(&c);
	ok(config_parse(&c, "playlist = a\nbogus = 1\n", 22, NULL, err, sizeof err) != 0,
	    "unknown key refused");
	is_str(err, "line 2: unknown setting \"bogus\"", "error names the line and key");
	config_free(&c);
	config_init(&c);
	ok(config_parse(&c, "[output x]\nbitrate = 999\n", 25, NULL, err, sizeof err) != 0 &&
	    strncmp(err, "line 2: bitrate", 15) == 0, "bad bitrate refused with its line");
	config_free(&c);
	config_init(&c);
	ok(config_parse(&c, "[stream]\n", 9, NULL, err, sizeof err) != 0 &&
	    strstr(err, "unknown section"), "unknown section refused");
	config_free(&c);
	config_init(&c);
	ok(config_parse(&c, "crossfade = 31\n", 15, NULL, err, sizeof err) != 0,
	    "crossfade over the maximum refused");
	ok(config_parse(&c, "[output x]\nurl = ftp://h/m\n", 27, NULL, err, sizeof err) != 0 &&
	    strstr(err, "http://"), "bad URL refused");
	ok(config_parse(&c, "just words\n", 11, NULL, err, sizeof err) != 0 &&
	    strstr(err, "key = value"), "a line without = refused");
	config_free(&c);

	config_init(&c);
	ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "--playlist"),
	    "no playlist: says how to give one");
	config_set(&c, "playlist", "x.m3u", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "--url"),
	    "no output: says how to give one");
	o = config_add_output(&c, NULL, 0);
	ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "neither"),
	    "an output needs a url or a file");
	config_output_set(o, "url", "http://source:p@h/live", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) == 0, "url alone is enough");
	ok(o->format == ENCODE_MP3 && o->bitrate == 128, "defaults: MP3 at 128");
	is_str(o->name, "/live", "name defaults to the mount");
	o = config_add_output(&c, NULL, 0);
	config_output_set(o, "url", "http://source:p@h/x.aac", NULL, err, sizeof err);
	config_output_set(o, "mode", "vbr", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "MP3 only"), "VBR AAC refused");
	o->vbr = 0;
	ok(config_check(&c, err, sizeof err) == 0 && o->bitrate == 96, "AAC defaults to 96");
	config_free(&c);
		/* A programme: [playlist], [rotation], [schedule] sections. */
	{
		static const char prog[] =
		    "crossfade = 2\n"
		    "[playlist music]\n"
		    "source = music/\n"
		    "[playlist jingles]\n"
		    "source = jingles.m3u\n"
		    "every = 2\n"
		    "[output main]\n"
		    "url = http://source:pw@host:8000/live.mp3\n"
		    "[rotation day]\n"
		    "playlists = music, jingles\n"
		    "[schedule]\n"
		    "mon-fri 06:00-10:00 = music\n"
		    "default = day\n";

		config_free(&c);
		config_init(&c);
		ok(config_parse(&c, prog, sizeof prog - 1, "/etc/fs", err, sizeof err) == 0 &&
		    c.sched != NULL, "programme sections parse, outputs between them too %s", err);
		is_int(c.noutputs, 1, "... the output is there");
		is_str(c.sched->pl[0].source, "/etc/fs/music/", "... sources from the config's folder");
		ok(config_check(&c, err, sizeof err) == 0, "... and check out: no playlist = needed");
		config_free(&c);
		config_init(&c);
		static const char unknown[] = "[playlist a]\nsource = a\n[schedule]\n"
		    "mon 06:00-10:00 = b\ndefault = a\n";
		static const char both[] = "playlist = x.m3u\n[playlist a]\nsource = a\n"
		    "[output o]\nurl = http://source:pw@host:8000/live.mp3\n";

		ok(config_parse(&c, unknown, sizeof unknown - 1, NULL, err, sizeof err) != 0 &&
		    strcmp(err, "line 4: schedule: no [rotation b] or [playlist b]") == 0,
		    "an unknown name in the schedule: its line (%s)", err);
		config_free(&c);
		config_init(&c);
		ok(config_parse(&c, both, sizeof both - 1, NULL, err, sizeof err) == 0 &&
		    config_check(&c, err, sizeof err) != 0 && strstr(err, "one or the other") != NULL,
		    "playlist = and [playlist] sections: refused (%s)", err);
		config_free(&c);
		config_init(&c);
		ok(config_parse(&c, "[outpt o]\n", 10, NULL, err, sizeof err) != 0 &&
		    strstr(err, "[schedule]") != NULL, "an unknown section lists the known ones");
		config_free(&c);
	}

	/* Ogg outputs: format from the mount, bitrate and rate by format. */
	config_init(&c);
	config_set(&c, "playlist", "x.m3u", NULL, err, sizeof err);
	o = config_add_output(&c, "v", 1);
	config_output_set(o, "url", "http://source:p@h/live.ogg", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) == 0 && o->format == ENCODE_VORBIS &&
	    o->bitrate == 128 && o->rate == 44100, ".ogg: Vorbis, 128 kbps, the station's rate");
	o = config_add_output(&c, "o", 2);
	config_output_set(o, "url", "http://source:p@h/live.opus", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) == 0 && o->format == ENCODE_OPUS &&
	    o->bitrate == 96 && o->rate == 48000, ".opus: Opus, 96 kbps, 48000 Hz");
	ok(config_output_set(o, "samplerate", "44100", NULL, err, sizeof err) == 0 &&
	    config_check(&c, err, sizeof err) != 0 && strstr(err, "samplerate = 48000"),
	    "Opus at 44100 refused, saying what to set (%s)", err);
	config_output_set(o, "samplerate", "24000", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) == 0 && o->rate == 24000, "Opus at 24000 taken");
	o = config_add_output(&c, "f", 3);
	config_output_set(o, "file", "/srv/a.flac", NULL, err, sizeof err);
	config_output_set(o, "samplerate", "48000", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) == 0 && o->format == ENCODE_FLAC &&
	    o->bitrate == 0 && o->rate == 48000, "a .flac file: FLAC, no bitrate, its own rate");
	config_output_set(o, "bitrate", "128", NULL, err, sizeof err);
	ok(config_check(&c, err, sizeof err) != 0 && strstr(err, "lossless"),
	    "a bitrate for FLAC refused (%s)", err);
	ok(config_output_set(o, "format", "ogg", NULL, err, sizeof err) != 0 &&
	    strstr(err, "vorbis, opus or flac"), "format = ogg: says which codecs Ogg carries");
	config_free(&c);

	/* A live DJ: a password required, named where live-listen was set. */
	{
		static const char live[] = "playlist = x.m3u\nlive-listen = 127.0.0.1:8010\n"
		    "on-live-connect = /bin/true\n[output a]\nfile = a.mp3\n";

		config_init(&c);
		c.parsing_file = "st.conf";
		ok(config_parse(&c, live, sizeof live - 1, NULL, err, sizeof err) == 0 &&
		    c.hooks[4] != NULL && strcmp(c.hooks[4], "/bin/true") == 0,
		    "live-listen and on-live-connect parsed");
		ok(config_check(&c, err, sizeof err) != 0 &&
		    strstr(err, "st.conf line 2: live-listen needs a live-password"),
		    "no live-password: refused, naming the line (%s)", err);
		config_set(&c, "live-password", "pw", NULL, err, sizeof err);
		ok(config_check(&c, err, sizeof err) == 0 && c.live_crossfade == 2.0 &&
		    c.live_silence == 15 && strcmp(c.live_user, "source") == 0,
		    "defaults: 2 s crossfade (none between tracks), 15 s silence, user source");
		ok(config_set(&c, "live-mount", "live", NULL, err, sizeof err) != 0,
		    "a live-mount without a / refused");
		config_free(&c);
	}
	return tap_done();
}

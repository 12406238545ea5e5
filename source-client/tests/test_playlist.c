/*
 * test_playlist.c: M3U/M3U8 (#EXTINF), PLS, plain lists, folder scans,
 * order, shuffle, and reloading while keeping the place.
 */
#include "../../tests/unit/tap.h"
#include "../playlist.c"

#include <stdlib.h>

/* Write a file, creating it. */
static void
put(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");
	fputs(text, fp);
	fclose(fp);
}

/* Run the checks; the exit status says whether all passed. */
int
main(void)
{
	struct playlist pl, fresh;
	const struct playlist_entry *e;
	size_t skipped = 0, i;
	char dir[] = "/tmp/fsrc-test-XXXXXX", path[512], *err;
	static const char m3u[] =
	    "\xEF\xBB\xBF#EXTM3U\r\n"
	    "#EXTINF:123,Artist - Title\r\n"
	    "one.mp3\r\n"
	    "\r\n"
	    "# a comment\n"
	    "/abs/two.flac\n"
	    "#EXTINF:-1 tvg-name=\"a,b\",Quoted, comma\n"
	    "file:///music/three%20four.ogg\n"
	    "http://example.com/stream.mp3\n"
	    "rtsp://example.com/cam\n"
	    "five.wav";
	static const char pls[] =
	    "[playlist]\n"
	    "NumberOfEntries=3\n"
	    "File2=b.mp3\n"
	    "Title2=Bee\n"
	    "File1=/x/a.mp3\n"
	    "Length1=10\n"
	    "File10=c.mp3\n"
	    "Version=2\n";

	playlist_init(&pl, 0, 1, 1);
	is_int(playlist_parse(&pl, m3u, sizeof m3u - 1, "/base", &skipped), 5,
	    "M3U: four local entries and a remote stream");
	is_int(skipped, 1, "M3U: the rtsp URL is skipped and counted");
	is_str(pl.v[3].path, "http://example.com/stream.mp3", "M3U: an http URL kept as it is");
	is_str(pl.v[0].path, "/base/one.mp3", "M3U: relative path joined to the base");
	is_str(pl.v[0].title, "Artist - Title", "M3U: #EXTINF title");
	is_str(pl.v[1].path, "/abs/two.flac", "M3U: absolute path kept");
	ok(pl.v[1].title == NULL, "M3U: no #EXTINF, no title");
	is_str(pl.v[2].path, "/music/three four.ogg", "M3U: file:// URL decoded");
	is_str(pl.v[2].title, "Quoted, comma", "M3U: title after attributes with a comma");
	is_str(pl.v[4].path, "/base/five.wav", "M3U: last line without newline");
	playlist_free(&pl);

	playlist_init(&pl, 0, 1, 1);
	is_int(playlist_parse(&pl, pls, sizeof pls - 1, "/p", NULL), 3, "PLS: three entries");
	is_str(pl.v[0].path, "/x/a.mp3", "PLS: File1 first");
	is_str(pl.v[1].path, "/p/b.mp3", "PLS: File2 second, relative");
	is_str(pl.v[1].title, "Bee", "PLS: Title2");
	is_str(pl.v[2].path, "/p/c.mp3", "PLS: File10 last (numeric order)");
	playlist_free(&pl);

	playlist_init(&pl, 0, 1, 1);
	is_int(playlist_parse(&pl, "a\nb\r\nc\r", 7, NULL, NULL), 3, "plain list, mixed line ends");
	is_str(pl.v[2].path, "c", "plain list: no base keeps paths as given");
	playlist_free(&pl);

	/* Order: in order, looping, with peek. */
	playlist_init(&pl, 0, 1, 1);
	playlist_parse(&pl, "a\nb\nc\n", 6, NULL, NULL);
	playlist_reorder(&pl);
	is_str(playlist_peek(&pl)->path, "a", "peek shows the first");
	is_str(playlist_next(&pl)->path, "a", "in order: a");
	is_str(playlist_next(&pl)->path, "b", "in order: b");
	is_str(playlist_next(&pl)->path, "c", "in order: c");
	is_str(playlist_peek(&pl)->path, "a", "looping: peek wraps to a");
	is_str(playlist_next(&pl)->path, "a", "looping: a again");
	playlist_free(&pl);

	playlist_init(&pl, 0, 0, 1);
	playlist_parse(&pl, "a\nb\n", 4, NULL, NULL);
	playlist_reorder(&pl);
	playlist_next(&pl);
	playlist_next(&pl);
	ok(playlist_next(&pl) == NULL && playlist_peek(&pl) == NULL, "once: NULL at the end");
	playlist_free(&pl);

	/* Shuffle: a permutation each pass, no immediate repeat at a wrap. */
	playlist_init(&pl, 1, 1, 12345);
	for (i = 0; i < 20; i++) {
		char p[8];
		snprintf(p, sizeof p, "t%02zu", i);
		playlist_add(&pl, p, NULL, NULL);
	}
	playlist_reorder(&pl);
	{
		int seen[20] = { 0 }, all = 1, inorder = 1, repeat = 0;
		const char *last = NULL;
		size_t pass;
		for (pass = 0; pass < 5; pass++) {
			memset(seen, 0, sizeof seen);
			for (i = 0; i < 20; i++) {
				e = playlist_next(&pl);
				seen[strtol(e->path + 1, NULL, 10)]++;
				if (pass == 0 && strtol(e->path + 1, NULL, 10) != (long)i)
					inorder = 0;
				if (i == 0 && last != NULL && strcmp(last, e->path) == 0)
					repeat = 1;
				last = e->path;
			}
			for (i = 0; i < 20; i++)
				all &= seen[i] == 1;
		}
		ok(all, "shuffle: every pass plays each entry once");
		ok(!inorder, "shuffle: the order is not the listed one");
		ok(!repeat, "shuffle: a new pass never starts with the track just played");
	}
	playlist_free(&pl);

	/* Reload keeps the place after the current track. */
	playlist_init(&pl, 0, 1, 1);
	playlist_parse(&pl, "a\nb\nc\nd\n", 8, NULL, NULL);
	playlist_reorder(&pl);
	playlist_next(&pl);
	playlist_next(&pl);	/* b is playing */
	playlist_init(&fresh, 0, 1, 1);
	playlist_parse(&fresh, "new\na\nb\nx\nc\n", 12, NULL, NULL);
	playlist_replace(&pl, &fresh, "b");
	is_str(playlist_next(&pl)->path, "x", "reload: continues after the current track");
	ok(fresh.v == NULL && fresh.n == 0, "reload: the fresh list was taken over");
	playlist_init(&fresh, 0, 1, 1);
	playlist_parse(&fresh, "p\nq\nr\ns\nt\n", 10, NULL, NULL);
	playlist_replace(&pl, &fresh, "gone");
	is_str(playlist_next(&pl)->path, "p",
	    "a new list (neither the current track nor the next in it): from its start");
	playlist_next(&pl);	/* q is playing; r is due */
	playlist_init(&fresh, 0, 1, 1);
	playlist_parse(&fresh, "p\nq\nr\ns\nt\n", 10, NULL, NULL);
	playlist_replace(&pl, &fresh, "/queued/file.mp3");
	is_str(playlist_next(&pl)->path, "r",
	    "the same list while a queued file plays: goes on with the entry due next");
	playlist_free(&pl);
	/* At entry 7 of 10, a new list of 10 starts at its first entry. */
	playlist_init(&pl, 0, 1, 1);
	playlist_parse(&pl, "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n", 21, NULL, NULL);
	playlist_reorder(&pl);
	for (i = 0; i < 7; i++)
		playlist_next(&pl);
	playlist_init(&fresh, 0, 1, 1);
	playlist_parse(&fresh, "n1\nn2\nn3\nn4\nn5\nn6\nn7\nn8\nn9\nn10\n", 31, NULL, NULL);
	playlist_replace(&pl, &fresh, "7");
	is_str(playlist_next(&pl)->path, "n1", "a replaced list at entry 7 of 10: from n1, none skipped");
	playlist_free(&pl);

	/* #EXTFLOE: the next entry's crossfade and cues. */
	playlist_init(&pl, 0, 1, 1);
	playlist_parse(&pl, "#EXTFLOE:crossfade=0, cue-in=1.5 cue-out=30\nj.mp3\nk.mp3\n"
	    "#EXTFLOE:bogus=1,crossfade=x\nl.mp3\n", 91, NULL, NULL);
	ok(pl.n == 3 && pl.v[0].crossfade == 0 && pl.v[0].cue_in == 1.5 && pl.v[0].cue_out == 30,
	    "#EXTFLOE sets the next entry's crossfade, cue-in, cue-out");
	ok(pl.v[1].crossfade < 0 && pl.v[1].cue_in == 0 && pl.v[1].cue_out == 0,
	    "... that entry's only");
	ok(pl.v[2].crossfade < 0, "unknown keys and bad values are ignored");
	playlist_free(&pl);

	/* Folder scan: recursive, sorted, audio only, hidden skipped. */
	ok(mkdtemp(dir) != NULL, "temporary folder");
	snprintf(path, sizeof path, "%s/b", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof path, "%s/b/2.flac", dir);
	put(path, "x");
	snprintf(path, sizeof path, "%s/b/1.MP3", dir);
	put(path, "x");
	snprintf(path, sizeof path, "%s/a.ogg", dir);
	put(path, "x");
	snprintf(path, sizeof path, "%s/c.txt", dir);
	put(path, "x");
	snprintf(path, sizeof path, "%s/.hidden.mp3", dir);
	put(path, "x");
	playlist_init(&pl, 0, 1, 1);
	ok(playlist_load(&pl, dir, &err) == 0, "folder loads");
	is_int(pl.n, 3, "folder: three audio files");
	snprintf(path, sizeof path, "%s/a.ogg", dir);
	is_str(pl.v[0].path, path, "folder: a.ogg first");
	snprintf(path, sizeof path, "%s/b/1.MP3", dir);
	is_str(pl.v[1].path, path, "folder: then b/1.MP3 (recursive, sorted)");
	playlist_free(&pl);

	snprintf(path, sizeof path, "%s/list.m3u", dir);
	put(path, "#EXTM3U\nb/2.flac\n");
	playlist_init(&pl, 0, 1, 1);
	ok(playlist_load(&pl, path, &err) == 0, "playlist file loads");
	snprintf(path, sizeof path, "%s/b/2.flac", dir);
	is_str(pl.v[0].path, path, "playlist file: paths from its own folder");
	playlist_free(&pl);

	snprintf(path, sizeof path, "%s/b/2.flac", dir);
	playlist_init(&pl, 0, 1, 1);
	ok(playlist_load(&pl, path, &err) == 0 && pl.n == 1 && strcmp(pl.v[0].path, path) == 0,
	    "an audio file as the playlist: a list of itself (not its bytes as lines)");
	playlist_free(&pl);

	snprintf(path, sizeof path, "%s/empty.m3u", dir);
	put(path, "#EXTM3U\n# nothing\n");
	playlist_init(&pl, 0, 1, 1);
	ok(playlist_load(&pl, path, &err) != 0 && strstr(err, "no files") != NULL,
	    "an empty playlist is an error");
	free(err);
	ok(playlist_load(&pl, "/nonexistent/list.m3u", &err) != 0 && strstr(err, "cannot open"),
	    "a missing playlist is an error");
	free(err);
	playlist_free(&pl);

	ok(playlist_is_audio_name("x.opus") && !playlist_is_audio_name("x.jpg"),
	    "audio names by extension");
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		ok(system(cmd) == 0, "clean up");
	}
	return tap_done();
}

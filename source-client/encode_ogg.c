/*
 * encode_ogg.c: helpers shared by the Ogg encoders: page output, chain
 * serial numbers, title comments. See encode_ogg.h.
 */
#include "encode_ogg.h"
#include "../server/util.h"

#include <string.h>
#include <unistd.h>

/* A new serial number for each chain. Icecast and players tell chains apart
 * by the BOS page, but a chain that reused its predecessor's serial would
 * confuse demuxers that key on it (RFC 3533: serials of a physical stream
 * are unique), so each differs from the last. SplitMix64 on a state of our
 * own, seeded from the clock and the pid: random() is uplink.c's (its
 * reconnection jitter), and reseeding it here would couple the two. */
uint32_t
encode_ogg_serial(void)
{
	static uint64_t state;
	static uint32_t last;
	uint64_t z;
	uint32_t s;

	if (state == 0)
		state = time_mono_ns() ^ (uint64_t)getpid() << 32;
	do {
		z = (state += 0x9E3779B97F4A7C15ull);
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		s = (uint32_t)(z ^ (z >> 31));
	} while (s == last);
	last = s;
	return s;
}

/* Move pages from the stream state into out. */
void
encode_ogg_pages(ogg_stream_state *os, int flush, struct sbuf *out)
{
	ogg_page og;

	while ((flush ? ogg_stream_flush(os, &og) : ogg_stream_pageout(os, &og)) != 0) {
		sbuf_add(out, og.header, (size_t)og.header_len);
		sbuf_add(out, og.body, (size_t)og.body_len);
	}
}

/* "Artist - Title" into its two parts. */
void
encode_ogg_split_title(const char *display, char **artist, char **title)
{
	const char *sep = display != NULL ? strstr(display, " - ") : NULL;

	*artist = *title = NULL;
	if (display == NULL || *display == '\0')
		return;
	if (sep != NULL && sep != display && sep[3] != '\0') {
		*artist = xstrndup(display, (size_t)(sep - display));
		*title = xstrdup(sep + 3);
	} else
		*title = xstrdup(display);
}

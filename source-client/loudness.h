/*
 * loudness.h: per-track loudness normalization. Each track is brought to
 * a target integrated loudness (EBU R128, LUFS): by its ReplayGain tag if
 * it has one, else by measuring it (libebur128) before it plays.
 */
#ifndef FSRC_LOUDNESS_H
#define FSRC_LOUDNESS_H

#include <stddef.h>

/**
 * The gain (dB) that brings path to target_lufs, with how it was found in
 * how ("ReplayGain -6.5 dB", "-13.2 LUFS measured"). The measurement reads
 * at most the file's first LOUDNESS_SCAN_SECONDS; a boost is capped so that
 * the loudest sample seen stays under full scale, and at +12 dB. 0 (and
 * how says why) if nothing could be measured.
 */
double loudness_gain_db(const char *path, double target_lufs, char *how, size_t howlen);

#endif

/*
 * rewind.h: rewind buffers kept across a restart. With
 * <paths><rewind-dir>, a clean shutdown writes each MP3/AAC mount's rewind
 * buffer (its blocks, their times, titles and audio clock) to
 * DIR/<mount>.rewind, and the next start reads it back, so the morning's
 * show survives an upgrade. Main thread only.
 */
#ifndef FLOE_REWIND_H
#define FLOE_REWIND_H

/** Write every rewind buffer (shutdown, after the sources have gone). */
void rewind_save_all(void);
/** Read back what the last shutdown wrote (start, before listening). */
void rewind_load_all(void);

#endif

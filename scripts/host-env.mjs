// The environment the hosts (Electron, the browser host) start with, set by scripts/start.mjs and used by the
// session's RSS test (src-main/session/session.rss.test.ts).
//
// glibc's malloc raises its mmap threshold each time a large block is freed (up to 32 MiB), so the engines'
// arrays of one run land in malloc's arenas and stay there when the run's worker thread ends: the host's RSS
// climbs run after run. A fixed threshold keeps every block of 128 KiB or more in its own mapping, returned to
// the system when freed. Other C libraries ignore the variable.
export const HOST_ENV = { MALLOC_MMAP_THRESHOLD_: '131072' };

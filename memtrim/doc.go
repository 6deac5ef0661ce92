// Package memtrim gives memory back to the operating system after a peak of
// calls, and applies a soft memory limit.
//
// Go's runtime returns freed heap pages to the OS slowly (its background
// scavenger works at about 1 % of a CPU), so after a burst of calls the
// server stays resident at close to its peak for many minutes although the
// live heap is a fraction of it: a 3,000-call burst left ~220 MB resident
// with ~35 MB live. A Trimmer watches the number of calls in progress; once
// it has fallen well below its recent peak and stayed there, it forces a
// collection and returns every free page at once (debug.FreeOSMemory), and
// twice more a minute apart while the load stays low (what follows the calls,
// post-call analysis catching up, frees memory too): at most once a minute.
// It never runs while the load is steady or rising, where a forced
// collection would only cost CPU.
//
// It owns no call state and decides nothing about calls; it reads a count.
package memtrim

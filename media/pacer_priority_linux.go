package media

import "syscall"

// pacerNice is the nice value of the pacer's threads: above every other
// thread of the process (0), so that on a busy machine the kernel runs a
// pacer thread as soon as its tick fires instead of at the end of another
// thread's time slice. Asterisk and FreeSWITCH raise their timing threads
// the same way. Lowering a nice value needs CAP_SYS_NICE (or root); without
// it the pacer runs at normal priority and PacerPriority says so.
const pacerNice = -10

// raiseThreadPriority renices the calling OS thread (the goroutine must be
// locked to it). On Linux, PRIO_PROCESS with a thread id sets that thread's
// nice value only.
func raiseThreadPriority() error {
	return syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), pacerNice)
}

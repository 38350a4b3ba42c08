"""Technical drills: challenges, flags, hints, submissions, CTFd's dynamic values and CTFd import."""

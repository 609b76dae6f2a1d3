import Testing

/// Suites that load the machine (hundreds of sockets, child processes, clusters stopped and
/// started) run one at a time, so one's load never skews another's timing.
@Suite("one at a time", .serialized)
enum OneAtATime {}

// The end-to-end suites run the built powerwalkd and pwctl binaries as child processes (see Support/).
// They share one parent suite that is serialized: each test starts its own daemons on free loopback
// ports, and running them one at a time keeps two cores from being oversubscribed by several clusters
// indexing at once (which would only make deadlines tighter, not the tests better).
import Testing

/// Parent of every end-to-end suite; `.serialized` applies to the nested suites too.
@Suite(.serialized)
enum EndToEnd {}

//go:build race

package interp

// yaegiRaces are the tests skipped in race builds (newSession skips them),
// each with the race inside yaegi v0.16.1 it meets; see "Races" in doc.go.
// They are exactly the tests whose cells leave interpreted goroutines
// running while a later chunk of the session executes (or abandon a chunk
// that goes on running): every such test meets the frame race, sooner or
// later. TestYaegiRaceList checks that each name still names a test.
var yaegiRaces = map[string]string{
	"TestCorpus/goroutines_and_channel":        raceSelect + "; " + raceFrame,
	"TestCorpus/waitgroup_and_mutex":           raceFrame,
	"TestCorpus/comma-ok_receive_at_top_level": raceFrame,
	"TestFuncRedefinitionReachesCallers":       raceFrame,
	"TestGoroutinePanicRecovered":              raceFrame,
	"TestGoroutinePanicReported":               raceFrame,
	"TestReleaseKeepsLiveValues":               raceFrame,
	"TestUnboundedRecursion":                   raceFrame,
	"TestHardStopEscalation":                   raceFrame + " (the abandoned chunk writes its slots of it)",
}

const (
	raceFrame  = "yaegi v0.16.1 races: Execute grows the global frame (Interpreter.resizeFrame, interp.go:485-490) while goroutines of earlier chunks read it without its lock (value.go:139)"
	raceSelect = "yaegi v0.16.1 races: goroutines running one select statement share its []reflect.SelectCase (_select, run.go:3799-3815)"
)

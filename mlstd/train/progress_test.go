package train

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gokernel/gokernel/mlstd/host"
)

// message is one event a front end received: typ is "Display", "Update"
// or "Status"; html and plain are the bundle's text/html and text/plain,
// or plain is a Status line.
type message struct {
	typ         string
	id          string
	html, plain string
	final       bool // a final Status
}

// sink installs a front end (rich, or with a status line that is live or
// not) recording every event until the test ends.
func sink(t *testing.T, rich bool) *[]message { return front(t, host.Front{Rich: rich}) }

func front(t *testing.T, f host.Front) *[]message {
	t.Helper()
	var got []message
	f.Show = func(e host.Event) {
		var m message
		var data map[string]any
		switch e := e.(type) {
		case host.Display:
			m, data = message{typ: "Display", id: e.ID}, e.Data
		case host.Update:
			m, data = message{typ: "Update", id: e.ID}, e.Data
		case host.Status:
			m = message{typ: "Status", plain: e.Line, final: e.Final}
		default:
			t.Errorf("unexpected event %#v", e)
		}
		if data != nil {
			m.html, _ = data["text/html"].(string)
			m.plain, _ = data["text/plain"].(string)
		}
		got = append(got, m)
	}
	host.SetFront(f)
	t.Cleanup(func() { host.SetFront(host.Front{}) })
	return &got
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *fakeClock               { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func withClock(p *Progress, c *fakeClock) *Progress {
	p.now = c.now
	p.start, p.epochT = c.now(), c.now()
	return p
}

// TestThrottleByTime feeds 5 epochs × 2000 batches, one per simulated
// millisecond (10 s in all): the display must be redrawn about every
// 200 ms — about 50 times, not 10,000 — and the chart about once a second.
func TestThrottleByTime(t *testing.T) {
	got := sink(t, true)
	clock := newClock()
	p := withClock(NewProgress(5, 2000), clock)
	for e := 0; e < 5; e++ {
		for b := 0; b < 2000; b++ {
			clock.add(time.Millisecond)
			p.Batch(2.0 / float64(1+e*2000+b))
		}
		p.EndEpoch(map[string]float64{"loss": 1.0 / float64(e+1), "val_loss": 1.2 / float64(e+1)})
	}
	p.Done()
	n := len(*got)
	t.Logf("10,000 batches over 10 simulated seconds: %d messages, %d chart renders", n, p.charts)
	if p.charts < 9 || p.charts > 13 {
		t.Errorf("%d chart renders in 10 s; want about 10 (one a second + final)", p.charts)
	}
	if n < 45 || n > 56 {
		t.Errorf("%d messages for 10,000 batches over 10 s; want about 50 (one per 200 ms + final)", n)
	}
	for i, m := range *got {
		want := "Update"
		if i == 0 {
			want = "Display"
		}
		if m.typ != want || m.id != p.ID() {
			t.Fatalf("message %d: %s id %q, want %s id %q", i, m.typ, m.id, want, p.ID())
		}
		if m.plain == "" || m.html == "" {
			t.Fatalf("message %d lacks text/plain or text/html", i)
		}
	}
	last := (*got)[n-1].html
	for _, s := range []string{`<progress class="gokernel-bar" value="100" max="100"`, "epoch 5/5", "<img", "<td>5</td>", "<th>val_loss</th>", "0.2400"} {
		if !strings.Contains(last, s) {
			t.Errorf("final display lacks %q", s)
		}
	}
	if plain := (*got)[n-1].plain; strings.Contains(plain, "ETA") || !strings.HasPrefix(plain, "epoch 5/5  1000.0 it/s  0:10  loss") {
		t.Errorf("final text %q: want epoch 5/5, the rate and the elapsed time, no ETA", plain)
	}
	if len(p.curve) > maxPoints {
		t.Errorf("curve holds %d points, cap %d", len(p.curve), maxPoints)
	}
}

// TestFinalStateAlwaysPublished: Done right after a redraw still sends the
// final state, and a second Done sends nothing.
func TestFinalStateAlwaysPublished(t *testing.T) {
	got := sink(t, true)
	clock := newClock()
	p := withClock(NewProgress(1, 3), clock)
	p.Batch(1)
	p.Batch(0.5) // within 200 ms: throttled
	p.Batch(0.25)
	if len(*got) != 1 {
		t.Fatalf("%d messages after 3 quick batches, want 1", len(*got))
	}
	p.Done()
	p.Done()
	clock.add(time.Second)
	p.Batch(9) // after Done: ignored
	p.EndEpoch(map[string]float64{"loss": 9})
	if len(*got) != 2 || !strings.Contains((*got)[1].html, "batch") && !strings.Contains((*got)[1].plain, "loss 0.2500") {
		t.Fatalf("final message missing or wrong: %d messages, last %q", len(*got), (*got)[len(*got)-1].plain)
	}
	if !strings.Contains((*got)[1].plain, "loss 0.2500") {
		t.Errorf("final text %q does not show the last loss", (*got)[1].plain)
	}
}

func TestStopShowsReason(t *testing.T) {
	got := sink(t, true)
	p := NewProgress(3, 10)
	p.Batch(1)
	p.Stop("interrupted")
	last := (*got)[len(*got)-1]
	if !strings.HasPrefix(last.plain, "interrupted: epoch 1/3") || !strings.Contains(last.html, "#d62728") {
		t.Errorf("stopped display %q", last.plain)
	}
}

// TestTextFallback: without a rich frontend, progress goes to the writer
// as lines — one per epoch and one per 10 s — and the front end gets
// nothing; without a writer the same lines go to a front end whose status
// line is not live, as Status events.
func TestTextFallback(t *testing.T) {
	got := sink(t, false)
	var buf bytes.Buffer
	clock := newClock()
	p := withClock(NewProgress(2, 100), clock).SetWriter(&buf)
	for e := 0; e < 2; e++ {
		for b := 0; b < 100; b++ {
			clock.add(250 * time.Millisecond) // 25 s per epoch
			p.Batch(0.5)
		}
		p.EndEpoch(map[string]float64{"loss": 0.5, "acc": 0.75})
	}
	p.Done()
	if len(*got) != 0 {
		t.Errorf("%d events sent to the front end with a writer set", len(*got))
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	epochLines := 0
	for _, l := range lines {
		if strings.Contains(l, "acc 0.7500") {
			epochLines++
		}
	}
	if epochLines != 2 || len(lines) < 6 || len(lines) > 8 {
		t.Errorf("text output (%d lines):\n%s", len(lines), buf.String())
	}
	if !strings.HasPrefix(lines[len(lines)-1], "epoch 2/2  loss 0.5000  acc 0.7500  (0:25)") {
		t.Errorf("last line %q", lines[len(lines)-1])
	}
	// The front end's status lines are used when no writer was given: the
	// same lines, each final (none is redrawn in place).
	clock = newClock()
	d := withClock(NewProgress(2, 100), clock)
	for e := 0; e < 2; e++ {
		for b := 0; b < 100; b++ {
			clock.add(250 * time.Millisecond)
			d.Batch(0.5)
		}
		d.EndEpoch(map[string]float64{"loss": 0.5, "acc": 0.75})
	}
	d.Done()
	var status []string
	for _, m := range *got {
		if m.typ == "Status" {
			status = append(status, m.plain)
		}
	}
	if strings.Join(status, "\n") != strings.Join(lines, "\n") {
		t.Errorf("Status lines\n%s\nwant the writer's\n%s", strings.Join(status, "\n"), strings.Join(lines, "\n"))
	}
	// No writer and no front end: nothing happens, nothing panics.
	host.SetFront(host.Front{})
	q := NewProgress(1, 1)
	q.Batch(1)
	q.Done()
}

// TestLiveText: on a live status line (a terminal) the bar is redrawn
// every 200 ms, an epoch row replaces it and stays (a final Status), Done
// takes the last bar off (an empty Status) and Stop leaves the stopped
// bar as a final line.
func TestLiveText(t *testing.T) {
	got := front(t, host.Front{LiveStatus: true})
	clock := newClock()
	p := withClock(NewProgress(2, 100), clock)
	for b := 0; b < 100; b++ {
		clock.add(50 * time.Millisecond) // 5 s per epoch: 25 redraws
		p.Batch(0.5)
	}
	p.EndEpoch(map[string]float64{"loss": 0.5})
	for b := 0; b < 10; b++ {
		clock.add(50 * time.Millisecond)
		p.Batch(0.25)
	}
	p.Done()
	var draws []message
	for i, m := range *got {
		if m.typ != "Status" {
			t.Fatalf("event %d: %s, want only Status events", i, m.typ)
		}
		if strings.ContainsAny(m.plain, "\r\n\x1b") {
			t.Fatalf("Status line %q holds control characters", m.plain)
		}
		if m.final {
			break
		}
		draws = append(draws, m)
	}
	if len(draws) < 20 || len(draws) > 26 {
		t.Errorf("%d bar redraws in 5 s at a 200 ms throttle", len(draws))
	}
	for _, d := range draws {
		if !strings.HasPrefix(d.plain, "epoch 1/2  batch ") {
			t.Fatalf("bar draw %q", d.plain)
		}
	}
	rest := (*got)[len(draws):]
	if row := rest[0]; !row.final || !strings.HasPrefix(row.plain, "epoch 1/2  loss 0.5000  (0:05)") {
		t.Errorf("epoch row %+v", row)
	}
	rest = rest[1:]
	if len(rest) < 2 || !strings.HasPrefix(rest[0].plain, "epoch 2/2  batch ") || rest[0].final {
		t.Fatalf("second epoch's bar, then taken off by Done: %+v", rest)
	}
	if last := rest[len(rest)-1]; last != (message{typ: "Status"}) {
		t.Errorf("Done after epoch rows sent %+v, want an empty Status", last)
	}

	*got = nil
	q := withClock(NewProgress(1, 0), clock)
	q.Batch(1)
	q.Stop("interrupted")
	if n := len(*got); n == 0 || !(*got)[n-1].final || !strings.HasPrefix((*got)[n-1].plain, "interrupted: epoch 1/1  ") {
		t.Errorf("stopped bar %+v", *got)
	}
}

func TestFormatDuration(t *testing.T) {
	for s, want := range map[float64]string{0: "0:00", 59.6: "1:00", 3725: "1:02:05", -1: "?"} {
		if got := formatDuration(s); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", s, got, want)
		}
	}
}

package display

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/tensor"
	"gonum.org/v1/plot"
)

// capture installs a rich front end recording every event until the
// test ends.
func capture(t *testing.T) *[]host.Event {
	t.Helper()
	var got []host.Event
	host.SetFront(host.Front{Show: func(e host.Event) { got = append(got, e) }, Rich: true})
	t.Cleanup(func() { host.SetFront(host.Front{}) })
	return &got
}

func data(t *testing.T, e host.Event) map[string]any {
	t.Helper()
	var d map[string]any
	switch e := e.(type) {
	case host.Display:
		d = e.Data
	case host.Update:
		d = e.Data
	}
	if d == nil {
		t.Fatalf("event %#v has no data", e)
	}
	if _, ok := d["text/plain"].(string); !ok {
		t.Errorf("bundle without text/plain: %v", d)
	}
	return d
}

func decodePNG(t *testing.T, s any) image.Image {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s.(string))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestShowKinds(t *testing.T) {
	got := capture(t)
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	pngBytes, _ := encodePNG(img)

	HTML("<b>hi</b>")
	Markdown("# Title")
	LaTeX(`$x^2$`)
	SVG("<svg></svg>")
	PNG(pngBytes)
	Image(img)
	if err := JSON(map[string]int{"a": 1}); err != nil {
		t.Fatal(err)
	}
	Show(NewTable([]string{"x"}, [][]string{{"<1>"}}))
	want := []struct{ mime, contains, text string }{
		{"text/html", "<b>hi</b>", "<b>hi</b>"},
		{"text/markdown", "# Title", "# Title"},
		{"text/latex", "$x^2$", "$x^2$"},
		{"image/svg+xml", "<svg>", "SVG(11 bytes)"},
		{"image/png", "", "PNG("},
		{"image/png", "", "Image(3×2)"},
		{"application/json", "", "\"a\": 1"},
		{"text/html", "<td>&lt;1&gt;</td>", "x\n---\n<1>"},
	}
	if len(*got) != len(want) {
		t.Fatalf("got %d messages, want %d", len(*got), len(want))
	}
	for i, w := range want {
		m, ok := (*got)[i].(host.Display)
		if !ok || m.ID != "" {
			t.Errorf("%d: %#v, want a Display without an id", i, (*got)[i])
		}
		d := data(t, m)
		v, ok := d[w.mime]
		if !ok {
			t.Errorf("%d: no %s in %v", i, w.mime, d)
			continue
		}
		if s, isStr := v.(string); isStr && !strings.Contains(s, w.contains) {
			t.Errorf("%d: %s = %q, want it to contain %q", i, w.mime, s, w.contains)
		}
		if !strings.Contains(d["text/plain"].(string), w.text) {
			t.Errorf("%d: text/plain = %q, want %q", i, d["text/plain"], w.text)
		}
	}
	if px := decodePNG(t, data(t, (*got)[5])["image/png"]); px.At(1, 1) != (color.NRGBA{255, 0, 0, 255}) && px.At(1, 1) != (color.RGBA{255, 0, 0, 255}) {
		t.Errorf("decoded pixel = %v", px.At(1, 1))
	}
	if j := data(t, (*got)[6])["application/json"].(map[string]any); j["a"] != 1.0 {
		t.Errorf("json tree = %v", j)
	}
}

func TestJSONError(t *testing.T) {
	if err := JSON(make(chan int)); err == nil || !strings.HasPrefix(err.Error(), "display: ") {
		t.Errorf("err = %v", err)
	}
}

func TestNoSinkIsSilent(t *testing.T) {
	host.SetFront(host.Front{})
	HTML("x") // must not panic or print
	h := New("x")
	got := capture(t)
	h.Update("y")
	if _, ok := (*got)[0].(host.Display); len(*got) != 1 || !ok {
		t.Errorf("first update after the front end appeared sent %#v, want one Display", *got)
	}
}

func TestHandleUpdatesInPlace(t *testing.T) {
	got := capture(t)
	h := New("one")
	h.Update(NewHTML("<i>two</i>"))
	h2 := NewHandle()
	if h2.ID() == h.ID() || len(h.ID()) != 32 {
		t.Errorf("ids %q %q", h.ID(), h2.ID())
	}
	if len(*got) != 2 {
		t.Fatalf("got %d messages", len(*got))
	}
	if d, ok := (*got)[0].(host.Display); !ok || d.ID != h.ID() {
		t.Errorf("first event %#v, want a Display with id %s", (*got)[0], h.ID())
	}
	if u, ok := (*got)[1].(host.Update); !ok || u.ID != h.ID() {
		t.Errorf("second event %#v, want an Update of id %s", (*got)[1], h.ID())
	}
	if d := data(t, (*got)[1]); d["text/html"] != "<i>two</i>" {
		t.Errorf("update bundle %v", d)
	}
}

func TestClearOutput(t *testing.T) {
	got := capture(t)
	ClearOutput(true)
	if len(*got) != 1 || (*got)[0] != (host.Clear{Wait: true}) {
		t.Errorf("got %v", *got)
	}
}

func TestMIMEForeignTypes(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 5, 4))
	b := MIME(img)
	if decodePNG(t, b["image/png"]).Bounds().Dx() != 5 || b["text/plain"] != "Image(5×4)" {
		t.Errorf("image bundle %v", b["text/plain"])
	}
	p := plot.New()
	p.Title.Text = "empty"
	b = MIME(p)
	if got := decodePNG(t, b["image/png"]).Bounds(); got.Dx() != 6*192 || got.Dy() != 4*192 {
		t.Errorf("plot png %v, want 1152×768", got)
	}
	if md := Metadata(p)["image/png"].(map[string]any); md["width"] != 576 {
		t.Errorf("plot metadata %v", md)
	}
	if Metadata("x") != nil {
		t.Error("metadata for a string")
	}
}

type emptyPNG struct{}

func (emptyPNG) PNG() []byte    { return nil }
func (emptyPNG) String() string { return "nothing" }

func TestMIMEEmptyPNG(t *testing.T) {
	b := MIME(emptyPNG{})
	if _, ok := b["image/png"]; ok || b["text/plain"] != "nothing" {
		t.Errorf("bundle %v", b)
	}
}

func TestTables(t *testing.T) {
	tb := TableOfTensor(tensor.New([]float32{1, 2.5, 3, 4}, 2, 2))
	want := "   0  1\n---------\n0  1  2.5\n1  3  4"
	if tb.String() != want {
		t.Errorf("tensor table:\n%s\nwant:\n%s", tb, want)
	}
	if s := TableOfMap(map[string]float64{"b": 2, "a": 0.125}).String(); s != "key  value\n----------\na    0.125\nb    2" {
		t.Errorf("map table:\n%s", s)
	}
	r := TableFromRows([][]string{{"h1", "h2"}, {"a"}, {"b", "c", "d"}})
	if h := r.HTML(); !strings.Contains(h, "<tr><td>a</td><td></td><td></td></tr>") || !strings.Contains(h, "<th>h2</th>") {
		t.Errorf("ragged html %s", h)
	}
	defer func() {
		if _, ok := recover().(*tensor.ShapeError); !ok {
			t.Error("3-D tensor did not panic with a ShapeError")
		}
	}()
	TableOfTensor(tensor.Zeros(1, 1, 1))
}

type full struct{}

func (full) MIMEBundle() map[string]any { return map[string]any{"image/png": "AAAA"} }
func (full) SVG() string                { return "<svg/>" }
func (full) String() string             { return "full" }

// A MIMEBundle method has full control: other render methods are not
// consulted, and text/plain is filled from String.
func TestMIMEBundleIsExclusive(t *testing.T) {
	b := MIME(full{})
	if len(b) != 2 || b["image/png"] != "AAAA" || b["text/plain"] != "full" {
		t.Errorf("bundle %v", b)
	}
}

func TestNilImage(t *testing.T) {
	if s := NewImage(nil).String(); s != "Image(nil)" {
		t.Errorf("nil image text %q", s)
	}
}

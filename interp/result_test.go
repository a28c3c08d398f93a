package interp

import (
	"context"
	"strings"
	"testing"
)

func TestResults(t *testing.T) {
	s := newSession(t)
	for _, c := range []struct {
		code, text, mime string // mime: an extra key the bundle must have
	}{
		{"type V struct{ A int }\nfunc (v V) String() string { return \"V!\" }\nV{1}", "V!", ""},
		{"type Temp float64\nfunc (t Temp) String() string { return fmt.Sprintf(\"%.1f°C\", float64(t)) }\nTemp(21.5)", "21.5°C", ""},
		{"import \"image\"\nimg := image.NewRGBA(image.Rect(0, 0, 4, 3))\nimg", "image 4×3", "image/png"},
		{"p := plot.New()\np.Title.Text = \"loss\"\np", "plot: loss", "image/png"},
		{"x := tensor.Zeros(2)\nx", "tensor([0., 0.])", ""},
		{"display.NewHTML(\"<b>hi</b>\")", "", "text/html"},
		{"[]float64{1, 2.5}", "[1 2.5]", ""},
		{"strings.ToUpper", "func(string) string", ""},
		{"type Ctr struct{ n int }\nfunc (c *Ctr) Inc() { c.n++ }\nctr := &Ctr{}\nctr.Inc()", "<none>", ""}, // void method
		{"ctr.Inc()", "<none>", ""},
		{"ctr.n", "2", ""},
		{"func() { ctr.n = 5 }()", "<none>", ""},
		{"func() { ctr.n++ }()", "<none>", ""},
		{"ctr.n", "6", ""},
		{"fmt.Println(\"not a value\")", "<none>", ""},
		{"x := 3", "<none>", ""},
		{"func two() (int, string) { return 1, \"a\" }\ntwo()", "<none>", ""},
	} {
		r, err := s.Execute(context.Background(), c.code, Output{})
		if err != nil {
			t.Fatalf("%q: %v", c.code, err)
		}
		if c.text == "<none>" {
			if r != nil {
				t.Errorf("%q: statement gave result %v", c.code, r)
			}
			continue
		}
		if r == nil {
			t.Fatalf("%q: no result", c.code)
		}
		if c.text != "" && r["text/plain"] != c.text {
			t.Errorf("%q: text/plain %q, want %q", c.code, r["text/plain"], c.text)
		}
		if c.mime != "" {
			if v, ok := r[c.mime].(string); !ok || v == "" || (c.mime == "text/html" && !strings.Contains(v, "<b>hi</b>")) {
				t.Errorf("%q: bundle %v lacks %s", c.code, keys(r), c.mime)
			}
		}
	}
}

func keys(m map[string]any) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	return k
}

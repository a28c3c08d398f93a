package kernel

import (
	"reflect"
	"testing"
)

func TestHistoryQuery(t *testing.T) {
	var h history
	for i, in := range []string{"x := 1", "6*7", "fmt.Println(x)", "6*7", "6*8"} {
		out := ""
		if in == "6*7" {
			out = "42"
		}
		h.add(i+1, in, out)
	}
	n := func(i int) *int { return &i }
	tests := []struct {
		name string
		req  historyRequest
		want [][]any
	}{
		{"tail", historyRequest{HistAccessType: "tail", N: n(2)},
			[][]any{{1, 4, "6*7"}, {1, 5, "6*8"}}},
		{"tail with output", historyRequest{HistAccessType: "tail", N: n(2), Output: true},
			[][]any{{1, 4, []any{"6*7", "42"}}, {1, 5, []any{"6*8", nil}}}},
		{"range", historyRequest{HistAccessType: "range", Session: 0, Start: 2, Stop: 4},
			[][]any{{1, 2, "6*7"}, {1, 3, "fmt.Println(x)"}}},
		{"range of another session", historyRequest{HistAccessType: "range", Session: 7, Start: 1}, [][]any{}},
		{"search", historyRequest{HistAccessType: "search", Pattern: "6*?"},
			[][]any{{1, 2, "6*7"}, {1, 4, "6*7"}, {1, 5, "6*8"}}},
		{"search unique", historyRequest{HistAccessType: "search", Pattern: "6*?", Unique: true},
			[][]any{{1, 4, "6*7"}, {1, 5, "6*8"}}},
		{"search n", historyRequest{HistAccessType: "search", Pattern: "*", N: n(1)},
			[][]any{{1, 5, "6*8"}}},
		{"unknown type", historyRequest{HistAccessType: "nope"}, [][]any{}},
	}
	for _, tt := range tests {
		if got := h.query(tt.req); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: query = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestGlobMatch(t *testing.T) {
	for _, tt := range []struct {
		pat, s string
		want   bool
	}{
		{"*", "", true}, {"6*?", "6*7", true}, {"6*?", "6", false}, {"a*b*c", "aXbYc", true},
		{"a*b*c", "aXbY", false}, {"?", "é", true}, {"fmt.*", "fmt.Println(1)", true}, {"abc", "abcd", false},
	} {
		if got := globMatch(tt.pat, tt.s); got != tt.want {
			t.Errorf("globMatch(%q, %q) = %v; want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestCompleteUTF8(t *testing.T) {
	e := []byte("aé") // é is 2 bytes
	for _, tt := range []struct {
		b    []byte
		want int
	}{
		{[]byte("abc"), 3}, {e, 3}, {e[:2], 1}, {[]byte("€")[:2], 0}, {nil, 0},
	} {
		if got := completeUTF8(tt.b); got != tt.want {
			t.Errorf("completeUTF8(%q) = %d; want %d", tt.b, got, tt.want)
		}
	}
}

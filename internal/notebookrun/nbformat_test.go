package notebookrun

import (
	"encoding/json"
	"strings"
	"testing"
)

// A notebook read and written back unchanged is the same JSON: fields the
// runner does not know (cell ids, attachments, metadata of any kind, a
// future top-level key) survive, sources keep their form.
func TestNotebookRoundTrip(t *testing.T) {
	src := `{
 "cells": [
  {"attachments": {"a.png": {"image/png": "iVBO"}}, "cell_type": "markdown", "id": "m1", "metadata": {"tags": ["x"]}, "source": ["# Title\n", "text"]},
  {"cell_type": "code", "execution_count": 3, "id": "c1", "metadata": {"collapsed": true},
   "outputs": [{"name": "stdout", "output_type": "stream", "text": ["hi\n"]},
               {"data": {"text/plain": ["a\n", "b"]}, "execution_count": 3, "metadata": {}, "output_type": "execute_result"},
               {"ename": "E", "evalue": "v", "output_type": "error", "traceback": ["t"]}],
   "source": "x := 1"},
  {"cell_type": "raw", "metadata": {}, "source": "raw text"}
 ],
 "metadata": {"kernelspec": {"display_name": "Go", "env": {"A": "1"}, "language": "go", "name": "gokernel"},
              "language_info": {"name": "go", "version": "1.24"}, "widgets": {"state": {}}},
 "nbformat": 4,
 "nbformat_minor": 5,
 "x-future": [1, 2]
}`
	var nb Notebook
	if err := json.Unmarshal([]byte(src), &nb); err != nil {
		t.Fatal(err)
	}
	if got := nb.Cells[1].Source.Text; got != "x := 1" {
		t.Errorf("code source %q", got)
	}
	if got := nb.Cells[0].Source.Text; got != "# Title\ntext" {
		t.Errorf("markdown source %q", got)
	}
	if o := nb.Cells[1].Outputs[1]; o.Data["text/plain"] != "a\nb" || o.ExecutionCount != 3 {
		t.Errorf("execute_result read as %+v", o)
	}
	if nb.Language() != "go" {
		t.Errorf("language %q", nb.Language())
	}
	out, err := json.Marshal(&nb)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := canonical(t, src), canonical(t, string(out)); a != b {
		t.Errorf("round trip changed the notebook:\nin  %s\nout %s", a, b)
	}
}

func canonical(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Bad notebooks are refused with the cell and the reason.
func TestNotebookErrors(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`{"nbformat": 4}`, `no "cells" list`},
		{`{"nbformat": 4, "cells": {}}`, `no "cells" list`},
		{`{"nbformat": 4, "cells": [1]}`, "cell 1 is not an object"},
		{`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ""}, {"source": "x"}]}`, "cell 2 has no cell_type"},
		{`{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}`, "cell 1: source is neither a string nor a list of strings"},
	} {
		var nb Notebook
		err := json.Unmarshal([]byte(tc.src), &nb)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.src, err, tc.want)
		}
	}
}

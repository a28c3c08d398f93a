package notebookrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Run as a notebook front end: a display updated from a later cell shows
// its last content where it was first shown (as Jupyter does), streams are
// merged, a trailing value is an execute_result, and fields the runner does
// not know (a cell's id, the notebook's metadata) are kept.
func TestRunDisplaysAndFields(t *testing.T) {
	dir := t.TempDir()
	cells := []map[string]any{
		{"cell_type": "markdown", "id": "md", "metadata": map[string]any{}, "source": "# title"},
		{"cell_type": "code", "id": "one", "metadata": map[string]any{"tags": []string{"keep"}}, "outputs": []any{}, "execution_count": nil,
			"source": "h := display.New(\"first\")\nfmt.Print(\"a\")\nfmt.Println(\"b\")"},
		{"cell_type": "code", "id": "two", "metadata": map[string]any{}, "outputs": []any{}, "execution_count": nil,
			"source": "h.Update(\"second\")\n6 * 7"},
	}
	src, _ := json.Marshal(map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{"custom": "x"}, "cells": cells})
	path := filepath.Join(dir, "nb.ipynb")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, err := Run(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var nb Notebook
	if err := json.Unmarshal(b, &nb); err != nil {
		t.Fatal(err)
	}
	if string(nb.Metadata.Extra["custom"]) != `"x"` || nb.Metadata.LanguageInfo == nil || nb.Metadata.LanguageInfo.Name != "go" {
		t.Errorf("metadata: %s", b)
	}
	one, two := nb.Cells[1], nb.Cells[2]
	if string(one.Extra["id"]) != `"one"` || !strings.Contains(string(one.Extra["metadata"]), "keep") {
		t.Errorf("cell fields lost: %s", b)
	}
	var shown, streams []string
	for _, o := range one.Outputs {
		switch o.OutputType {
		case "display_data":
			shown = append(shown, o.Data["text/plain"].(string))
		case "stream":
			streams = append(streams, o.Text)
		}
	}
	if strings.Join(shown, "|") != "second" || strings.Join(streams, "|") != "ab\n" {
		t.Errorf("cell 1 shows %q and streams %q, want the updated display and one merged stream:\n%s", shown, streams, b)
	}
	if len(two.Outputs) != 1 || two.Outputs[0].OutputType != "execute_result" || two.Outputs[0].Data["text/plain"] != "42" ||
		two.ExecutionCount == nil || *two.ExecutionCount != 2 {
		t.Errorf("cell 2: %s", b)
	}
}

package interp

import (
	"strings"
	"testing"
)

// Line magics and shell commands may stand on any line of a cell among Go
// code and run in their place; a line starting with ! or % that continues
// a Go expression stays Go.
func TestMagicLinesAmongCode(t *testing.T) {
	s := newSession(t)
	_, out, _, err := run(s, "fmt.Println(\"a\")\n!echo b\nfmt.Println(\"c\")\nwhoVar := 1\n%who")
	if err != nil || !strings.HasPrefix(out, "a\nb\nc\n") || !strings.Contains(out, "whoVar") {
		t.Fatalf("mixed cell: %q %v", out, err)
	}
	if res, _, _, err := run(s, "ok := true &&\n\t!false\nok"); err != nil || res != "true" {
		t.Fatalf("`!false` continuing an expression: %q %v", res, err)
	}
	// A Go error below a magic line is found before anything runs.
	_, out, _, err = run(s, "!echo ran\nundefinedName + 1")
	if err == nil || strings.Contains(out, "ran") {
		t.Fatalf("error below a shell line: %q %v", out, err)
	}
}

// Imports may come anywhere among a cell's declarations, as the README says.
func TestImportAfterDeclaration(t *testing.T) {
	runCases(t, []cellCase{
		{code: "func h() string { return hex.EncodeToString([]byte{1, 255}) }\nimport \"encoding/hex\"\nh()", result: "01ff"},
		{code: "type B struct{ b bytes.Buffer }\nimport (\n\t\"bytes\"\n\t\"unicode/utf8\"\n)\nfunc n(s string) int { return utf8.RuneCountInString(s) }\nn(\"héllo\")", result: "5"},
		{code: "func bad() int { return \"s\" }; import \"hash/crc32\"", errName: "CompileError", errHas: "cell 3, line 1"},
	})
}

func TestRuntimeErrorNamedOnce(t *testing.T) {
	s := newSession(t)
	run(s, "zz := 0")
	_, _, _, err := run(s, "10 / zz")
	if ce, ok := err.(*CellError); !ok || ce.Name != "runtime error" || ce.Value != "integer divide by zero" {
		t.Fatalf("10/zz: %v, want runtime error: integer divide by zero", err)
	}
}

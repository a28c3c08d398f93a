package interp

import "testing"

// Ranges over functions in forms the programs of notebooks/testdata/iter
// (run against `go run`) do not have: cell types as yield parameters, a
// deferred closure changing a named result after a return from the loop,
// goto out of the loop at top level, and a cell the check skips (a dot
// import), where the error says what the engine could not see.
func TestRangeFuncForms(t *testing.T) {
	runCases(t, []cellCase{
		{code: "type P struct{ X int }\nfunc ps() iter.Seq2[int, P] { return func(yield func(int, P) bool) { yield(1, P{2}) } }\nfor i, p := range ps() { fmt.Println(i, p.X) }", stdout: "1 2\n"},
		{code: "func early() (s string) {\n\tdefer func() { s += \"!\" }()\n\tfor v := range slices.Values([]string{\"a\", \"b\"}) {\n\t\tif v == \"b\" {\n\t\t\treturn v\n\t\t}\n\t}\n\treturn \"none\"\n}\nearly()", result: "b!"},
		{code: "m := map[string][]int{\"a\": {1}}\nfor k, v := range maps.All(m) { fmt.Println(k, v) }", stdout: "a [1]\n"},
		{code: "for v := range 3 {\n\tfor w := range slices.Values([]int{7}) {\n\t\tif v == 1 {\n\t\t\tgoto done\n\t\t}\n\t\tfmt.Println(v, w)\n\t}\n}\ndone:\nfmt.Println(\"after\")", stdout: "0 7\nafter\n"},
		{code: "import . \"strings\"\nseq := func(yield func(int) bool) { yield(1) }\nfor x := range seq { fmt.Println(x, ToUpper(\"a\")) }", errName: "CompileError", errHas: "range over a function or an integer whose type the engine cannot see"},
	})
}

"""jupyter_kernel_test conformance suite for gokernel.

Run by kernel/clients_test.go (go test ./kernel/...) with JUPYTER_DATA_DIR
pointing at a freshly installed kernelspec; runnable by hand too:
    /usr/bin/python3 -m unittest -v kernel/testdata/test_conformance.py
"""
import unittest

import jupyter_kernel_test as jkt


class GoKernelTests(jkt.KernelTests):
    kernel_name = "gokernel"
    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "to stderr")'

    completion_samples = [
        {"text": "appe", "matches": {"append"}},
        {"text": "fmt.Sprin"},
    ]

    complete_code_samples = ["x := 1", 'fmt.Println("a")', "func f() int { return 1 }", ""]
    incomplete_code_samples = ["func f() {", "for i := 0; i < 3; i++ {", "x := []int{1,\n", "s := `raw"]
    invalid_code_samples = ["x := 1)", "}", "x := 1 @ 2", "func f( {}"]

    code_generate_error = 'var m map[string]int\nm["a"] = 1  // runtime error: assignment to entry in nil map'

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "y := 10\ny*2", "result": "20"},
        {"code": '"a" + "b"', "result": "ab"},
    ]
    code_history_pattern = "6*?"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": 'import "github.com/gokernel/gokernel/mlstd/display"\ndisplay.HTML("<b>hi</b>")',
         "mime": "text/html"},
        {"code": 'import "github.com/gokernel/gokernel/mlstd/display"\ndisplay.Markdown("*hi*")',
         "mime": "text/markdown"},
    ]
    code_clear_output = 'import "github.com/gokernel/gokernel/mlstd/display"\ndisplay.ClearOutput(false)'

    code_inspect_sample = "fmt.Println"

    # IPython's help syntax: the engine pages fmt.Println's documentation
    # (execute_reply payload, source "page").
    code_page_something = "fmt.Println?"


if __name__ == "__main__":
    unittest.main()

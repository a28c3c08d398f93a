package display_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/host"
)

// A handle shows a value once and then redraws it in place; here a sink
// stands in for the notebook.
func ExampleNew() {
	host.SetSink(func(typ string, c map[string]any) {
		fmt.Println(typ, c["data"].(map[string]any)["text/plain"])
	}, true)
	defer host.SetSink(nil, false)

	h := display.New("epoch 1")
	h.Update("epoch 2")
	// Output:
	// display_data epoch 1
	// update_display_data epoch 2
}

func ExampleTable() {
	t := display.NewTable([]string{"epoch", "loss"}, [][]string{{"1", "0.31"}, {"2", "0.12"}})
	fmt.Println(t)
	fmt.Println(display.MIME(t)["text/html"])
	// Output:
	// epoch  loss
	// -----------
	// 1      0.31
	// 2      0.12
	// <table><thead><tr><th>epoch</th><th>loss</th></tr></thead><tbody><tr><td>1</td><td>0.31</td></tr><tr><td>2</td><td>0.12</td></tr></tbody></table>
}

func ExampleMIME() {
	b := display.MIME(display.NewMarkdown("**bold**"))
	fmt.Println(b["text/markdown"], b["text/plain"])
	// Output: **bold** **bold**
}

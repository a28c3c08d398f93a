package display_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/display"
	"github.com/gokernel/gokernel/mlstd/host"
)

// A handle shows a value once and then redraws it in place; here a front
// end printing the events stands in for the notebook.
func ExampleNew() {
	host.SetFront(host.Front{Show: func(e host.Event) {
		switch e := e.(type) {
		case host.Display:
			fmt.Println("Display", e.Data["text/plain"])
		case host.Update:
			fmt.Println("Update", e.Data["text/plain"])
		}
	}, Rich: true})
	defer host.SetFront(host.Front{})

	h := display.New("epoch 1")
	h.Update("epoch 2")
	// Output:
	// Display epoch 1
	// Update epoch 2
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

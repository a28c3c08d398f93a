package host_test

import (
	"fmt"

	"github.com/gokernel/gokernel/mlstd/host"
)

// A front end receives typed events and renders them its own way; this
// one prints them. The session installs it with SetFront for each cell.
func ExampleSetFront() {
	host.SetFront(host.Front{Show: func(e host.Event) {
		switch e := e.(type) {
		case host.Display:
			fmt.Println("display", e.ID, e.Data["text/plain"])
		case host.Update:
			fmt.Println("update", e.ID, e.Data["text/plain"])
		case host.Status:
			fmt.Printf("status %q final=%v\n", e.Line, e.Final)
		}
	}, LiveStatus: true})
	defer host.SetFront(host.Front{})

	host.Show(host.Display{Data: map[string]any{"text/plain": "epoch 1"}, ID: "p"})
	host.Show(host.Update{ID: "p", Data: map[string]any{"text/plain": "epoch 2"}})
	host.Show(host.Status{Line: "epoch 2/2  loss 0.1", Final: true})
	fmt.Println(host.Rich(), host.LiveStatus())
	// Output:
	// display p epoch 1
	// update p epoch 2
	// status "epoch 2/2  loss 0.1" final=true
	// false true
}

// Each session has its own front end and interrupt flag; the session
// whose cell runs enters itself, and compiled code (Check, Show) reaches
// the current one.
func ExampleEnter() {
	defer host.Enter(nil)
	var notebook, terminal host.Session
	notebook.SetFront(host.Front{Show: func(host.Event) {}, Rich: true})
	terminal.SetFront(host.Front{Show: func(host.Event) {}, LiveStatus: true})
	terminal.Interrupt()

	host.Enter(&notebook)
	fmt.Println("notebook:", host.Rich(), host.LiveStatus(), host.Interrupted())
	host.Enter(&terminal)
	fmt.Println("terminal:", host.Rich(), host.LiveStatus(), host.Interrupted())
	// Output:
	// notebook: true false false
	// terminal: false true true
}

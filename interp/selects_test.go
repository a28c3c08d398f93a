package interp

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Goroutines running the same channel statements at once each get their
// own channel's values (yaegi's select shares its cases between them:
// values crossed over before selects.go).
func TestConcurrentChannelStatements(t *testing.T) {
	s := newSession(t)
	// A value taken by the wrong goroutine also leaves another waiting
	// forever: the cell gets a deadline.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var o syncBuf
	_, err := s.Execute(ctx, `
import "sync"

type item struct{ g, k int }

func worker(g int, in chan item, out chan<- item, res <-chan item, wg *sync.WaitGroup) (bad int) {
	defer wg.Done()
	for k := 0; k < 3000; k++ {
		in <- item{g, k} // a send
		v := <-in        // a receive of a known channel
		if v.g != g {
			bad++
		}
		select { // a select with a send and receives
		case out <- item{g, k}:
		case <-in:
			bad += 1000
		}
		select {
		case w, ok := <-res:
			if !ok || w.g != g {
				bad++
			}
		}
		var w item
		w = <-res // an assignment from a receive
		_ = w
	}
	return bad
}

// (All in one function: goroutines left running into the cell's next
// chunk would meet yaegi's frame race under -race.)
func runAll() int {
	var wg, echoes sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for g := 0; g < 8; g++ {
		in, out, res := make(chan item, 1), make(chan item, 2), make(chan item, 2)
		echoes.Add(1)
		go func() { // echoes out into res twice
			defer echoes.Done()
			for v := range out {
				res <- v
				res <- v
			}
		}()
		wg.Add(1)
		go func() {
			b := worker(g, in, out, res, &wg)
			mu.Lock()
			total += b
			mu.Unlock()
			close(out)
		}()
	}
	wg.Wait()
	echoes.Wait()
	mu.Lock()
	defer mu.Unlock()
	return total
}

fmt.Println("crossed values:", runAll())
`, Output{Stdout: &o})
	if err != nil {
		t.Fatalf("%v (a hang: values crossed between goroutines?)", err)
	}
	if out := strings.TrimSpace(o.String()); out != "crossed values: 0" {
		t.Errorf("got %q", out)
	}
}

// Channel statements at a cell's top level (global scope), with element
// types the cell names through a package: each once went wrong (a send of
// tensor.New(...) panicked with "0 values given", a break out of a range
// over a channel hung).
func TestChannelStatementsAtTopLevel(t *testing.T) {
	runCases(t, []cellCase{
		{code: "import \"github.com/gokernel/gokernel/mlstd/tensor\"\nch := make(chan *tensor.Tensor, 1)\nch <- tensor.New([]float32{7}, 1)\nfmt.Println((<-ch).Data())", stdout: "[7]\n"},
		{code: "c := make(chan int, 3)\nc <- 3; c <- 4\nfor v := range c {\n\tfmt.Println(v)\n\tbreak\n}\nfmt.Println(len(c))", stdout: "3\n1\n"},
		{code: "type P struct{ X int }\npc := make(chan P, 1)\npc <- P{2}\nvar p P\nselect {\ncase p = <-pc:\n}\np.X", result: "2"},
		{code: "e := make(chan error, 1)\ne <- errors.New(\"boom\")\nselect {\ncase err, ok := <-e:\n\tfmt.Println(err, ok)\n}", stdout: "boom true\n"},
		{code: "f := make(chan float64, 1)\nselect {\ncase f <- 2:\n\tfmt.Println(<-f)\ndefault:\n}", stdout: "2\n"},
	})
}

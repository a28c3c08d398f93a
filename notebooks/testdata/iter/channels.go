package main

import (
	"errors"
	"fmt"
	"sort"
	"sync"
)

// Channel statements as a cell runs them through the engine's compiled
// select (interp/selects.go): every form, with Go's semantics.

type job struct {
	id   int
	name string
}

type shape interface{ area() float64 }

type sq struct{ s float64 }

func (q sq) area() float64 { return q.s * q.s }

func producer(n int) <-chan job {
	out := make(chan job)
	go func() {
		defer close(out)
		for i := range n {
			out <- job{i, fmt.Sprint("j", i)}
		}
	}()
	return out
}

func worker(jobs <-chan job, results chan<- string, wg *sync.WaitGroup) {
	defer wg.Done()
	for j := range jobs {
		results <- fmt.Sprintf("%d:%s", j.id, j.name)
	}
}

func first(c <-chan string) string { return <-c }

func both(c chan int) (int, bool) { return <-c, true }

func main() {
	// A worker pool: range over a receive-only channel, sends on a send-only one.
	jobs := producer(40)
	results := make(chan string, 40)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go worker(jobs, results, &wg)
	}
	wg.Wait()
	close(results)
	var got []string
	for r := range results {
		got = append(got, r)
	}
	sort.Strings(got)
	fmt.Println(len(got), got[0], got[39])

	// select forms: send with an untyped constant, receive with ok, assignment, default.
	f := make(chan float64, 1)
	select {
	case f <- 2:
		fmt.Println("sent", <-f)
	default:
		fmt.Println("not sent")
	}
	e := make(chan error, 1)
	e <- errors.New("boom")
	var err error
	select {
	case err = <-e:
	}
	fmt.Println("err:", err)
	close(e)
	select {
	case v, ok := <-e:
		fmt.Println("closed:", v, ok)
	}
	var nilch chan int
	select {
	case v := <-nilch:
		fmt.Println("never", v)
	default:
		fmt.Println("nil channel: default")
	}

	// An interface of the program's own as element type.
	shapes := make(chan shape, 2)
	shapes <- sq{2}
	shapes <- sq{3}
	close(shapes)
	total := 0.0
	for s := range shapes {
		total += s.area()
	}
	fmt.Println("area", total)

	// break, labels and continue inside select.
	tick := make(chan int, 10)
	for i := range 10 {
		tick <- i
	}
	close(tick)
	sum := 0
loop:
	for {
		select {
		case v, ok := <-tick:
			if !ok {
				break loop
			}
			if v%2 == 0 {
				continue
			}
			if v > 7 {
				break
			}
			sum += v
		}
	}
	fmt.Println("odd sum below 8:", sum)

	// for k = range ch (assignment) and for range ch.
	c := make(chan int, 3)
	c <- 1
	c <- 2
	c <- 3
	close(c)
	last := 0
	for last = range c {
	}
	fmt.Println("last", last)
	d := make(chan int, 2)
	d <- 1
	d <- 1
	close(d)
	n := 0
	for range d {
		n++
	}
	fmt.Println("count", n)

	// Goroutines running the same select at once, each on its own channels.
	var mu sync.Mutex
	crossed := 0
	var wg2 sync.WaitGroup
	for g := range 6 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			mine := make(chan int, 1)
			for range 500 {
				select {
				case mine <- g:
				}
				select {
				case v := <-mine:
					if v != g {
						mu.Lock()
						crossed++
						mu.Unlock()
					}
				}
			}
		}()
	}
	wg2.Wait()
	fmt.Println("crossed", crossed)

	// return <-ch, alone and with other results.
	sc := make(chan string, 1)
	sc <- "first"
	ic := make(chan int, 1)
	ic <- 9
	v, ok := both(ic)
	fmt.Println(first(sc), v, ok)
}

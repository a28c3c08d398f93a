// Range over functions: break, continue, return (with values, named
// results), labels and defer, as Go 1.23 defines them.
package main

import (
	"errors"
	"fmt"
	"iter"
	"strings"
)

func count(n int) iter.Seq[int] {
	return func(yield func(int) bool) {
		for i := range n {
			if !yield(i) {
				fmt.Println("count stopped at", i)
				return
			}
		}
	}
}

func pairs(n int) iter.Seq2[int, string] {
	return func(yield func(int, string) bool) {
		for i := 1; i <= n; i++ {
			if !yield(i, strings.Repeat("x", i)) {
				return
			}
		}
	}
}

// find returns from inside the loop.
func find(n int, want string) (int, bool) {
	for i, s := range pairs(n) {
		if s == want {
			return i, true
		}
	}
	return -1, false
}

// sumTo uses a bare return of named results.
func sumTo(limit int) (total int, err error) {
	for v := range count(10) {
		total += v
		if v == limit {
			return
		}
	}
	return total, errors.New("limit not reached")
}

func labels() {
outer:
	for i := range 3 {
		for v := range count(4) {
			if v == 2 {
				continue outer
			}
			if i == 2 {
				break outer
			}
			fmt.Println("labels", i, v)
		}
	}
inner:
	for v := range count(3) {
		for w := range count(3) {
			if w == 1 {
				continue inner
			}
			fmt.Println("inner", v, w)
		}
	}
}

func deferred() {
	defer fmt.Println("function's own defer")
	for v := range count(3) {
		defer fmt.Println("deferred", v)
	}
	fmt.Println("loop done")
}

func main() {
	for v := range count(5) {
		if v == 3 {
			break
		}
		if v == 1 {
			continue
		}
		fmt.Println("v", v)
	}
	fmt.Println(find(4, "xxx"))
	fmt.Println(find(2, "xxx"))
	fmt.Println(sumTo(3))
	fmt.Println(sumTo(20))
	labels()
	deferred()
	var seq func(func(int, string) bool) = pairs(2)
	for k, s := range seq {
		fmt.Println("seq", k, s)
	}
	var funcs []func() int
	for v := range count(3) {
		funcs = append(funcs, func() int { return v })
	}
	for _, f := range funcs {
		fmt.Print(f(), " ")
	}
	fmt.Println()
	var i int
	var s string
	for i, s = range pairs(3) {
	}
	fmt.Println("assigned", i, s)
	for range count(2) {
		fmt.Println("no variables")
	}
}

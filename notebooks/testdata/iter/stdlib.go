// The iterators and generic functions of Go 1.23-1.26's standard library.
package main

import (
	"bytes"
	"cmp"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"
)

func main() {
	text := "a b  c\nd\n"
	for line := range strings.Lines(text) {
		fmt.Printf("line %q\n", line)
	}
	for f := range strings.FieldsSeq(text) {
		fmt.Print(f, ";")
	}
	fmt.Println()
	for p := range strings.SplitSeq("x,y,z", ",") {
		fmt.Print(p, ".")
	}
	fmt.Println()
	for l := range bytes.Lines([]byte("one\ntwo")) {
		fmt.Printf("bytes %q\n", l)
	}
	m := map[string]int{"b": 2, "a": 1, "c": 3}
	fmt.Println(slices.Sorted(maps.Keys(m)), slices.Sorted(maps.Values(m)))
	keys := slices.Collect(maps.Keys(m))
	slices.Sort(keys)
	fmt.Println(keys, len(keys))
	for k := range maps.Keys(map[int]bool{7: true}) {
		fmt.Println("key", k)
	}
	for i, v := range slices.All([]string{"p", "q"}) {
		fmt.Println("all", i, v)
	}
	for v := range slices.Values([]int{3, 1, 2}) {
		fmt.Print(v, " ")
	}
	fmt.Println()
	for i, v := range slices.Backward([]int{1, 2, 3}) {
		fmt.Print(i, "=", v, " ")
	}
	fmt.Println()
	for c := range slices.Chunk([]int{1, 2, 3, 4, 5}, 2) {
		fmt.Println("chunk", c)
	}
	idx := maps.Collect(slices.All([]string{"zero", "one"}))
	fmt.Println(len(idx), idx[1])
	var evens iter.Seq[int] = func(yield func(int) bool) {
		for i := 0; ; i += 2 {
			if !yield(i) {
				return
			}
		}
	}
	next, stop := iter.Pull(evens)
	a, ok1 := next()
	b, ok2 := next()
	stop()
	fmt.Println("pull", a, ok1, b, ok2)
	fmt.Println(slices.Collect(func(yield func(string) bool) { _ = yield("only") && yield("two") }))
	fmt.Println(cmp.Compare(1, 2), cmp.Compare("b", "a"), cmp.Less(1.5, 2.5), cmp.Or("", "default"), cmp.Or(0, 0, 9))
	fmt.Println(slices.BinarySearch([]int{1, 3, 5}, 3))
	fmt.Println(slices.BinarySearch([]string{"a", "c"}, "b"))
	fmt.Println(slices.Insert([]int{1, 4}, 1, 2, 3), slices.Compact([]int{1, 1, 2, 2, 3}), slices.Repeat([]int{7}, 3), slices.Concat([]int{1}, []int{2, 3}))
	fmt.Println(slices.Max([]float64{1, 3, 2}), slices.Min([]int{4, 2, 8}), slices.Index([]string{"a", "b"}, "b"), slices.Contains([]int{1}, 2))
	fmt.Println(slices.Delete([]int{0, 1, 2, 3}, 1, 3), slices.Replace([]int{0, 1, 2}, 1, 2, 8, 9), slices.Compare([]int{1, 2}, []int{1, 3}))
	fmt.Println(slices.SortedFunc(slices.Values([]int{3, 1, 2}), func(a, b int) int { return b - a }))
	fmt.Println(slices.IndexFunc([]int{5, 6}, func(v int) bool { return v > 5 }), slices.Equal([]int{1}, []int{1}))
	words := slices.DeleteFunc([]string{"keep", "drop", "keep2"}, func(s string) bool { return s == "drop" })
	fmt.Println(words, slices.MaxFunc(words, func(a, b string) int { return cmp.Compare(len(a), len(b)) }))
	c := maps.Clone(m)
	maps.DeleteFunc(c, func(k string, v int) bool { return v > 1 })
	fmt.Println(c, maps.Equal(c, map[string]int{"a": 1}))
	maps.Insert(c, maps.All(map[string]int{"z": 26}))
	fmt.Println(len(c), c["z"])
}

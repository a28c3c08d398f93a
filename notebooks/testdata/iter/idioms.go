package main

// Everyday Go, run alike compiled, as a script, in the REPL and in the
// kernel (TestIteratorsLikeGo): numbers, strings, embedding, type switches,
// method values, labels, goto, closures, slices sharing arrays, and several
// values with a composite literal among them (yaegi v0.16.1 zeroed the
// others).

import (
	"fmt"
	"strconv"
)

type Animal interface{ Sound() string }
type Base struct{ Name string }

func (b Base) Hello() string { return "hi " + b.Name }

type Dog struct {
	Base
	Age int
}

func (d Dog) Sound() string { return "woof" }

type Counter struct{ n int }

func (c *Counter) Inc() { c.n++ }

func sum(xs ...int) (t int) {
	for _, x := range xs {
		t += x
	}
	return
}

func describe(v any) string {
	switch x := v.(type) {
	case int:
		return "int " + strconv.Itoa(x)
	case string:
		return "string " + x
	case []int:
		return fmt.Sprint("slice ", len(x))
	case nil:
		return "nil"
	default:
		return fmt.Sprintf("other %T", x)
	}
}

func main() {
	var i8 int8 = 127
	i8++
	var u uint8 = 0
	u--
	fmt.Println(i8, u, 7/2, -7/2, 7%3, -7%3, 1<<10, 0x10, 1e3)
	f := 3.7
	fmt.Println(int(f), int(-f), uint32(1<<32-1), float32(0.1))
	r := []rune("héllo")
	fmt.Println(len("héllo"), len(r), string(r[1]), "héllo"[1])
	d := Dog{Base{"rex"}, 3}
	fmt.Println(d.Hello(), d.Name, d.Sound())
	var a Animal = d
	if dd, ok := a.(Dog); ok {
		fmt.Println("dog", dd.Age)
	}
	c := Counter{}
	inc := c.Inc
	inc()
	inc()
	fmt.Println(c.n)
	fmt.Println(sum(), sum(1, 2, 3), sum([]int{4, 5}...))
	fmt.Println(describe(1), describe("s"), describe([]int{1}), describe(nil), describe(2.5))
	arr := [3]int{1, 2, 3}
	arr2 := arr
	arr2[0] = 9
	fmt.Println(arr, arr2)
	sl := arr[:]
	sl[1] = 8
	fmt.Println(arr)
	ms := map[string]*Counter{"a": {}}
	ms["a"].Inc()
	fmt.Println(ms["a"].n)
outer:
	for i := 0; i < 3; i++ {
		for j := 0; j < 3; j++ {
			if j == 1 {
				continue outer
			}
			if i == 2 {
				break outer
			}
			fmt.Print(i, j, " ")
		}
	}
	fmt.Println()
	k := 0
loop:
	if k < 3 {
		k++
		goto loop
	}
	fmt.Println("k", k)
	mk := func() func() int {
		n := 0
		return func() int { n++; return n }
	}
	g := mk()
	g()
	fmt.Println(g(), g())
	const big = 1 << 62
	fmt.Println(big/(1<<60), float64(big))
	x := 10
	p := &x
	*p += 5
	fmt.Println(x)
	s := make([]int, 0, 2)
	s1 := append(s, 1)
	s2 := append(s, 2)
	fmt.Println(s1, s2)
	var nilMap map[string]int
	fmt.Println(nilMap["x"], len(nilMap))
	b := []byte("abc")
	b[0] = 'z'
	fmt.Println(string(b), strconv.Quote("a\tb"))
	fmt.Printf("%5.2f|%-4d|%x|%v|%q\n", 3.14159, 42, 255, []string{"a"}, 'x')
	m, n := map[string]int{}, 3
	m["k"] = n
	var ps, q = []int{1}, 4
	fmt.Println(m, n, ps, q)
	type celsius = float64
	type reading struct{ At int }
	type log = map[string][]reading
	var temp celsius = 21.5
	l := log{"kitchen": {{At: 1}, {At: 2}}}
	fmt.Println(temp+1, len(l["kitchen"]), celsius(3)/2)
}

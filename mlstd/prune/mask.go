package prune

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/gokernel/gokernel/mlstd/nn"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// Config chooses what Magnitude removes. Set one of Threshold and
// Fraction; with neither, nothing is removed.
type Config struct {
	// Threshold removes every entry with |θ| < Threshold (the seed's rule).
	Threshold float64
	// Fraction removes this fraction (0–1) of the entries with the smallest
	// |θ|: after pruning, that share of each tensor (or, with Global, of
	// all covered entries together) is zero. Ties are broken by position.
	Fraction float64
	// Global ranks the entries of all covered tensors together, so layers
	// with many small weights lose more of them; otherwise each tensor is
	// pruned to Fraction on its own.
	Global bool
	// Biases also covers 1-dimensional parameters; by default only weight
	// matrices (2 or more dimensions) are pruned, as is usual.
	Biases bool
	// Names, when set, lists the parameters to prune by state-dict name
	// ("0.weight"), whatever their shape; others are left alone. Use it to
	// spare the output layer or to give layers different thresholds
	// (prune each with its own call and Merge the masks).
	Names []string
}

// Mask records which entries of a model's parameters were pruned, so they
// can be kept at zero while the model is trained further. Call Apply after
// every optimizer step (see the package documentation).
type Mask struct {
	entries []entry
}

type entry struct {
	name   string
	t      *tensor.Tensor
	pruned []int // sorted indices into t.Data()
}

// Magnitude prunes m's parameters as cfg says, zeroing the removed entries
// at once, and returns the mask that keeps them at zero. Entries that are
// already zero are counted as pruned, so pruning a pruned model again
// yields a mask that includes the earlier one. It panics if cfg is
// inconsistent.
func Magnitude(m nn.Module, cfg Config) *Mask {
	if cfg.Threshold != 0 && cfg.Fraction != 0 {
		panic(fmt.Errorf("prune: set one of Threshold (%v) and Fraction (%v), not both", cfg.Threshold, cfg.Fraction))
	}
	if !(cfg.Fraction >= 0 && cfg.Fraction <= 1) || !(cfg.Threshold >= 0) {
		panic(fmt.Errorf("prune: fraction %v must be in [0, 1] and threshold %v not negative", cfg.Fraction, cfg.Threshold))
	}
	mk := &Mask{}
	ps := params(m)
	for _, name := range cfg.Names {
		if !slices.ContainsFunc(ps, func(p nn.Param) bool { return p.Name == name }) {
			panic(fmt.Errorf("prune: model has no parameter %q", name))
		}
	}
	for _, p := range ps {
		covered := p.Tensor.Dims() >= 2 || cfg.Biases && p.Tensor.Dims() == 1
		if cfg.Names != nil {
			covered = slices.Contains(cfg.Names, p.Name)
		}
		if covered {
			mk.entries = append(mk.entries, entry{name: p.Name, t: p.Tensor})
		}
	}
	switch {
	case cfg.Threshold != 0:
		eps := cfg.Threshold
		for i := range mk.entries {
			e := &mk.entries[i]
			for j, v := range e.t.Data() {
				if math.Abs(float64(v)) < eps {
					e.pruned = append(e.pruned, j)
				}
			}
		}
	case cfg.Global:
		mk.pruneGlobal(cfg.Fraction)
	default:
		for i := range mk.entries {
			e := &mk.entries[i]
			e.pruned = smallest(e.t.Data(), int(math.Round(cfg.Fraction*float64(e.t.Len()))))
		}
	}
	mk.Apply()
	return mk
}

// Threshold removes every weight with |θ| < eps (Magnitude with
// Config{Threshold: eps}).
func Threshold(m nn.Module, eps float64) *Mask {
	return Magnitude(m, Config{Threshold: eps})
}

// Fraction removes the given fraction of each weight tensor's entries,
// smallest |θ| first (Magnitude with Config{Fraction: fraction}).
func Fraction(m nn.Module, fraction float64) *Mask {
	return Magnitude(m, Config{Fraction: fraction})
}

// smallest returns the sorted indices of the k entries of x with the
// smallest magnitude (ties broken by position).
func smallest(x []float32, k int) []int {
	if k <= 0 {
		return nil
	}
	idx := make([]int, len(x))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		return cmp.Compare(math.Abs(float64(x[a])), math.Abs(float64(x[b])))
	})
	out := idx[:min(k, len(x))]
	slices.Sort(out)
	return out
}

// pruneGlobal removes the fraction of all covered entries with the
// smallest magnitude.
func (mk *Mask) pruneGlobal(fraction float64) {
	type ref struct {
		v    float32
		e, i int
	}
	var all []ref
	for ei, e := range mk.entries {
		for i, v := range e.t.Data() {
			all = append(all, ref{float32(math.Abs(float64(v))), ei, i})
		}
	}
	k := int(math.Round(fraction * float64(len(all))))
	slices.SortStableFunc(all, func(a, b ref) int { return cmp.Compare(a.v, b.v) })
	for _, r := range all[:k] {
		mk.entries[r.e].pruned = append(mk.entries[r.e].pruned, r.i)
	}
	for i := range mk.entries {
		slices.Sort(mk.entries[i].pruned)
	}
}

// params returns m's parameters with their state-dict names when m is
// nn.Named, else named "param0", "param1", ...
func params(m nn.Module) []nn.Param {
	if n, ok := m.(nn.Named); ok {
		return n.NamedParameters()
	}
	var out []nn.Param
	for i, t := range m.Parameters() {
		out = append(out, nn.Param{Name: fmt.Sprintf("param%d", i), Tensor: t})
	}
	return out
}

// Apply sets the pruned entries to zero again. Call it after each
// optimizer step while fine-tuning a pruned model.
func (mk *Mask) Apply() {
	for _, e := range mk.entries {
		d := e.t.Data()
		for _, i := range e.pruned {
			d[i] = 0
		}
	}
}

// ApplyGrad sets the gradients of the pruned entries to zero. Calling it
// between Backward and Step keeps gradients (and the momentum they feed)
// from pointing at removed weights; Apply is still needed after Step when
// the optimizer has momentum or weight decay.
func (mk *Mask) ApplyGrad() {
	for _, e := range mk.entries {
		g := e.t.Grad()
		if g == nil {
			continue
		}
		d := g.Data()
		for _, i := range e.pruned {
			d[i] = 0
		}
	}
}

// Pruned returns the number of entries the mask holds at zero.
func (mk *Mask) Pruned() int {
	n := 0
	for _, e := range mk.entries {
		n += len(e.pruned)
	}
	return n
}

// Covered returns the number of entries in the tensors the mask covers.
func (mk *Mask) Covered() int {
	n := 0
	for _, e := range mk.entries {
		n += e.t.Len()
	}
	return n
}

// Sparsity returns Pruned()/Covered() (0 when the mask covers nothing).
// For a mask made with the default Config (weight tensors only, no Names)
// on a model, right after pruning, it equals nn.WeightSparsity of the
// model, the figure SaveCompact reports too.
func (mk *Mask) Sparsity() float64 {
	if c := mk.Covered(); c > 0 {
		return float64(mk.Pruned()) / float64(c)
	}
	return 0
}

// Merge adds other's pruned entries to mk (for tensors both cover, the
// union; other's extra tensors are added) and returns mk.
func (mk *Mask) Merge(other *Mask) *Mask {
	for _, o := range other.entries {
		found := false
		for i := range mk.entries {
			if e := &mk.entries[i]; e.t == o.t {
				e.pruned = slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(e.pruned), o.pruned...))))
				found = true
			}
		}
		if !found {
			mk.entries = append(mk.entries, entry{o.name, o.t, slices.Clone(o.pruned)})
		}
	}
	return mk
}

// Report returns the current sparsity of the tensors the mask covers.
func (mk *Mask) Report() *Report {
	var ps []nn.Param
	for _, e := range mk.entries {
		ps = append(ps, nn.Param{Name: e.name, Tensor: e.t})
	}
	return report(ps)
}

// String summarises the mask, e.g. "prune.Mask(90000 of 100000 entries, 90.00%)".
func (mk *Mask) String() string {
	return fmt.Sprintf("prune.Mask(%d of %d entries, %.2f%%)", mk.Pruned(), mk.Covered(), 100*mk.Sparsity())
}

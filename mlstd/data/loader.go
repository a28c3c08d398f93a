package data

import (
	"fmt"
	"math/rand/v2"

	"github.com/gokernel/gokernel/mlstd/host"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// LoaderConfig configures a Loader, like the arguments of PyTorch's
// DataLoader.
type LoaderConfig struct {
	BatchSize int   // examples per batch; must be positive
	Shuffle   bool  // visit the examples in a new random order each epoch
	Seed      int64 // seeds the shuffle and the shifts (see Dataset.Loader)
	DropLast  bool  // skip a final batch smaller than BatchSize

	// Shift, when positive, augments the data: every image of a batch is
	// moved by a random whole number of pixels in [−Shift, Shift] down and
	// across (drawn independently, uniformly), the uncovered border
	// repeating the edge pixels. This is torchvision's
	// RandomCrop(size, padding=Shift, padding_mode="edge"); the edge
	// keeps MNIST's background whether or not it was normalised. It needs
	// examples shaped [channels, height, width] or [height, width] (see
	// Dataset.View). Labels and the dataset itself are left unchanged.
	Shift int
}

// Loader walks a dataset in mini-batches, in the style of bufio.Scanner:
//
//	for b := ds.Batches(64, true); b.Next(); {
//		x, y := b.X(), b.Y()
//		...
//	}
//
// The tensor returned by X and the slice returned by Y are valid until the
// next call to Next: the loader reuses their storage (for an unshuffled
// dataset they are views into the dataset itself, with no copy). Clone them
// to keep a batch. They must not be modified.
//
// Next checks for a user interrupt (host.Check) before each batch, so the
// notebook's stop button ends a training loop between batches with the
// model holding the weights of the last completed step.
type Loader struct {
	ds    *Dataset
	cfg   LoaderConfig
	order []int // nil when not shuffled
	pos   int   // index of the next example in order
	index int   // index of the current batch, -1 before the first
	x     *tensor.Tensor
	y     []int
	t     *tensor.Tensor
	xbuf  []float32
	ybuf  []int
	tbuf  []float32
	shift *shifter // nil without Shift
}

// Batches returns a Loader over d with the given batch size that keeps
// the last, possibly smaller, batch; with shuffle it visits the examples in
// a new order each call (see Loader for the seed).
func (d *Dataset) Batches(size int, shuffle bool) *Loader {
	return d.Loader(LoaderConfig{BatchSize: size, Shuffle: shuffle})
}

// Loader returns a Loader over d configured by cfg. The order of a
// shuffled loader and the shifts of an augmenting one (cfg.Shift) are
// determined by cfg.Seed and by how many such random loaders d has made
// before: each epoch (each call) sees a new order and new shifts, and
// re-running the same cells on a freshly loaded dataset reproduces every
// epoch. The order does not depend on Shift. It panics if cfg.BatchSize
// is not positive, if cfg.Shift is negative, or if Shift is set and the
// examples are not images.
func (d *Dataset) Loader(cfg LoaderConfig) *Loader {
	if cfg.BatchSize <= 0 {
		panic(fmt.Errorf("data: batch size %d must be positive", cfg.BatchSize))
	}
	l := &Loader{ds: d, cfg: cfg, index: -1}
	if cfg.Shift != 0 {
		l.shift = newShifter(d.X.Shape(), cfg.Shift, cfg.Seed, d.epochs)
	}
	if cfg.Shuffle || l.shift != nil {
		if cfg.Shuffle {
			l.order = permutation(d.Len(), cfg.Seed, d.epochs)
		} else {
			l.order = identity(d.Len())
		}
		d.epochs++
		l.xbuf = make([]float32, cfg.BatchSize*d.Features())
		if d.Targets != nil {
			l.tbuf = make([]float32, cfg.BatchSize*d.Outputs())
		} else {
			l.ybuf = make([]int, cfg.BatchSize)
		}
	}
	return l
}

// Len returns the number of batches the loader yields in total.
func (l *Loader) Len() int {
	n, b := l.ds.Len(), l.cfg.BatchSize
	if l.cfg.DropLast {
		return n / b
	}
	return (n + b - 1) / b
}

// Index returns the 0-based number of the current batch.
func (l *Loader) Index() int { return l.index }

// Next advances to the next batch and reports whether there is one. It
// panics with host.ErrInterrupted if the user asked to stop.
func (l *Loader) Next() bool {
	host.Check()
	n := l.ds.Len()
	size := min(l.cfg.BatchSize, n-l.pos)
	if size <= 0 || (l.cfg.DropLast && size < l.cfg.BatchSize) {
		l.x, l.y, l.t = nil, nil, nil
		return false
	}
	f, k := l.ds.Features(), l.ds.Outputs()
	shape := l.ds.X.Shape()
	shape[0] = size
	if l.order == nil {
		l.x = tensor.New(l.ds.X.Data()[l.pos*f:(l.pos+size)*f], shape...)
		if l.ds.Targets != nil {
			l.t = tensor.New(l.ds.Targets.Data()[l.pos*k:(l.pos+size)*k], size, k)
		} else {
			l.y = l.ds.Y[l.pos : l.pos+size]
		}
	} else {
		xb := l.xbuf[:size*f]
		var yb []int
		var tb []float32
		if l.ds.Targets != nil {
			tb = l.tbuf[:size*k]
			l.t = tensor.New(tb, size, k)
		} else {
			yb = l.ybuf[:size]
		}
		gather(xb, yb, tb, l.ds, l.order[l.pos:l.pos+size])
		if l.shift != nil {
			l.shift.apply(xb)
		}
		l.x, l.y = tensor.New(xb, shape...), yb
	}
	l.pos += size
	l.index++
	return true
}

// X returns the current batch's examples, shape [batch, features...].
func (l *Loader) X() *tensor.Tensor { return l.x }

// Y returns the current batch's labels (nil for a regression dataset).
func (l *Loader) Y() []int { return l.y }

// T returns the current batch's float targets, shape [batch, outputs], for
// a regression dataset (nil for a classification one).
func (l *Loader) T() *tensor.Tensor { return l.t }

// Batch returns X() and Y() together.
func (l *Loader) Batch() (*tensor.Tensor, []int) { return l.x, l.y }

// shifter moves images by random offsets (LoaderConfig.Shift).
type shifter struct {
	planes, h, w int // an example is planes images of h×w
	max          int
	rng          *rand.Rand
	tmp          []float32 // one plane
}

// newShifter returns a shifter for examples of X's shape [n, c, h, w] or
// [n, h, w], drawing from stream `stream` of seed (distinct from the
// permutation's streams).
func newShifter(shape []int, shift int, seed int64, stream uint64) *shifter {
	if shift < 0 {
		panic(fmt.Errorf("data: LoaderConfig.Shift %d must not be negative", shift))
	}
	s := &shifter{max: shift, rng: rand.New(rand.NewPCG(uint64(seed), ^stream))}
	switch len(shape) {
	case 4:
		s.planes, s.h, s.w = shape[1], shape[2], shape[3]
	case 3:
		s.planes, s.h, s.w = 1, shape[1], shape[2]
	default:
		panic(&tensor.ShapeError{Op: "data.Loader", A: shape,
			Msg: "LoaderConfig.Shift needs images, examples of shape [channels, height, width] or [height, width]; view them as such first, e.g. ds.View(1, 28, 28)"})
	}
	s.tmp = make([]float32, s.h*s.w)
	return s
}

// apply shifts every example in x (a batch, row-major) in place; all
// planes of one example move together.
func (s *shifter) apply(x []float32) {
	hw := s.h * s.w
	size := s.planes * hw
	for e := 0; e+size <= len(x); e += size {
		dy := s.rng.IntN(2*s.max+1) - s.max
		dx := s.rng.IntN(2*s.max+1) - s.max
		if dy == 0 && dx == 0 {
			continue
		}
		for p := e; p < e+size; p += hw {
			s.shiftPlane(x[p:p+hw], dy, dx)
		}
	}
}

// shiftPlane sets out[i][j] = in[clamp(i−dy)][clamp(j−dx)]: the content
// moves dy rows down and dx columns right, edge pixels fill the rest.
func (s *shifter) shiftPlane(plane []float32, dy, dx int) {
	copy(s.tmp, plane)
	for i := range s.h {
		src := s.tmp[clamp(i-dy, s.h)*s.w:][:s.w]
		dst := plane[i*s.w:][:s.w]
		for j := range s.w {
			dst[j] = src[clamp(j-dx, s.w)]
		}
	}
}

// clamp limits i to [0, n).
func clamp(i, n int) int { return min(max(i, 0), n-1) }

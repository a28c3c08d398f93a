package train

import (
	"testing"

	"github.com/gokernel/gokernel/mlstd/host"
)

// BenchmarkBatchThrottled is the cost of Progress.Batch between redraws.
func BenchmarkBatchThrottled(b *testing.B) {
	host.SetFront(host.Front{Show: func(host.Event) {}, Rich: true})
	defer host.SetFront(host.Front{})
	p := NewProgress(1, b.N)
	p.Batch(1) // first draw
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Batch(0.5)
	}
}

// BenchmarkChart is the cost of one live chart (600 points, 10 epochs).
func BenchmarkChart(b *testing.B) {
	p := NewProgress(10, 1000)
	for e := 0; e < 10; e++ {
		for i := 0; i < 1000; i++ {
			p.curve = append(p.curve, point{float64(e) + float64(i)/1000, 1 / float64(1+e*1000+i)})
			if len(p.curve) > maxPoints {
				p.thin()
			}
		}
		p.rows = append(p.rows, map[string]float64{"loss": 1 / float64(e+1), "val_loss": 1.1 / float64(e+1)})
		p.columns = []string{"loss", "val_loss"}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.renderChart()
	}
}

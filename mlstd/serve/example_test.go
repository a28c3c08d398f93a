package serve_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gokernel/gokernel/mlstd/serve"
	"github.com/gokernel/gokernel/mlstd/tensor"
)

// argmaxModel is a tiny stand-in for a trained classifier: its output is
// its input, so the predicted class is the largest feature.
type argmaxModel struct{ w *tensor.Tensor }

func (m argmaxModel) Forward(x *tensor.Tensor) *tensor.Tensor { return x }
func (m argmaxModel) Parameters() []*tensor.Tensor            { return []*tensor.Tensor{m.w} }

func newModel() argmaxModel { return argmaxModel{w: tensor.Zeros(3, 3)} } // (out, in)

func ExampleStart() {
	srv, err := serve.Start(newModel(), serve.Options{Name: "toy"})
	if err != nil {
		panic(err)
	}
	defer srv.Stop()

	// Any Open Inference Protocol v2 client can call it.
	body := `{"id": "r1", "inputs": [{"name": "input", "shape": [2, 3], "datatype": "FP32",
	          "data": [[0.1, 0.7, 0.2], [0.9, 0.05, 0.05]]}],
	          "outputs": [{"name": "predicted_class"}]}`
	resp, err := http.Post(srv.InferURL(), "application/json", strings.NewReader(body))
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(out))
	// Output:
	// 200 {"model_name":"toy","model_version":"1","id":"r1","outputs":[{"name":"predicted_class","datatype":"INT64","shape":[2],"data":[1,0]}]}
}

func ExampleInfer() {
	srv, err := serve.Start(newModel(), serve.Options{Name: "toy"})
	if err != nil {
		panic(err)
	}
	defer srv.Stop()

	x := tensor.New([]float32{0, 0, 1, 5, 1, 0}, 2, 3)
	p, err := serve.Infer(srv.URL(), "toy", "batch-7", x)
	if err != nil {
		panic(err)
	}
	fmt.Println(p.ID, p.Classes, p.Output.Shape())

	// Later the true labels arrive; live accuracy follows.
	if err := serve.Feedback(srv.URL(), "toy", "batch-7", []int{2, 1}); err != nil {
		panic(err)
	}
	q := srv.Stats().Quality
	fmt.Printf("labelled %d, accuracy %.2f\n", q.Labelled, q.Accuracy)
	// Output:
	// batch-7 [2 0] [2 3]
	// labelled 2, accuracy 0.50
}

func ExampleServer_Stats() {
	srv, err := serve.Start(newModel(), serve.Options{Name: "toy", Classes: []string{"a", "b", "c"}})
	if err != nil {
		panic(err)
	}
	defer srv.Stop()
	serve.Infer(srv.URL(), "toy", "", tensor.New([]float32{1, 0, 0, 0, 0, 1, 0, 0, 2}, 3, 3))

	st := srv.Stats()
	fmt.Println(st.Requests, st.Errors, st.Rows, st.ClassCounts)
	// Output:
	// 1 0 3 [1 0 2]
}

func ExampleReferenceStats() {
	train := tensor.New([]float32{0, 10, 2, 10, 4, 10}, 3, 2)
	mean, std := serve.ReferenceStats(train)
	fmt.Printf("%.2f %.2f\n", mean, std)
	// Output:
	// [2.00 10.00] [1.63 0.00]
}

package kernel_test

import (
	"fmt"

	"github.com/gokernel/gokernel/kernel"
)

func ExampleDecode() {
	signer, _ := kernel.NewSigner("hmac-sha256", []byte("secret"))
	header := []byte(`{"msg_id":"1","session":"s","username":"u","date":"","msg_type":"kernel_info_request","version":"5.3"}`)
	parts := [][]byte{header, []byte("{}"), []byte("{}"), []byte("{}")}
	frames := append([][]byte{[]byte("client-id"), []byte(kernel.Delimiter), signer.Sign(parts...)}, parts...)

	m, err := kernel.Decode(frames, signer)
	fmt.Println(m.Header.MsgType, string(m.Identities[0]), err)

	frames[2] = []byte("0000000000000000000000000000000000000000000000000000000000000000")
	_, err = kernel.Decode(frames, signer)
	fmt.Println(err)
	// Output:
	// kernel_info_request client-id <nil>
	// kernel: bad message: signature does not match
}

func ExampleConnectionInfo_Endpoint() {
	ci := kernel.ConnectionInfo{Transport: "ipc", IP: "/tmp/kernel-1"}
	fmt.Println(ci.Endpoint(5555))
	ci = kernel.ConnectionInfo{Transport: "tcp", IP: "0.0.0.0"}
	fmt.Println(ci.Endpoint(5555))
	// Output:
	// ipc:///tmp/kernel-1-5555
	// tcp://0.0.0.0:5555
}

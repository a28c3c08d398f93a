package host

import (
	"bytes"
	"testing"
)

func TestSetText(t *testing.T) {
	defer SetText(nil, false)
	if w, live := Text(); w != nil || live {
		t.Fatalf("default Text() = %v, %v; want nil, false", w, live)
	}
	var b bytes.Buffer
	SetText(&b, true)
	if w, live := Text(); w != &b || !live {
		t.Fatalf("Text() = %v, %v after SetText(w, true)", w, live)
	}
	SetText(nil, true)
	if w, live := Text(); w != nil || live {
		t.Fatalf("Text() = %v, %v after SetText(nil, true): nowhere cannot be live", w, live)
	}
}

package api

import (
	"net/http"
	"testing"
)

// BenchmarkV1Request sends /v1 and /getToken bodies through the whole
// router: what reading a body strictly, or leniently, costs a request.
func BenchmarkV1Request(b *testing.B) {
	router := newRouter(b)
	requests := []struct{ name, path, body string }{
		{"v1-rtc", "/v1/tokens/rtc", `{"channel":"benchmark-room","uid":42,"role":"publisher","expire":600,"privileges":{"publishVideo":300},"rtm":{"userId":"bob"}}`},
		{"getToken", "/getToken", `{"tokenType":"rtc","channel":"benchmark-room","role":"publisher","uid":"42","expire":600}`},
	}
	for _, r := range requests {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := send(b, router, http.MethodPost, r.path, r.body, timed()); rec.Code != http.StatusOK {
					b.Fatalf("POST %s = %d %s", r.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

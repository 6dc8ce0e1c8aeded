package api

import (
	"net/http"
	"testing"

	"github.com/seed6ab08d10/agora-token-server/service"
)

// BenchmarkV1Request sends /v1 and /getToken bodies through the whole
// router: what reading a body strictly, or leniently, costs a request.
func BenchmarkV1Request(b *testing.B) {
	router := New(Config{
		Tokens:      service.New("970CA35de60c44645bbae8a215061b33", "5CFd2fd1755d40ecb72977518be15d3b", service.Options{}),
		CORSOrigins: []string{"*"},
	})
	requests := []struct{ name, path, body string }{
		{"v1-rtc", "/v1/tokens/rtc", `{"channel":"benchmark-room","uid":42,"role":"publisher","expire":600,"privileges":{"publishVideo":300},"rtm":{"userId":"bob"}}`},
		{"getToken", "/getToken", `{"tokenType":"rtc","channel":"benchmark-room","role":"publisher","uid":"42","expire":600}`},
	}
	for _, r := range requests {
		b.Run(r.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if rec := postJSON(router, r.path, r.body); rec.Code != http.StatusOK {
					b.Fatalf("POST %s = %d %s", r.path, rec.Code, rec.Body)
				}
			}
		})
	}
}

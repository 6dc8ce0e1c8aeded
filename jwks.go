package main

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"
)

// jwksProbe is the HTTP transport through which the identity provider's
// keys (JWT_JWKS_URL) are fetched. It notes when a fetch first brings a
// key set holding keys, so that the readiness probe can tell a server
// that can check identity tokens from one that must refuse them all.
type jwksProbe struct {
	next   http.RoundTripper
	log    *slog.Logger
	loaded atomic.Bool
}

// newJWKSClient returns the client to fetch the key set with, and its
// probe.
func newJWKSClient(log *slog.Logger) (*http.Client, *jwksProbe) {
	p := &jwksProbe{next: http.DefaultTransport, log: log}
	return &http.Client{Timeout: 10 * time.Second, Transport: p}, p
}

// Loaded reports whether a key set with keys has ever been fetched.
func (p *jwksProbe) Loaded() bool { return p.loaded.Load() }

// RoundTrip sends req. Until keys have come, it reads the body of each
// 200 answer to see whether it holds any, and hands the caller an unread
// copy.
func (p *jwksProbe) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := p.next.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusOK || p.loaded.Load() {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(body, &set) == nil && len(set.Keys) > 0 && p.loaded.CompareAndSwap(false, true) {
		p.log.Info("identity provider's keys loaded (JWT_JWKS_URL)", "keys", len(set.Keys))
	}
	return resp, nil
}

package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/seed6ab08d10/agora-token-server/internal/redistest"
	"github.com/seed6ab08d10/agora-token-server/internal/testkit"
	"github.com/seed6ab08d10/agora-token-server/service"
)

// everyRoute is one request to each route the server answers, and some
// that fail validation, so that every code path that might log runs.
var everyRoute = []struct{ method, path, body string }{
	{"GET", "/ping", ""},
	{"GET", "/rtc/lobby/publisher/uid/42", ""},
	{"GET", "/rtc/lobby/subscriber/userAccount/42/", ""},
	{"GET", "/rtc/lobby/publisher/uid/0", ""},
	{"GET", "/rtc/lobby/boss/uid/42", ""},
	{"GET", "/rtm/42", ""},
	{"GET", "/rte/lobby/publisher/uid/42", ""},
	{"GET", "/rte/lobby/publisher/uid/42/42", ""},
	{"GET", "/chat/app", ""},
	{"GET", "/chat/account/42", ""},
	{"POST", "/getToken", `{"tokenType":"rtc","channel":"lobby","role":"publisher","uid":42}`},
	{"POST", "/getToken", `{"tokenType":"rtm","uid":"42"}`},
	{"POST", "/getToken", `{"tokenType":"chat","uid":"42"}`},
	{"POST", "/getToken", `{"tokenType":`},
	{"POST", "/token/generate", `{"channelName":"lobby","uid":"42","serviceRtc":{"enable":true,"role":1},"serviceRtm":{"enable":true},"serviceChat":{"enableUser":true,"userUuid":"42"}}`},
	{"POST", "/token/generate", `{"channelName":"lobby"}`},
	{"POST", "/v1/tokens/rtc", `{"channel":"lobby","uid":42,"role":"publisher","rtm":{"userId":"42"}}`},
	{"POST", "/v1/tokens/rtc", `{"channel":"lobby","account":"42","role":"subscriber","version":"006"}`},
	{"POST", "/v1/tokens/rtc", `{"channel":"lobby","role":"publisher"}`},
	{"POST", "/v1/tokens/rtm", `{"userId":"42"}`},
	{"POST", "/v1/tokens/rtm/", `{"userId":"42","expiry":60}`},
	{"POST", "/v1/tokens/chat", `{"userId":"42"}`},
	{"POST", "/v1/tokens/chat", `{}`},
	{"POST", "/v1/tokens/fpa", `{"expire":600}`},
	{"POST", "/v1/tokens/apaas", `{"privilege":"roomUser","roomUuid":"lobby","userUuid":"42","role":1}`},
	{"POST", "/v1/tokens/apaas", `{"privilege":"app"}`},
	{"POST", "/v1/tokens/inspect", `{"token":"` + inspectedToken + `"}`},
	{"POST", "/v1/tokens/inspect", `{"token":"007` + inspectedToken[3:40] + `"}`},
	{"GET", "/healthz", ""},
	{"GET", "/readyz", ""},
	{"GET", "/metrics", ""},
	{"GET", "/openapi.json", ""},
	{"GET", "/docs", ""},
	{"GET", "/nowhere", ""},
}

// inspectedToken is a token this test's servers signed, sent to
// /v1/tokens/inspect: the logs must not hold it either.
var inspectedToken = func() string {
	minted, err := service.New(testkit.AppID, testkit.Certificate, service.Options{}).Issue(context.Background(), service.Bundle{RTMUserID: "42", Expire: new(uint64(600))})
	if err != nil {
		panic(err)
	}
	return minted[0].Value
}()

// issued collects every Agora token in a response body.
func issued(body string) []string {
	var m map[string]any
	if json.Unmarshal([]byte(body), &m) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		case string:
			if strings.HasPrefix(v, "007") && len(v) > 40 {
				out = append(out, v)
			}
		}
	}
	walk(m)
	return out
}

func idTokenFor(t *testing.T, key, sub string, exp time.Time) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": sub, "exp": exp.Unix()}).SignedString([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// captureProcessOutput sends whatever the process writes to its own
// stdout and stderr, bypassing run's writers, to a file for the rest of
// the test, and returns a function that reads it.
func captureProcessOutput(t *testing.T) func() string {
	t.Helper()
	f, err := os.Create(filepath.Join(t.TempDir(), "process-output"))
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = f, f
	t.Cleanup(func() { os.Stdout, os.Stderr = oldOut, oldErr; f.Close() })
	return func() string {
		b, _ := os.ReadFile(f.Name())
		return string(b)
	}
}

func TestNoSecretReachesTheLogs(t *testing.T) {
	stray := captureProcessOutput(t)
	apiKeys := []string{"fixed-api-key-3f9a1c0d7e", "filed-api-key-b27e44a9c1"}
	keyFile := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(keyFile, []byte(apiKeys[1]+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	jwtSecret := "jwt-signing-secret-5d1c9e0b7a3f4e21"
	now := time.Now()
	goodJWT := idTokenFor(t, jwtSecret, "42", now.Add(time.Hour))
	expiredJWT := idTokenFor(t, jwtSecret, "42", now.Add(-time.Hour))
	forgedJWT := idTokenFor(t, "a-secret-the-server-does-not-know!!", "42", now.Add(time.Hour))

	metricsToken := "metrics-scrape-token-8e2b61f0c4"
	redisPassword := "redis-password-4c7d02e9b1a6"
	redisUser := "redis-user-that-is-a-secret-5e8f"
	redis := redistest.Start(t) // asks for no password: each login fails
	_, redisPort, _ := strings.Cut(strings.TrimPrefix(redis.URL(), "redis://"), ":")
	redisPort, _, _ = strings.Cut(redisPort, "/")

	secrets := map[string]string{"App Certificate": testkit.Certificate, "JWT secret": jwtSecret,
		"API key 1": apiKeys[0], "API key 2": apiKeys[1], "JWT": goodJWT, "expired JWT": expiredJWT, "forged JWT": forgedJWT,
		"metrics token": metricsToken, "Redis password": redisPassword, "Redis user": redisUser, "inspected token": inspectedToken}
	credentials := []map[string]string{
		nil,
		{"Authorization": "Bearer " + metricsToken},
		{"Authorization": "Bearer " + metricsToken[:10]},
		{"Authorization": "Bearer " + apiKeys[0]},
		{"X-API-Key": apiKeys[1]},
		{"Authorization": "Bearer not-a-key-at-all-0000"},
		{"Authorization": "Basic " + apiKeys[0]},
		{"Authorization": "Bearer " + goodJWT},
		{"Authorization": "Bearer " + expiredJWT},
		{"Authorization": "Bearer " + forgedJWT},
	}
	servers := []map[string]string{
		{"ALLOW_APP_TOKENS": "true"},
		{"AUTH_MODE": "apikey", "API_KEYS": apiKeys[0], "API_KEYS_FILE": keyFile, "RATE_LIMIT": "1000/m"},
		{"AUTH_MODE": "jwt", "JWT_SECRET": jwtSecret, "RATE_LIMIT": "1000/m", "ALLOW_WILDCARD_UID": "false"},
		// A Redis that refuses the password, and one that is not there.
		{"RATE_LIMIT": "1000/m", "REDIS_URL": "redis://token-server:" + redisPassword + "@127.0.0.1:" + redisPort + "/0"},
		{"RATE_LIMIT": "1000/m", "REDIS_URL": "redis://:" + redisPassword + "@127.0.0.1:1/0"},
		// Some providers put the password where the user name goes.
		{"RATE_LIMIT": "1000/m", "REDIS_URL": "redis://" + redisUser + "@127.0.0.1:1/0"},
	}
	var logs []string
	tokens := 0
	for _, env := range servers {
		env["METRICS_TOKEN"] = metricsToken
		s := startGuardedServer(t, env)
		for _, cred := range credentials {
			for _, r := range everyRoute {
				rep := s.send(t, r.method, r.path, r.body, cred)
				if rep.status >= 500 {
					t.Errorf("%v %s %s: status %d", env["AUTH_MODE"], r.method, r.path, rep.status)
				}
				for _, tok := range issued(rep.body) {
					secrets["issued token "+tok[:12]] = tok
					tokens++
				}
			}
		}
		s.shutdown()
		logs = append(logs, s.logged())
	}
	all := strings.Join(logs, "\n") + stray()
	started := strings.Contains(all, `"msg":"starting"`) || strings.Contains(all, "msg=starting")
	if !started || !strings.Contains(all, "auth_mode=jwt") {
		t.Fatalf("the captured logs miss the start-up lines; the capture is broken:\n%s", all)
	}
	// Both Redis servers were found unusable, with the reason in the log:
	// where a careless error message would repeat the password.
	if n := strings.Count(all, "rate limit store unreachable"); n != 3 {
		t.Fatalf("logged %d Redis outages, want one per server with REDIS_URL:\n%s", n, all)
	}
	if tokens < 20 {
		t.Fatalf("only %d tokens were issued; the test must see tokens to look for them", tokens)
	}
	for what, secret := range secrets {
		if strings.Contains(all, secret) {
			t.Errorf("the logs hold the %s", what)
		}
	}
}
